"""URLs: feeds."""

urlpatterns: list = []
