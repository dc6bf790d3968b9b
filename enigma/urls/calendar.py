from django.urls import path

from enigma.views import calendar

urlpatterns = [
    path("", calendar.overview, name="calendar_overview"),
]
