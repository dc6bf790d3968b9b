"""The school calendar pages: terms, non-school days, periods and bank holidays.

For the school admin only. Every change goes through enigma.services.school (audited); deletes
need a POST from a confirmation page.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.db import IntegrityError
from django.db.models import ProtectedError
from django.forms import ModelForm
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from enigma.actor import actor_from
from enigma.capabilities import Capability
from enigma.formatting import day_text
from enigma.forms.calendar import CalendarYearFilter, NonSchoolDayForm, PeriodForm, TermForm
from enigma.inputs import parse_date
from enigma.links import pk_url
from enigma.models import NonSchoolDay, Period, Term
from enigma.permissions import requires
from enigma.school_calendar import (
    SchoolCalendar,
    academic_year_name,
    academic_year_of,
    term_years,
)
from enigma.services import school
from enigma.services.calendar import add_bank_holidays

# What a database constraint that stopped a save means, and the field it belongs to.
CONSTRAINT_MESSAGES = {
    "terms_do_not_overlap": ("starts_on", "These dates overlap another term."),
    "term_ends_after_start": ("ends_on", "The last day must be on or after the first day."),
    "half_term_inside_term": ("half_term_starts_on", "Half-term must fall inside the term."),
    "period_ends_after_start": ("ends_at", "A period must end after it starts."),
    "periods_do_not_overlap": ("starts_at", "This overlaps another period."),
    "non_school_day_is_a_weekday": ("date", "A weekend is never a school day."),
    "enigma_nonschoolday_date_key": ("date", "That date is already a non-school day."),
    "enigma_period_name_key": ("name", "There is already a period with this name."),
}


def _constraint_name(exc: IntegrityError) -> str:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) or ""


def _add_integrity_error(form: ModelForm, exc: IntegrityError) -> None:
    field, message = CONSTRAINT_MESSAGES.get(_constraint_name(exc), (None, ""))
    if field not in form.fields:
        field = None
    form.add_error(
        field,
        message
        or "That could not be saved because it clashes with another entry. Check it and try again.",
    )


def _form_page(request, form_class, *, noun: str, instance=None):
    """Add (instance=None) or edit one calendar row through an audited save."""
    title = f"Add a {noun}" if instance is None else f"Edit {noun}: {instance}"
    form = form_class(request.POST if request.method == "POST" else None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            obj = school.audited_form_save(by=actor_from(request), form=form)
        except IntegrityError as exc:  # someone else saved a clashing row at the same moment
            _add_integrity_error(form, exc)
        else:
            done = "added" if instance is None else "saved"
            messages.success(request, f"{noun.capitalize()} {done}: {obj}.")
            return _overview_for(_row_day(obj))
    return render(
        request,
        "enigma/calendar/form.html",
        {"form": form, "title": title, "noun": noun, "adding": instance is None},
    )


def _delete_page(request, obj, *, noun: str):
    """Ask first (GET); delete on POST, audited."""
    label = str(obj)
    if request.method == "POST":
        try:
            school.audited_delete(by=actor_from(request), obj=obj)
        except (ProtectedError, IntegrityError):
            messages.error(request, f"The {noun} {label} is in use elsewhere, so it was kept.")
        else:
            messages.success(request, f"{noun.capitalize()} deleted: {label}.")
        return _overview_for(_row_day(obj))
    return render(
        request, "enigma/calendar/confirm_delete.html", {"obj": obj, "label": label, "noun": noun}
    )


def _default_year(years: list[int], today: dt.date) -> int | None:
    """This academic year if anything is on record for it, else the nearest year that has
    something (the later one on a tie: a school setting up next year looks forward)."""
    if not years:
        return None
    this_year = academic_year_of(today)
    return min(years, key=lambda year: (abs(year - this_year), -year))


@requires(Capability.MANAGE_CALENDAR)
def overview(request):
    terms = list(Term.objects.order_by("starts_on"))
    days = list(NonSchoolDay.objects.order_by("date"))
    periods = list(Period.objects.order_by("starts_at"))
    # The whole calendar counts school days and finds missing bank holidays; the page lists
    # one academic year's terms and non-school days at a time (a year's rows: three terms
    # and a handful of days, where ten years' history would be a page hundreds of rows long).
    calendar = SchoolCalendar(terms, [d.date for d in days])
    years = sorted(
        {academic_year_of(t.starts_on) for t in terms} | {academic_year_of(d.date) for d in days}
    )
    asked = request.GET.get("year", "")
    filters = CalendarYearFilter(
        request.GET if asked in {str(y) for y in years} else None,
        years=years,
        default=_default_year(years, timezone.localdate()),
    )
    year = filters.chosen()
    at = years.index(year) if year is not None else 0
    term_edit, term_delete = pk_url("calendar_term_edit"), pk_url("calendar_term_delete")
    day_edit, day_delete = pk_url("calendar_day_edit"), pk_url("calendar_day_delete")
    kinds = dict(NonSchoolDay.Kind.choices)
    return render(
        request,
        "enigma/calendar/overview.html",
        {
            "filters": filters,
            "year_name": academic_year_name(year) if year is not None else "",
            "earlier_year": _year_link(years[at - 1]) if at > 0 else None,
            "later_year": _year_link(years[at + 1]) if at + 1 < len(years) else None,
            "term_rows": [
                {
                    "name": term.name,
                    "academic_year": term.academic_year,
                    "starts": day_text(term.starts_on),
                    "ends": day_text(term.ends_on),
                    "half_term": (
                        f"{day_text(term.half_term_starts_on)} to "
                        f"{day_text(term.half_term_ends_on)}"
                        if term.half_term_starts_on
                        else ""
                    ),
                    "school_days": calendar.school_days_between(term.starts_on, term.ends_on),
                    "edit_url": term_edit(term.pk),
                    "delete_url": term_delete(term.pk),
                }
                for term in terms
                if academic_year_of(term.starts_on) == year
            ],
            "day_rows": [
                {
                    "when": day_text(day.date),
                    "in_term": calendar.term_for(day.date) is not None,
                    "kind": kinds.get(day.kind, day.kind),
                    "description": day.description,
                    "edit_url": day_edit(day.pk),
                    "delete_url": day_delete(day.pk),
                }
                for day in days
                if academic_year_of(day.date) == year
            ],
            "periods": periods,
            "suggestion_count": len(calendar.suggested_bank_holidays(term_years(terms))),
        },
    )


def _year_link(year: int) -> dict:
    return {"name": academic_year_name(year), "query": urlencode({"year": year})}


def _overview_for(day: dt.date | None):
    """Back to the calendar page, at the academic year of the row just changed."""
    if day is None:
        return redirect("calendar_overview")
    query = urlencode({"year": academic_year_of(day)})
    return redirect(f"{reverse('calendar_overview')}?{query}")


def _row_day(obj) -> dt.date | None:
    return getattr(obj, "starts_on", None) or getattr(obj, "date", None)


@requires(Capability.MANAGE_CALENDAR)
def term_add(request):
    return _form_page(request, TermForm, noun="term")


@requires(Capability.MANAGE_CALENDAR)
def term_edit(request, term_pk: int):
    return _form_page(request, TermForm, noun="term", instance=get_object_or_404(Term, pk=term_pk))


@requires(Capability.MANAGE_CALENDAR)
def term_delete(request, term_pk: int):
    return _delete_page(request, get_object_or_404(Term, pk=term_pk), noun="term")


@requires(Capability.MANAGE_CALENDAR)
def day_add(request):
    return _form_page(request, NonSchoolDayForm, noun="non-school day")


@requires(Capability.MANAGE_CALENDAR)
def day_edit(request, day_pk: int):
    day = get_object_or_404(NonSchoolDay, pk=day_pk)
    return _form_page(request, NonSchoolDayForm, noun="non-school day", instance=day)


@requires(Capability.MANAGE_CALENDAR)
def day_delete(request, day_pk: int):
    day = get_object_or_404(NonSchoolDay, pk=day_pk)
    return _delete_page(request, day, noun="non-school day")


@requires(Capability.MANAGE_CALENDAR)
def period_add(request):
    return _form_page(request, PeriodForm, noun="period")


@requires(Capability.MANAGE_CALENDAR)
def period_edit(request, period_pk: int):
    period = get_object_or_404(Period, pk=period_pk)
    return _form_page(request, PeriodForm, noun="period", instance=period)


@requires(Capability.MANAGE_CALENDAR)
def period_delete(request, period_pk: int):
    return _delete_page(request, get_object_or_404(Period, pk=period_pk), noun="period")


def _posted_dates(values: list[str]) -> set[dt.date]:
    return {day for value in values if (day := parse_date(value))}


@requires(Capability.MANAGE_CALENDAR)
def bank_holidays(request):
    """England's bank holidays that fall in a term and are not yet non-school days."""
    terms = list(Term.objects.order_by("starts_on"))
    years = term_years(terms)
    if request.method == "POST":
        only = None if "all" in request.POST else _posted_dates(request.POST.getlist("date"))
        if only is not None and not only:
            messages.error(request, "Choose at least one bank holiday to add.")
            return redirect("calendar_bank_holidays")
        try:
            added = add_bank_holidays(by=actor_from(request), years=years, only=only)
        except IntegrityError:
            messages.error(
                request,
                "Someone else changed the non-school days at the same moment, so nothing was "
                "added. Check the list and try again.",
            )
            return redirect("calendar_bank_holidays")
        if added:
            count = len(added)
            messages.success(
                request,
                f"Added {count} bank holiday{'s' if count != 1 else ''} as non-school days.",
            )
            return redirect("calendar_overview")
        messages.warning(request, "There was nothing to add: those bank holidays are recorded.")
        return redirect("calendar_bank_holidays")
    days = NonSchoolDay.objects.values_list("date", flat=True)
    calendar = SchoolCalendar(terms, days)
    return render(
        request,
        "enigma/calendar/bank_holidays.html",
        {
            "suggestions": calendar.suggested_bank_holidays(years),
            "years": years,
            "has_terms": bool(terms),
        },
    )
