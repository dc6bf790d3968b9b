"""URLs of the records app. Its pages arrive with its issue; the include is wired now."""

app_name = "records"
urlpatterns: list = []
