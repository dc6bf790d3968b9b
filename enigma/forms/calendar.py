"""Forms for the school calendar: terms, non-school days and the periods of the day.

Each check that the database also enforces (a constraint) is made here first, so the
person sees a clear message next to the field instead of a generic error.
"""

from __future__ import annotations

import datetime as dt

from django import forms

from enigma.formatting import day_text as _day
from enigma.forms.common import DateInput
from enigma.models import NonSchoolDay, Period, Term
from enigma.school_calendar import academic_year_name


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(format="%H:%M", attrs={"type": "time"})


class TermForm(forms.ModelForm):
    class Meta:
        model = Term
        fields = ["name", "starts_on", "ends_on", "half_term_starts_on", "half_term_ends_on"]
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "half_term_starts_on": DateInput(),
            "half_term_ends_on": DateInput(),
        }
        help_texts = {
            "half_term_starts_on": "Leave both half-term dates blank if the term has none.",
        }

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end:
            if end < start:
                self.add_error("ends_on", "The last day must be on or after the first day.")
            else:
                self._check_half_term(start, end)
                self._check_overlap(start, end)
        return data

    def _check_half_term(self, start: dt.date, end: dt.date) -> None:
        names = ("half_term_starts_on", "half_term_ends_on")
        if any(name in self.errors for name in names):
            return  # a date that could not be read already has its own message
        hts, hte = (self.cleaned_data.get(name) for name in names)
        if hts is None and hte is None:
            return
        if hts is None:
            self.add_error("half_term_starts_on", "Give the half-term's first day as well.")
            return
        if hte is None:
            self.add_error("half_term_ends_on", "Give the half-term's last day as well.")
            return
        inside = f"after the term's first day ({_day(start)}) and before its last day ({_day(end)})"
        if not start < hts < end:
            self.add_error("half_term_starts_on", f"Half-term must fall inside the term: {inside}.")
        if not start < hte < end:
            self.add_error("half_term_ends_on", f"Half-term must fall inside the term: {inside}.")
        elif hte < hts:
            self.add_error(
                "half_term_ends_on", "The half-term's last day must be on or after its first day."
            )

    def _check_overlap(self, start: dt.date, end: dt.date) -> None:
        others = Term.objects.filter(starts_on__lte=end, ends_on__gte=start).order_by("starts_on")
        if self.instance.pk is not None:
            others = others.exclude(pk=self.instance.pk)
        clash = others.first()
        if clash is None:
            return
        message = (
            f"These dates overlap {clash.name} ({_day(clash.starts_on)} to "
            f"{_day(clash.ends_on)}). Terms cannot overlap."
        )
        if clash.starts_on <= end <= clash.ends_on and not clash.starts_on <= start:
            self.add_error("ends_on", message)
        else:
            self.add_error("starts_on", message)


class NonSchoolDayForm(forms.ModelForm):
    class Meta:
        model = NonSchoolDay
        fields = ["date", "kind", "description"]
        widgets = {"date": DateInput()}
        help_texts = {
            "date": "A weekday inside a term when students are not in school.",
            "description": 'e.g. "Staff training" or "Polling station".',
        }
        error_messages = {"kind": {"required": "Choose what kind of day it is."}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Not Django's "---------": the empty choice says what to do.
        self.fields["kind"].choices = [("", "Choose a kind"), *NonSchoolDay.Kind.choices]

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day.weekday() >= 5:
            raise forms.ValidationError(
                f"{_day(day)} is a weekend, which is never a school day: there is no need to "
                "record it.",
                code="weekend",
            )
        existing = NonSchoolDay.objects.filter(date=day)
        if self.instance.pk is not None:
            existing = existing.exclude(pk=self.instance.pk)
        clash = existing.first()
        if clash is not None:
            raise forms.ValidationError(
                f"{_day(day)} is already a non-school day ({clash.get_kind_display()}).",
                code="duplicate",
            )
        if not Term.objects.filter(starts_on__lte=day, ends_on__gte=day).exists():
            raise forms.ValidationError(
                f"{_day(day)} is not inside any term, so it is not a school day anyway. "
                "If a term is missing, add the term first.",
                code="outside_terms",
            )
        return day


class PeriodForm(forms.ModelForm):
    class Meta:
        model = Period
        fields = ["name", "kind", "starts_at", "ends_at"]
        widgets = {"starts_at": _time_input(), "ends_at": _time_input()}
        help_texts = {"starts_at": "24-hour clock, e.g. 09:00."}
        error_messages = {"name": {"unique": "There is already a period with this name."}}

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start is None or end is None:
            return data
        if end <= start:
            self.add_error("ends_at", "A period must end after it starts.")
            return data
        others = Period.objects.filter(starts_at__lt=end, ends_at__gt=start).order_by("starts_at")
        if self.instance.pk is not None:
            others = others.exclude(pk=self.instance.pk)
        clash = others.first()
        if clash is not None:
            message = (
                f"This overlaps {clash.name} ({clash.starts_at:%H:%M}–{clash.ends_at:%H:%M}). "
                "Periods cannot overlap; one may end when the next starts."
            )
            if clash.starts_at < end <= clash.ends_at and not clash.starts_at <= start:
                self.add_error("ends_at", message)
            else:
                self.add_error("starts_at", message)
        return data


class CalendarYearFilter(forms.Form):
    """Which academic year the calendar page lists: one at a time, so a school with ten
    years of terms and closures sees this year's first, not a page that grows forever."""

    is_filter = True
    year = forms.TypedChoiceField(label="Academic year", coerce=int, required=False)

    def __init__(self, data=None, *, years: list[int], default: int | None):
        super().__init__(data)
        self.default = default
        self.fields["year"].choices = [(year, academic_year_name(year)) for year in years]
        self.fields["year"].initial = default

    def chosen(self) -> int | None:
        """The year asked for, or the default when none is asked, or one with nothing on
        record (its last row was just deleted, or the address was typed by hand)."""
        if self.is_bound and self.is_valid() and self.cleaned_data.get("year") is not None:
            return self.cleaned_data["year"]
        return self.default
