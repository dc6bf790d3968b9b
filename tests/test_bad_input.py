"""Bad input: clear messages at the field, nothing half saved, everything shown safely."""

import datetime as dt
import html
import re

import pytest
from django.urls import reverse

from enigma.models import SchoolSettings
from tests.factories import StudentFactory, TermFactory
from tests.naughty import SCRIPT, SUSPECTS

pytestmark = pytest.mark.django_db


def settings_data(**overrides):
    data = {
        "school_name": "Riverside Academy",
        "room_name": "Learning centre",
        "capacity": 8,
        "placement_weeks": 6,
        "review_interval_days": 5,
        "follow_up_weeks": "2,6",
        "suppression_threshold": 5,
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("text", SUSPECTS)
def test_settings_text_is_stored_verbatim_and_shown_escaped(text, client_for, ada):
    client = client_for(ada)
    response = client.post(reverse("school_settings"), settings_data(room_name=text[:80]))
    assert response.status_code == 302
    assert SchoolSettings.load().room_name == text[:80].strip()
    page = client.get(reverse("student_directory")).content.decode()
    assert SCRIPT not in page and "<img src=x" not in page
    assert html.escape(text[:80].strip(), quote=False) in page.replace("&#x27;", "'").replace(
        "&quot;", '"'
    )


@pytest.mark.parametrize("field", ["school_name", "room_name"])
def test_empty_and_very_long_text_gets_a_message_and_saves_nothing(field, client_for, ada):
    client = client_for(ada)
    before = SchoolSettings.load()
    for bad, expected in [
        ("", "This field is required."),
        ("x" * 10_000, "Ensure this value has at most"),
    ]:
        response = client.post(reverse("school_settings"), settings_data(**{field: bad}))
        assert response.status_code == 200
        assert expected in " ".join(response.context["form"].errors[field])
        # what was typed is kept in the form
        assert response.context["form"]["capacity"].value() in ("8", 8)
    after = SchoolSettings.load()
    assert (after.school_name, after.room_name) == (before.school_name, before.room_name)


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("capacity", "0", "greater than or equal to 1"),
        ("capacity", "-3", "greater than or equal to 1"),
        ("capacity", "eight", "Enter a whole number."),
        ("placement_weeks", "7", "less than or equal to 6"),
        ("review_interval_days", "0", "greater than or equal to 1"),
        ("suppression_threshold", "0", "greater than or equal to 1"),
        ("suppression_threshold", "21", "less than or equal to 20"),
    ],
)
def test_numbers_out_of_range_are_refused_at_the_field(field, value, message, client_for, ada):
    response = client_for(ada).post(reverse("school_settings"), settings_data(**{field: value}))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert b"There is a problem" in response.content
    assert SchoolSettings.load().capacity == 8


@pytest.mark.parametrize("text", [*SUSPECTS, "x" * 10_000, ""])
def test_directory_search_handles_anything(text, client_for, cora):
    StudentFactory(legal_surname="Safe")
    response = client_for(cora).get(reverse("student_directory"), {"q": text})
    assert response.status_code == 200
    assert SCRIPT.encode() not in response.content


@pytest.mark.parametrize("text", SUSPECTS)
def test_student_names_are_shown_escaped_everywhere(text, client_for, cora):
    student = StudentFactory(legal_surname=text[:100], preferred_forename=text[:100])
    client = client_for(cora)
    for url in [reverse("student_directory"), reverse("student_detail", args=[student.pk])]:
        body = client.get(url).content.decode()
        assert SCRIPT not in body and "<img src=x" not in body


@pytest.mark.parametrize("text", SUSPECTS)
def test_audit_search_handles_anything(text, client_for, ada):
    response = client_for(ada).get(reverse("audit_log"), {"who": text[:254], "student": text[:100]})
    assert response.status_code == 200
    assert SCRIPT.encode() not in response.content


def test_audit_search_with_dates_the_wrong_way_round_says_so(client_for, ada):
    response = client_for(ada).get(
        reverse("audit_log"), {"date_from": "2026-11-20", "date_to": "2026-11-01"}
    )
    assert "The end date is before the start date." in response.context["form"].errors["date_to"]


CALENDAR_TEXT = {
    # url name, the text field, a valid row around it, the model's max length
    "term": (
        "calendar_term_add",
        "name",
        {"starts_on": "2027-01-04", "ends_on": "2027-03-26"},
        60,
    ),
    "day": (
        "calendar_day_add",
        "description",
        {"date": "2026-11-20", "kind": "closure"},
        120,
    ),
    "period": (
        "calendar_period_add",
        "name",
        {"kind": "lesson", "starts_at": "10:00", "ends_at": "11:00"},
        40,
    ),
}


