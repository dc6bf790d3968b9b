"""URLs: today."""

urlpatterns: list = []
