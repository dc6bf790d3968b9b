"""The school admin's calendar pages: terms, non-school days, periods and bank holidays."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from enigma.forms.calendar import TermForm
from enigma.models import AuditEvent, NonSchoolDay, Period, Term
from tests.db import queries
from tests.factories import NonSchoolDayFactory, PeriodFactory, TermFactory

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def admin(client_for, ada):
    return client_for(ada)


def calendar_events():
    return AuditEvent.objects.filter(action="calendar.changed").order_by("pk")


def autumn(**kwargs):
    return TermFactory(**kwargs)  # Wed 2 Sep to Fri 18 Dec 2026, half-term 26-30 Oct


def spring(**kwargs):
    defaults = {
        "name": "Spring 2027",
        "starts_on": D(2027, 1, 4),
        "ends_on": D(2027, 3, 26),
        "half_term_starts_on": D(2027, 2, 15),
        "half_term_ends_on": D(2027, 2, 19),
    }
    return TermFactory(**(defaults | kwargs))


def field_errors(response, field: str) -> list[str]:
    """The error messages shown next to one field (by the id field.html gives them)."""
    html = response.content.decode()
    return re.findall(
        rf'<p class="field__error" id="id_{field}_error">.*?</span>\s*(.*?)</p>', html, re.S
    )


# --- pages render -------------------------------------------------------------------------


def test_every_calendar_page_renders_for_the_school_admin(admin):
    term = autumn()
    day = NonSchoolDayFactory(date=D(2026, 9, 2), description="Staff training")
    period = PeriodFactory(name="P1", starts_at=dt.time(9), ends_at=dt.time(10))
    urls = {
        reverse("calendar_overview"): "Calendar",
        reverse("calendar_term_add"): "Add a term",
        reverse("calendar_term_edit", args=[term.pk]): "Edit term: Autumn 2026",
        reverse("calendar_term_delete", args=[term.pk]): "Delete term: Autumn 2026?",
        reverse("calendar_day_add"): "Add a non-school day",
        reverse("calendar_day_edit", args=[day.pk]): "Edit non-school day",
        reverse("calendar_day_delete", args=[day.pk]): "Delete non-school day",
        reverse("calendar_period_add"): "Add a period",
        reverse("calendar_period_edit", args=[period.pk]): "Edit period: P1",
        reverse("calendar_period_delete", args=[period.pk]): "Delete period: P1",
        reverse("calendar_bank_holidays"): "Suggested bank holidays",
    }
    for url, heading in urls.items():
        response = admin.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert html.count("<h1>") == 1, url
        assert f"<h1>{heading}" in html.replace("&#x27;", "'"), url
        assert "style=" not in html and "<script>" not in html, url


def test_the_overview_shows_terms_with_school_day_counts_days_and_periods(admin):
    autumn()
    NonSchoolDayFactory(date=D(2026, 9, 2), description="Staff training")
    NonSchoolDayFactory(date=D(2026, 8, 28), description="Left over")  # not in a term
    PeriodFactory(
        name="Lunch", kind=Period.Kind.LUNCH, starts_at=dt.time(12, 20), ends_at=dt.time(13, 5)
    )
    html = admin.get(reverse("calendar_overview")).content.decode()
    assert "Autumn 2026 (2026/27)" in html
    assert "Wed 2 Sep 2026" in html and "Fri 18 Dec 2026" in html
    assert "Mon 26 Oct 2026 to Fri 30 Oct 2026" in html
    # 78 weekdays less 5 in half-term and the INSET day
    assert "<td>72</td>" in html
    assert "Staff training" in html and "Not in a term" in html
    assert "12:20" in html and "13:05" in html
    headings = re.findall(r"<h([12])[ >]", html)
    assert headings[0] == "1" and set(headings[1:]) == {"2"}


def three_years():
    """A term and a non-school day in each of 2025/26, 2026/27 and 2027/28."""
    for year in (2025, 2026, 2027):
        TermFactory(
            name=f"Autumn {year}",
            starts_on=D(year, 9, 2),
            ends_on=D(year, 12, 18),
            half_term_starts_on=None,
            half_term_ends_on=None,
        )
        NonSchoolDayFactory(date=D(year, 11, 18), description=f"Closure {year}")


def listed(html: str) -> set[str]:
    return set(re.findall(r'<th scope="row">(Autumn \d{4}|Closure \d{4})', html)) | set(
        re.findall(r"<td>(Closure \d{4})</td>", html)
    )


def test_the_overview_lists_one_academic_year_at_a_time(client_for, ada, time_machine):
    three_years()
    time_machine.move_to(dt.datetime(2027, 1, 12, 10, tzinfo=dt.UTC))
    admin = client_for(ada)  # signed in at the moved clock
    html = admin.get(reverse("calendar_overview")).content.decode()
    # This academic year by default, with the years either side one link away.
    assert listed(html) == {"Autumn 2026", "Closure 2026"}
    assert "Terms in 2026/27" in html and "Non-school days in 2026/27" in html
    assert 'href="?year=2025" rel="prev">Earlier: 2025/26' in html
    assert 'href="?year=2027" rel="next">Later: 2027/28' in html
    assert '<option value="2026" selected>2026/27</option>' in html

    html = admin.get(reverse("calendar_overview"), {"year": "2025"}).content.decode()
    assert listed(html) == {"Autumn 2025", "Closure 2025"}
    assert 'rel="prev"' not in html and 'href="?year=2026" rel="next"' in html
    assert '<option value="2025" selected>2025/26</option>' in html

    # A year with nothing on record (its last row deleted, or typed by hand) falls back
    # quietly to this year rather than an empty page or an error.
    for asked in ("2019", "next", "2026.5"):
        response = admin.get(reverse("calendar_overview"), {"year": asked})
        assert response.status_code == 200
        assert listed(response.content.decode()) == {"Autumn 2026", "Closure 2026"}, asked


def test_with_nothing_this_year_the_overview_opens_at_the_nearest_year(
    client_for, ada, time_machine
):
    three_years()
    time_machine.move_to(dt.datetime(2031, 3, 2, 10, tzinfo=dt.UTC))
    html = client_for(ada).get(reverse("calendar_overview")).content.decode()
    assert listed(html) == {"Autumn 2027", "Closure 2027"}
    time_machine.move_to(dt.datetime(2020, 3, 2, 10, tzinfo=dt.UTC))
    html = client_for(ada).get(reverse("calendar_overview")).content.decode()
    assert listed(html) == {"Autumn 2025", "Closure 2025"}


def test_the_bank_holiday_count_still_covers_every_year(client_for, ada, time_machine):
    three_years()
    time_machine.move_to(dt.datetime(2027, 1, 12, 10, tzinfo=dt.UTC))
    admin = client_for(ada)  # signed in at the moved clock
    html = admin.get(reverse("calendar_overview")).content.decode()
    # No bank holiday falls in an autumn term from 2 Sep to 18 Dec: add a spring term in
    # 2025/26 (Good Friday and Easter Monday 2026 in it) and see it counted from 2026/27.
    assert "Every bank holiday that falls on a weekday in a term" in html
    spring(
        name="Spring 2026",
        starts_on=D(2026, 1, 5),
        ends_on=D(2026, 4, 24),
        half_term_starts_on=None,
        half_term_ends_on=None,
    )
    html = admin.get(reverse("calendar_overview")).content.decode()
    assert "Terms in 2026/27" in html and "Spring 2026" not in html
    assert "2 bank holidays in England fall on a weekday" in html


def test_changing_a_row_returns_to_its_year(client_for, ada, time_machine):
    three_years()
    time_machine.move_to(dt.datetime(2027, 1, 12, 10, tzinfo=dt.UTC))
    admin = client_for(ada)  # signed in at the moved clock
    response = admin.post(
        reverse("calendar_term_add"),
        {"name": "Summer 2028", "starts_on": "2028-04-24", "ends_on": "2028-07-21"},
        follow=True,
    )
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("calendar_overview") + "?year=2027"
    assert "Summer 2028" in html and "Terms in 2027/28" in html


def test_other_roles_cannot_see_or_change_the_calendar(client_for, cora):
    client = client_for(cora)
    assert client.get(reverse("calendar_overview")).status_code == 403
    response = client.post(
        reverse("calendar_term_add"),
        {"name": "Sneaky", "starts_on": "2026-09-02", "ends_on": "2026-12-18"},
    )
    assert response.status_code == 403
    assert not Term.objects.exists()


def test_an_unknown_row_is_404(admin):
    assert admin.get(reverse("calendar_term_edit", args=[999])).status_code == 404
    assert admin.post(reverse("calendar_period_delete", args=[999])).status_code == 404


# --- add, edit, delete --------------------------------------------------------------------


KINDS = {
    "term": (
        Term,
        lambda: autumn(),
        {
            "name": "Spring 2027",
            "starts_on": "2027-01-04",
            "ends_on": "2027-03-26",
            "half_term_starts_on": "2027-02-15",
            "half_term_ends_on": "2027-02-19",
        },
        {"name": "Autumn term 2026"},
    ),
    "day": (
        NonSchoolDay,
        lambda: NonSchoolDayFactory(date=D(2026, 9, 2)),
        {"date": "2026-11-20", "kind": "closure", "description": "Polling station"},
        {"kind": "closure"},
    ),
    "period": (
        Period,
        lambda: PeriodFactory(name="P1", starts_at=dt.time(9), ends_at=dt.time(10)),
        {"name": "P2", "kind": "lesson", "starts_at": "10:00", "ends_at": "11:00"},
        {"name": "Period 1"},
    ),
}


def form_data(obj) -> dict:
    from enigma.forms.calendar import NonSchoolDayForm, PeriodForm

    form_class = {Term: TermForm, NonSchoolDay: NonSchoolDayForm, Period: PeriodForm}[type(obj)]
    form = form_class(instance=obj)
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name)
        data[name] = "" if value is None else field.widget.format_value(value)
    return data


@pytest.mark.parametrize("kind", list(KINDS))
def test_add_edit_and_delete_each_kind_of_row_with_an_audit_event(admin, kind):
    model, make, new_data, change = KINDS[kind]
    existing = make()
    if kind == "day":
        autumn()

    response = admin.post(reverse(f"calendar_{kind}_add"), new_data)
    # Back to the calendar at the new row's academic year (periods have none).
    back = reverse("calendar_overview") + ("" if kind == "period" else "?year=2026")
    assert response.status_code == 302 and response["Location"] == back
    assert model.objects.count() == 2
    added = calendar_events().last()
    assert added.data["kind"] == "added"
    assert added.object_type == model._meta.label

    data = form_data(existing) | change
    response = admin.post(reverse(f"calendar_{kind}_edit", args=[existing.pk]), data)
    assert response.status_code == 302, field_errors(response, next(iter(change)))
    changed = calendar_events().last()
    assert changed.data["kind"] == "changed"
    assert set(changed.data["changes"]) == set(change)
    existing.refresh_from_db()
    assert getattr(existing, next(iter(change))) == next(iter(change.values()))

    url = reverse(f"calendar_{kind}_delete", args=[existing.pk])
    assert admin.get(url).status_code == 200
    assert model.objects.filter(pk=existing.pk).exists(), "a GET must never delete"
    response = admin.post(url, follow=True)
    assert not model.objects.filter(pk=existing.pk).exists()
    deleted = calendar_events().last()
    assert deleted.data["kind"] == "deleted" and deleted.data["id"] == existing.pk
    assert "deleted" in response.content.decode()
    assert calendar_events().count() == 3


def test_saving_a_form_unchanged_writes_no_audit_event(admin):
    term = autumn()
    response = admin.post(reverse("calendar_term_edit", args=[term.pk]), form_data(term))
    assert response.status_code == 302
    assert not calendar_events().exists()


# --- validation ---------------------------------------------------------------------------

TERM = {
    "name": "Spring 2027",
    "starts_on": "2027-01-04",
    "ends_on": "2027-03-26",
    "half_term_starts_on": "2027-02-15",
    "half_term_ends_on": "2027-02-19",
}
PERIOD = {"name": "P2", "kind": "lesson", "starts_at": "10:00", "ends_at": "11:00"}
DAY = {"date": "2026-11-20", "kind": "inset", "description": "Training"}

INVALID = [
    ("term", TERM | {"ends_on": "2027-01-01"}, "ends_on", "on or after the first day"),
    (
        "term",
        TERM | {"half_term_starts_on": "2027-01-04"},
        "half_term_starts_on",
        "inside the term",
    ),
    ("term", TERM | {"half_term_ends_on": "2027-04-02"}, "half_term_ends_on", "inside the term"),
    (
        "term",
        TERM | {"half_term_ends_on": "2027-02-10"},
        "half_term_ends_on",
        "on or after its first",
    ),
    ("term", TERM | {"half_term_ends_on": ""}, "half_term_ends_on", "last day as well"),
    ("term", TERM | {"half_term_starts_on": ""}, "half_term_starts_on", "first day as well"),
    ("term", TERM | {"starts_on": "2026-12-14"}, "starts_on", "overlap Autumn 2026"),
    ("term", TERM | {"starts_on": "2026-08-01"}, "starts_on", "overlap Autumn 2026"),
    (
        "term",
        TERM
        | {
            "starts_on": "2026-07-01",
            "ends_on": "2026-09-30",
            "half_term_starts_on": "",
            "half_term_ends_on": "",
        },
        "ends_on",
        "overlap Autumn 2026 (Wed 2 Sep 2026 to Fri 18 Dec 2026)",
    ),
    ("term", TERM | {"ends_on": "not a date"}, "ends_on", "Enter a valid date"),
    ("period", PERIOD | {"ends_at": "09:30"}, "ends_at", "end after it starts"),
    ("period", PERIOD | {"ends_at": "10:00"}, "ends_at", "end after it starts"),
    ("period", PERIOD | {"starts_at": "09:30"}, "starts_at", "overlaps P1 (09:00–10:00)"),
    ("period", PERIOD | {"starts_at": "08:30", "ends_at": "09:15"}, "ends_at", "overlaps P1"),
    ("period", PERIOD | {"starts_at": "08:00", "ends_at": "12:00"}, "starts_at", "overlaps P1"),
    ("period", PERIOD | {"name": "P1"}, "name", "already a period with this name"),
    ("day", DAY | {"date": "2026-09-02"}, "date", "already a non-school day (INSET"),
    ("day", DAY | {"date": "2026-11-21"}, "date", "Sat 21 Nov 2026 is a weekend"),
    ("day", DAY | {"date": "2026-12-23"}, "date", "not inside any term"),
    ("day", DAY | {"kind": ""}, "kind", "Choose what kind of day it is"),
]


@pytest.mark.parametrize(("kind", "data", "field", "message"), INVALID)
def test_invalid_input_is_refused_next_to_the_field_and_kept(admin, kind, data, field, message):
    autumn()
    NonSchoolDayFactory(date=D(2026, 9, 2))
    PeriodFactory(name="P1", starts_at=dt.time(9), ends_at=dt.time(10))
    counts = (Term.objects.count(), NonSchoolDay.objects.count(), Period.objects.count())

    response = admin.post(reverse(f"calendar_{kind}_add"), data)

    assert response.status_code == 200
    shown = field_errors(response, field)
    assert any(message in error.replace("&#x27;", "'") for error in shown), shown
    assert set(response.context["form"].errors) == {field}
    assert (Term.objects.count(), NonSchoolDay.objects.count(), Period.objects.count()) == counts
    assert not calendar_events().exists()
    html = response.content.decode()
    assert "There is a problem" in html
    for value in data.values():  # what was typed is still there
        if value and value not in {"inset", "lesson", "closure"}:
            assert f'value="{value}"' in html, value


def test_editing_a_term_to_overlap_another_is_refused(admin):
    autumn()
    term = spring()
    data = form_data(term) | {"starts_on": "2026-12-01"}
    response = admin.post(reverse("calendar_term_edit", args=[term.pk]), data)
    assert response.status_code == 200
    assert field_errors(response, "starts_on")
    term.refresh_from_db()
    assert term.starts_on == D(2027, 1, 4)


def test_editing_a_term_keeps_its_own_dates_without_calling_them_an_overlap(admin):
    term = autumn()
    data = form_data(term) | {"ends_on": "2026-12-17"}
    assert admin.post(reverse("calendar_term_edit", args=[term.pk]), data).status_code == 302


def test_editing_a_non_school_day_to_its_own_date_is_not_a_duplicate(admin):
    autumn()
    day = NonSchoolDayFactory(date=D(2026, 9, 2))
    data = form_data(day) | {"description": "Training day"}
    assert admin.post(reverse("calendar_day_edit", args=[day.pk]), data).status_code == 302


def test_periods_may_touch(admin):
    PeriodFactory(name="P1", starts_at=dt.time(9), ends_at=dt.time(10))
    assert admin.post(reverse("calendar_period_add"), PERIOD).status_code == 302
    assert Period.objects.count() == 2


def test_the_database_refuses_overlapping_periods_and_weekend_non_school_days(admin):
    from tests.db import refused

    PeriodFactory(name="P1", starts_at=dt.time(9), ends_at=dt.time(10))
    insert_period = (
        "INSERT INTO enigma_period (name, kind, starts_at, ends_at) VALUES (%s, 'lesson', %s, %s)"
    )
    assert refused(insert_period, ["P1b", dt.time(9, 30), dt.time(10, 30)])
    assert refused(insert_period, ["Inside", dt.time(9, 10), dt.time(9, 20)])
    assert not refused(insert_period, ["P2", dt.time(10), dt.time(11)])  # touching is fine
    insert_day = (
        "INSERT INTO enigma_nonschoolday (date, kind, description) VALUES (%s, 'closure', '')"
    )
    assert refused(insert_day, [D(2026, 11, 21)])  # a Saturday
    assert not refused(insert_day, [D(2026, 11, 20)])  # a Friday


def test_a_period_overlap_that_slips_past_the_form_is_refused_at_the_field(admin, monkeypatch):
    from enigma.forms.calendar import PeriodForm

    PeriodFactory(name="P1", starts_at=dt.time(9), ends_at=dt.time(10))
    monkeypatch.setattr(PeriodForm, "clean", lambda self: self.cleaned_data)
    monkeypatch.setattr(Period, "validate_constraints", lambda self, exclude=None: None)
    data = PERIOD | {"starts_at": "09:30", "ends_at": "10:30"}
    response = admin.post(reverse("calendar_period_add"), data)
    assert response.status_code == 200
    assert field_errors(response, "starts_at") == ["This overlaps another period."]
    assert Period.objects.count() == 1


def test_the_database_constraint_backs_up_the_overlap_check(admin, monkeypatch):
    """If two people add overlapping terms at the same moment both forms pass their checks;
    the exclusion constraint refuses the second, and the person is told why."""
    autumn()
    monkeypatch.setattr(TermForm, "_check_overlap", lambda self, start, end: None)
    monkeypatch.setattr(Term, "validate_constraints", lambda self, exclude=None: None)
    response = admin.post(reverse("calendar_term_add"), TERM | {"starts_on": "2026-12-14"})
    assert response.status_code == 200
    assert field_errors(response, "starts_on") == ["These dates overlap another term."]
    assert Term.objects.count() == 1
    assert not calendar_events().exists()


# --- bank holidays ------------------------------------------------------------------------


def test_bank_holidays_are_suggested_and_added_as_non_school_days(admin):
    autumn()
    spring()
    TermFactory(
        name="Summer 2027",
        starts_on=D(2027, 4, 12),
        ends_on=D(2027, 7, 21),
        half_term_starts_on=D(2027, 5, 31),
        half_term_ends_on=D(2027, 6, 4),
    )
    url = reverse("calendar_bank_holidays")
    assert "3 bank holidays" in admin.get(reverse("calendar_overview")).content.decode()
    html = admin.get(url).content.decode()
    for text in ("Fri 26 Mar 2027", "Good Friday", "Mon 3 May 2027", "Mon 31 May 2027"):
        assert text in html
    assert "Christmas" not in html  # Fri 25 Dec 2026 is in the holidays

    response = admin.post(url, {"date": ["2027-05-03", "2026-12-25", "nonsense"]})
    assert response.status_code == 302
    day = NonSchoolDay.objects.get()
    assert (day.date, day.kind, day.description) == (
        D(2027, 5, 3),
        NonSchoolDay.Kind.BANK_HOLIDAY,
        "May Day",
    )
    event = calendar_events().get()
    assert event.actor.username == "ada"
    assert event.data["days"] == [{"date": "2027-05-03", "description": "May Day"}]

    admin.post(url, {"all": "1"})
    assert set(NonSchoolDay.objects.values_list("date", flat=True)) == {
        D(2027, 3, 26),
        D(2027, 5, 3),
        D(2027, 5, 31),
    }
    assert calendar_events().count() == 2
    assert "There are no bank holidays to add" in admin.get(url).content.decode()

    response = admin.post(url, {"all": "1"}, follow=True)
    assert "nothing to add" in response.content.decode()
    assert calendar_events().count() == 2


def test_adding_bank_holidays_needs_a_choice(admin):
    autumn()
    spring()
    response = admin.post(reverse("calendar_bank_holidays"), {}, follow=True)
    assert "Choose at least one bank holiday" in response.content.decode()
    assert not NonSchoolDay.objects.exists()


def test_with_no_terms_there_is_nothing_to_suggest(admin):
    html = admin.get(reverse("calendar_bank_holidays")).content.decode()
    assert "Add the school's terms first" in html.replace("&#x27;", "'")


# --- query counts -------------------------------------------------------------------------


def grow(start: int, n: int) -> None:
    """n terms (one a year), each with a non-school day, and n periods."""
    for i in range(start, start + n):
        year = 2000 + i
        TermFactory(
            name=f"Spring {year}",
            starts_on=D(year, 1, 5),
            ends_on=D(year, 3, 25),
            half_term_starts_on=D(year, 2, 14),
            half_term_ends_on=D(year, 2, 18),
        )
        march = D(year, 3, 1)
        weekday = march + dt.timedelta(days={6: 2, 7: 1}.get(march.isoweekday(), 0))
        NonSchoolDayFactory(date=weekday)
        minutes = 8 * 60 + i * 10
        PeriodFactory(
            name=f"Slot {i}",
            starts_at=dt.time(minutes // 60, minutes % 60),
            ends_at=dt.time((minutes + 10) // 60, (minutes + 10) % 60),
        )


@pytest.mark.parametrize("name", ["calendar_overview", "calendar_bank_holidays"])
def test_calendar_page_query_counts_do_not_grow_with_the_data(admin, name):
    url = reverse(name)
    grow(0, 3)
    small = queries(admin, url)
    grow(3, 27)
    assert Term.objects.count() == 30 and Period.objects.count() == 30
    assert queries(admin, url) == small
