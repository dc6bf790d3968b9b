"""URLs: the printable week, the calendar links of a placement and the public feed."""

from django.urls import path

from timetables.views import feeds

urlpatterns = [
    path("placements/<int:placement_pk>/timetable/print/", feeds.print_week, name="print_week"),
    path("placements/<int:placement_pk>/calendar-links/", feeds.feeds, name="feeds"),
    path("placements/<int:placement_pk>/calendar-links/new/", feeds.feed_add, name="feed_add"),
    path("calendar-links/<int:feed_pk>/revoke/", feeds.feed_revoke, name="feed_revoke"),
    path(
        "placements/<int:placement_pk>/calendar-links/panel/",
        feeds.placement_calendar_panel,
        name="placement_calendar_panel",
    ),
    path("feed/<str:token>.ics", feeds.feed, name="feed"),
]