@pytest.mark.parametrize("kind", list(CALENDAR_TEXT))
@pytest.mark.parametrize("text", SUSPECTS)
def test_calendar_text_is_stored_verbatim_and_shown_escaped(kind, text, client_for, ada):
    from enigma.models import NonSchoolDay, Period, Term

    url_name, field, data, max_length = CALENDAR_TEXT[kind]
    model = {"term": Term, "day": NonSchoolDay, "period": Period}[kind]
    text = text[: min(max_length, 40)]
    if kind == "day":
        TermFactory()  # a non-school day must fall in a term
    client = client_for(ada)
    response = client.post(reverse(url_name), {**data, field: text})
    assert response.status_code == 302, response.context["form"].errors
    assert getattr(model.objects.get(), field) == text.strip()
    page = client.get(reverse("calendar_overview")).content.decode()
    assert SCRIPT not in page and "<img src=x" not in page
    assert html.escape(text.strip()) in page


@pytest.mark.parametrize("kind", list(CALENDAR_TEXT))
def test_calendar_text_that_is_too_long_is_refused_and_kept(kind, client_for, ada):
    from enigma.models import NonSchoolDay, Period, Term

    url_name, field, data, max_length = CALENDAR_TEXT[kind]
    model = {"term": Term, "day": NonSchoolDay, "period": Period}[kind]
    text = "x" * (max_length + 1)
    if kind == "day":
        TermFactory()
    response = client_for(ada).post(reverse(url_name), {**data, field: text})
    assert response.status_code == 200
    assert f"at most {max_length} characters" in response.content.decode()
    assert text in response.content.decode()  # what was typed is still there
    assert not model.objects.exists()


# --- NUL bytes and far dates (issue 11) -----------------------------------------------------


def _room_cell(dee, rita):
    from tests.referrals_helpers import make_placement
    from tests.timetable_helpers import give_timetable
    from timetables.models import Mode

    student = StudentFactory()
    give_timetable(student)
    placement = make_placement(
        approver=dee, referrer=rita, student=student, start=dt.date(2026, 9, 7), started=True
    )
    return placement.plan_cells.filter(date=dt.date(2026, 9, 9), mode=Mode.ROOM).first()


@pytest.mark.parametrize("htmx", [True, False])
def test_a_nul_byte_in_the_register_note_is_refused_and_the_note_kept(
    htmx, dee, rita, cora, client_for
):
    from tests.referrals_helpers import at
    from timetables.models import RegisterMark

    cell = _room_cell(dee, rita)
    typed = "Left early\x00 for the nurse"
    headers = {"HX-Request": "true"} if htmx else {}
    with at(cell.date, 15):
        response = client_for(cora).post(
            reverse("timetables:register_mark", args=[cell.pk]),
            {"status": "present", "note": typed},
            headers=headers,
            follow=not htmx,
        )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Null characters are not allowed." in page
    if htmx:  # the row comes back with the note as typed, to correct
        assert 'name="note"' in page and "Left early" in page and "for the nurse" in page
    assert not RegisterMark.objects.filter(period=cell.period, date=cell.date).exists()


@pytest.mark.parametrize(
    "date", ["9999-12-31", "0001-01-01", "1899-12-31", "2201-01-01", "2026-02-30", "soon"]
)
def test_a_date_on_today_outside_any_school_year_is_a_400_that_says_so(date, client_for, cora):
    response = client_for(cora).get(reverse("timetables:today"), {"date": date})
    assert response.status_code == 400
    assert "Use a date written as YYYY-MM-DD between 1900 and 2200." in response.content.decode()


@pytest.mark.parametrize("date", ["1900-01-01", "2200-12-31", "2026-09-09"])
def test_today_shows_any_day_in_range_and_links_only_to_days_in_range(date, client_for, cora):
    client = client_for(cora)
    response = client.get(reverse("timetables:today"), {"date": date})
    assert response.status_code == 200
    assert response.context["page"].day == dt.date.fromisoformat(date)
    links = re.findall(r'href="\?date=([0-9-]+)"', response.content.decode())
    assert links, "a day either side, where there is one"
    for day in links:
        assert client.get(reverse("timetables:today"), {"date": day}).status_code == 200


@pytest.mark.parametrize("value", ["abc", "1\x00", "-1", "99999999999999999999", "²"])
def test_resolving_an_email_problem_with_a_bad_id_changes_nothing(value, client_for, ada):
    from notifications.models import EmailProblem

    problem = EmailProblem.objects.create(user=ada, address=ada.email, last_error="Mailbox full")
    response = client_for(ada).post(reverse("notifications:email_problems"), {"resolve": value})
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.resolved_at is None


@pytest.mark.parametrize("value", ["2", "²", "٣", "-2", "99999999999999", "x\x00"])
def test_period_and_slot_numbers_in_the_address_are_read_safely(value, client_for, cora):
    student = StudentFactory()
    client = client_for(cora)
    for url, params in [
        (reverse("timetables:today"), {"period": value}),
        (reverse("timetables:lesson_add", args=[student.pk]), {"day": value, "period": value}),
    ]:
        assert client.get(url, params).status_code == 200, (url, value)
