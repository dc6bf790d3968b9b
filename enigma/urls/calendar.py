"""The school calendar's pages, included at "calendar/" with no namespace."""

from django.urls import path

from enigma.views import calendar

urlpatterns = [
    path("", calendar.overview, name="calendar_overview"),
    path("terms/add/", calendar.term_add, name="calendar_term_add"),
    path("terms/<int:term_pk>/", calendar.term_edit, name="calendar_term_edit"),
    path("terms/<int:term_pk>/delete/", calendar.term_delete, name="calendar_term_delete"),
    path("non-school-days/add/", calendar.day_add, name="calendar_day_add"),
    path("non-school-days/<int:day_pk>/", calendar.day_edit, name="calendar_day_edit"),
    path("non-school-days/<int:day_pk>/delete/", calendar.day_delete, name="calendar_day_delete"),
    path("periods/add/", calendar.period_add, name="calendar_period_add"),
    path("periods/<int:period_pk>/", calendar.period_edit, name="calendar_period_edit"),
    path("periods/<int:period_pk>/delete/", calendar.period_delete, name="calendar_period_delete"),
    path("bank-holidays/", calendar.bank_holidays, name="calendar_bank_holidays"),
]
