"""URLs: lessons."""

urlpatterns: list = []
