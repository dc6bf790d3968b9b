"""The period chooser: an academic year, a term, or a range of dates."""

from __future__ import annotations

import datetime as dt

from django import forms

from oversight import periods

LONGEST = dt.timedelta(days=3 * 366)


class PeriodForm(forms.Form):
    is_filter = True  # no "(optional)" by each field: it chooses what to show
    period = forms.ChoiceField(label="Period", required=False)
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    names = forms.BooleanField(
        label="Include pupils' names (the report is otherwise anonymous)", required=False
    )

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.years = periods.academic_years()
        self.terms = periods.terms()
        choices = [(f"year:{label}", f"Academic year {label}") for label in self.years]
        choices += [(f"term:{t.pk}", f"{t.name} term") for t in self.terms]
        choices.append(("dates", "These dates…"))
        self.fields["period"].choices = choices

    def clean(self):
        data = super().clean()
        key = data.get("period") or ""
        if key == "dates":
            start, end = data.get("start"), data.get("end")
            if not start:
                self.add_error("start", "Give the first day of the period.")
            if not end:
                self.add_error("end", "Give the last day of the period.")
            if start and end and end < start:
                self.add_error("end", "The last day must be on or after the first.")
            elif start and end and end - start > LONGEST:
                self.add_error("end", "Choose a period of three years or less.")
        return data

    def span(self) -> periods.Span:
        """The chosen period; the current academic year when none (or a bad one) is chosen."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        kind, _, value = (data.get("period") or "").partition(":")
        if kind == "year" and (span := periods.for_year(value, self.years)):
            return span
        if kind == "term" and value.isdigit():
            term = next((t for t in self.terms if t.pk == int(value)), None)
            if term:
                return periods.for_term(term)
        if data.get("period") == "dates":
            return periods.for_dates(data["start"], data["end"])
        return periods.current(self.today, self.years)
