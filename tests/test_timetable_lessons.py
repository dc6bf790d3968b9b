"""A student's normal timetable: the week grids, lessons added, corrected and removed by
hand, and the timetable settings page."""

import datetime as dt

import pytest
from django.urls import reverse

from enigma.models import AuditEvent, Period, StudentStaffLink
from tests.factories import LinkFactory, PeriodFactory, StudentFactory, UserFactory
from timetables.models import Lesson, TimetableSettings
from timetables.services.lessons import LessonsAction

pytestmark = pytest.mark.django_db


@pytest.fixture
def p1():
    return PeriodFactory(name="P1", starts_at=dt.time(9), ends_at=dt.time(10))


@pytest.fixture
def p2():
    return PeriodFactory(name="P2", starts_at=dt.time(10), ends_at=dt.time(11))


@pytest.fixture
def lunch():
    return PeriodFactory(
        name="Lunch", kind=Period.Kind.LUNCH, starts_at=dt.time(12), ends_at=dt.time(13)
    )


@pytest.fixture
def student():
    return StudentFactory(legal_forename="Cal", legal_surname="Cole")


@pytest.fixture
def teacher():
    return UserFactory(title="Ms", first_name="Jo", last_name="Smith", display_name="Ms Smith")


def lesson(student, period, **kwargs):
    values = {"day": 1, "subject": "Maths", "source": Lesson.Source.IMPORT} | kwargs
    return Lesson.objects.create(student=student, period=period, **values)


def add_url(student):
    return reverse("timetables:lesson_add", args=[student.pk])


def lesson_data(period, **over):
    data = {
        "week": "1",
        "day": "2",
        "period": str(period.pk),
        "subject": "Geography",
        "class_code": "9X/Gg1",
        "teacher": "",
        "teacher_code": "",
        "room": "H2",
    }
    return data | over


# --- the timetable page -----------------------------------------------------------------


