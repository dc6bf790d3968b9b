"""URLs: the student file, entries, actions and the safeguarding queue."""

from django.urls import path

from records.views import actions, chronology, entries, pick

urlpatterns = [
    path("students/<int:pk>/", chronology.student_file, name="student_file"),
    path("students/<int:pk>/print/", chronology.chronology_print, name="chronology_print"),
    path("students/<int:pk>/chronology.csv", chronology.chronology_csv, name="chronology_csv"),
    path("students/<int:pk>/record/", entries.entry_add, name="entry_add"),
    path("students/<int:pk>/record/involve/", pick.involve_search, name="involve_search"),
    path("record/", pick.record_pick, name="record_pick"),
    path("entries/<int:entry_pk>/", entries.entry_detail, name="entry_detail"),
    path("entries/<int:entry_pk>/correct/", entries.entry_amend, name="entry_amend"),
    path("entries/<int:entry_pk>/share/", entries.entry_share, name="entry_share"),
    path("actions/", actions.my_actions, name="my_actions"),
    path("actions/<int:action_pk>/done/", actions.action_complete, name="action_complete"),
    path("safeguarding/", actions.safeguarding_queue, name="safeguarding_queue"),
]
