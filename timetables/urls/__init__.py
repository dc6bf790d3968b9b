"""URLs of the timetables app, one module per area, all in the "timetables" namespace."""

from timetables.urls import attendance, feeds, lessons, plans, today, work

app_name = "timetables"
urlpatterns = (
    lessons.urlpatterns
    + plans.urlpatterns
    + today.urlpatterns
    + work.urlpatterns
    + feeds.urlpatterns
    + attendance.urlpatterns
)
