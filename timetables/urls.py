"""URLs of the timetables app. Its pages arrive with its issue; the include is wired now."""

app_name = "timetables"
urlpatterns: list = []
