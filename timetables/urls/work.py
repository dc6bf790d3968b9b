"""URLs: work."""

urlpatterns: list = []