def test_a_linked_teacher_sees_the_students_timetable(student, p1, p2, teacher, tom, client_for):
    LinkFactory(student=student, staff=tom)
    lesson(student, p1, class_code="9X/Ma1", teacher=teacher, room="M4")
    lesson(student, p2, day=3, subject="Art", teacher_code="XYZ", source=Lesson.Source.HAND)
    response = client_for(tom).get(reverse("timetables:student_timetable", args=[student.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    # The teacher's full name, as on every work page.
    shown = ("Every week", "Maths", "9X/Ma1", "Ms Jo Smith", "Room M4", "Art", "XYZ", "By hand")
    for text in shown:
        assert text in html
    assert "Add a lesson" not in html  # class teachers read, they do not edit
    assert reverse("timetables:lesson_edit", args=[Lesson.objects.first().pk]) not in html


def test_a_teacher_who_is_not_linked_gets_404(student, tom, client_for):
    response = client_for(tom).get(reverse("timetables:student_timetable", args=[student.pk]))
    assert response.status_code == 404


def test_a_two_week_school_sees_week_a_and_week_b(student, p1, cora, client_for):
    TimetableSettings.objects.update_or_create(
        singleton=True, defaults={"weeks_in_cycle": 2, "week_a_starts": dt.date(2026, 9, 7)}
    )
    lesson(student, p1, week=2, subject="Science")
    response = client_for(cora).get(reverse("timetables:student_timetable", args=[student.pk]))
    html = response.content.decode()
    assert "Week A" in html
    assert "Week B" in html
    assert "Science" in html
    assert "Add a lesson" in html
    assert f"{add_url(student)}?week=2&amp;day=1&amp;period={p1.pk}" not in html  # taken
    assert f"{add_url(student)}?week=1&amp;day=1&amp;period={p1.pk}" in html


def test_break_and_lunch_are_not_rows_of_the_grid(student, p1, lunch, cora, client_for):
    response = client_for(cora).get(reverse("timetables:student_timetable", args=[student.pk]))
    rows = [row.period for row in response.context["grids"][0].rows]
    assert rows == [p1]


def test_the_student_file_has_a_timetable_tab(student, cora, client_for):
    html = client_for(cora).get(reverse("student_detail", args=[student.pk])).content.decode()
    assert reverse("timetables:student_timetable", args=[student.pk]) in html


def test_the_coordinator_has_a_timetables_link(cora, tom, client_for):
    url = reverse("timetables:import")
    assert url in client_for(cora).get(reverse("student_directory")).content.decode()
    assert url not in client_for(tom).get(reverse("student_directory")).content.decode()


# --- adding, changing and removing lessons ----------------------------------------------


def test_the_coordinator_adds_a_lesson(student, p1, teacher, cora, client_for):
    response = client_for(cora).post(
        add_url(student), lesson_data(p1, teacher=str(teacher.pk), teacher_code="JSM")
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("timetables:student_timetable", args=[student.pk])
    added = Lesson.objects.get()
    assert (added.week, added.day, added.period, added.subject, added.room) == (
        1,
        2,
        p1,
        "Geography",
        "H2",
    )
    assert (added.teacher, added.teacher_code, added.source) == (teacher, "JSM", "hand")
    assert StudentStaffLink.objects.filter(
        student=student, staff=teacher, relationship="class_teacher"
    ).exists()
    event = AuditEvent.objects.get(action=LessonsAction.LESSON_ADDED)
    assert (event.student, event.actor) == (student, cora)


def test_a_one_week_school_is_not_asked_for_the_week(student, p1, ada, client_for):
    client = client_for(ada)
    assert "week" not in client.get(add_url(student)).context["form"].fields
    data = lesson_data(p1)
    del data["week"]
    assert client.post(add_url(student), data).status_code == 302
    assert Lesson.objects.get().week == 1


def test_the_add_link_fills_in_the_period(student, p1, cora, client_for):
    response = client_for(cora).get(add_url(student) + f"?day=4&period={p1.pk}&week=x")
    form = response.context["form"]
    assert (form.initial["day"], form.initial["period"]) == (4, p1.pk)
    assert "week" not in form.initial


def test_mistakes_are_shown_next_to_the_field_and_nothing_typed_is_lost(
    student, p1, cora, client_for
):
    response = client_for(cora).post(add_url(student), lesson_data(p1, subject="", room="Lab 3"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["subject"] == ["This field is required."]
    html = response.content.decode()
    assert 'id="id_subject_error"' in html
    assert 'value="Lab 3"' in html
    assert 'value="9X/Gg1"' in html
    assert not Lesson.objects.exists()


def test_a_period_already_taken_is_refused_next_to_the_period(student, p1, cora, client_for):
    lesson(student, p1, day=2, subject="History")
    response = client_for(cora).post(add_url(student), lesson_data(p1))
    assert response.status_code == 200
    [error] = response.context["form"].errors["period"]
    assert "already has History" in error
    assert Lesson.objects.count() == 1


def test_lunch_is_not_offered_for_a_lesson(student, p1, lunch, cora, client_for):
    form = client_for(cora).get(add_url(student)).context["form"]
    assert list(form.fields["period"].queryset) == [p1]
    response = client_for(cora).post(add_url(student), lesson_data(lunch))
    assert "period" in response.context["form"].errors


def test_the_coordinator_corrects_an_imported_lesson(student, p1, p2, cora, client_for):
    imported = lesson(student, p1, room="M4")
    url = reverse("timetables:lesson_edit", args=[imported.pk])
    client = client_for(cora)
    page = client.get(url)
    assert page.context["form"].initial["subject"] == "Maths"
    assert "came from the MIS" in page.content.decode()

    response = client.post(url, lesson_data(p2, day="1", subject="Further maths", room="M4"))
    assert response.status_code == 302
    imported.refresh_from_db()
    assert (imported.period, imported.subject, imported.source) == (p2, "Further maths", "hand")
    event = AuditEvent.objects.get(action=LessonsAction.LESSON_CHANGED)
    assert set(event.data["changes"]) == {"period", "subject", "class_code"}
    assert event.data["was"] == "import"


def test_a_lesson_cannot_be_moved_onto_another(student, p1, p2, cora, client_for):
    first = lesson(student, p1)
    lesson(student, p2, subject="Art")
    response = client_for(cora).post(
        reverse("timetables:lesson_edit", args=[first.pk]), lesson_data(p2, day="1")
    )
    assert "already has Art" in response.context["form"].errors["period"][0]
    first.refresh_from_db()
    assert first.period == p1


def test_the_coordinator_removes_a_lesson(student, p1, cora, client_for):
    gone = lesson(student, p1)
    client = client_for(cora)
    url = reverse("timetables:lesson_delete", args=[gone.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    assert not Lesson.objects.exists()
    event = AuditEvent.objects.get(action=LessonsAction.LESSON_DELETED)
    assert event.student == student
    assert event.data["subject"] == "Maths"


def test_a_class_teacher_cannot_change_lessons(student, p1, tom, client_for):
    LinkFactory(student=student, staff=tom)
    kept = lesson(student, p1)
    client = client_for(tom)
    assert client.post(reverse("timetables:lesson_delete", args=[kept.pk])).status_code == 403
    assert client.post(add_url(student), lesson_data(p1)).status_code == 403
    assert Lesson.objects.filter(pk=kept.pk).exists()


# --- settings -----------------------------------------------------------------------------


def settings_data(**over):
    data = {
        "weeks_in_cycle": "2",
        "week_a_starts": "2026-09-07",
        "subjects_first": "English, Maths\r\nPE\r\nmaths",
        "first_week_in_class_percent": "30",
        "one_to_one_spaces": "2",
    }
    return data | over


def test_the_school_admin_sets_a_two_week_cycle(ada, client_for):
    client = client_for(ada)
    assert client.get(reverse("timetables:settings")).status_code == 200
    response = client.post(reverse("timetables:settings"), settings_data())
    assert response.status_code == 302
    row = TimetableSettings.load()
    assert (row.weeks_in_cycle, row.week_a_starts) == (2, dt.date(2026, 9, 7))
    assert row.subjects_first == ["English", "Maths", "PE"]
    assert (row.first_week_in_class_percent, row.one_to_one_spaces) == (30, 2)
    assert row.holiday_weeks_count is False
    event = AuditEvent.objects.get(action=LessonsAction.SETTINGS_CHANGED)
    assert event.data["changes"]["subjects_first"] == {
        "old": [],
        "new": ["English", "Maths", "PE"],
    }
    page = client.get(reverse("timetables:settings")).content.decode()
    assert "English\nMaths\nPE" in page


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"week_a_starts": ""}, "week_a_starts", "Give a Monday in week A"),
        ({"week_a_starts": "2026-09-08"}, "week_a_starts", "Tue 8 Sep 2026 is a Tuesday"),
        ({"first_week_in_class_percent": "120"}, "first_week_in_class_percent", "100"),
        ({"one_to_one_spaces": "11"}, "one_to_one_spaces", "10"),
        ({"subjects_first": "x" * 61}, "subjects_first", "at most 60"),
    ],
)
def test_settings_mistakes_are_shown_next_to_the_field(ada, client_for, over, field, message):
    response = client_for(ada).post(reverse("timetables:settings"), settings_data(**over))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert TimetableSettings.load().weeks_in_cycle == 1


def test_a_one_week_cycle_needs_no_monday(cora, client_for):
    response = client_for(cora).post(
        reverse("timetables:settings"), settings_data(weeks_in_cycle="1", week_a_starts="")
    )
    assert response.status_code == 302
    assert TimetableSettings.load().week_a_starts is None


def test_saving_unchanged_settings_writes_no_audit_event(ada, client_for):
    client = client_for(ada)
    client.post(reverse("timetables:settings"), settings_data())
    client.post(reverse("timetables:settings"), settings_data())
    assert AuditEvent.objects.filter(action=LessonsAction.SETTINGS_CHANGED).count() == 1
