"""URLs: use of reasonable force. See records/views/force.py. Every name starts "force"."""

from django.urls import path

from records.views import force

urlpatterns = [
    path("force/", force.force_list, name="force_list"),
    path("students/<int:pk>/force/", force.force_add, name="force_add"),
    path("force/<int:entry_pk>/correct/", force.force_amend, name="force_amend"),
]
