"""URLs: plans."""

urlpatterns: list = []
