"""Which day or week the attendance export and the disagreements cover."""

from __future__ import annotations

import datetime as dt

from django import forms

from enigma.forms.common import DateInput


class AttendanceRangeForm(forms.Form):
    is_filter = True
    day = forms.DateField(label="Day", required=False, widget=DateInput())
    span = forms.ChoiceField(
        label="Cover",
        required=False,
        choices=[("day", "That day"), ("week", "Its week (Monday to Friday)")],
    )

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def range(self) -> tuple[dt.date, dt.date]:
        """The dates covered: today if nothing (or nothing valid) was chosen."""
        day, span = self.today, "day"
        if self.is_bound and self.is_valid():
            day = self.cleaned_data.get("day") or self.today
            span = self.cleaned_data.get("span") or "day"
        if span == "week":
            monday = day - dt.timedelta(days=day.weekday())
            return monday, monday + dt.timedelta(days=4)
        return day, day
