"""Work for room lessons: the class teacher's My students, setting work (with a checked
file), the room team's outstanding work, completing and returning it, the file's view,
and constant query counts."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.renderers import DjangoTemplates
from django.template import engines
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from enigma.formatting import day_text
from enigma.forms.widget_renderer import WidgetRenderer
from enigma.models import AuditEvent, Period, SchoolSettings
from tests.db import queries
from tests.factories import PeriodFactory, StudentFactory, UserFactory
from tests.referrals_helpers import at, make_placement
from tests.render_costs import render_costs
from timetables.forms.work import WorkSetForm
from timetables.models import Lesson, Mode, PlanCell, WorkRequest
from timetables.selectors.work import same_class_count, work_panel
from timetables.services.work import (
    WorkAction,
    work_complete,
    work_nudge,
    work_return,
    work_set,
    work_set_many,
)

pytestmark = pytest.mark.django_db

D = dt.date
LONDON = ZoneInfo("Europe/London")
TODAY = D(2026, 9, 10)  # Thursday of the placement's first week (Mon 7 Sep)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
S = WorkRequest.Status


@pytest.fixture(autouse=True)
def school_day():
    with time_machine.travel(dt.datetime(2026, 9, 10, 10, 0, tzinfo=LONDON), tick=True):
        yield


def period(name=None):
    """A new lesson period, 15 minutes long, after every other one made so far."""
    n = Period.objects.count()
    start = dt.datetime(2026, 1, 1, 6, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=20 * n)
    end = start + dt.timedelta(minutes=15)
    return PeriodFactory(name=name or f"L{n}", starts_at=start.time(), ends_at=end.time())


def lesson(placement, teacher, day, per, *, subject="Maths", class_code="9X/Ma1", mode=Mode.ROOM):
    """A plan cell of `teacher`'s lesson, and (for a room lesson) its work request, as
    timetables.services.plans would make them."""
    PlanCell.objects.create(
        placement=placement,
        date=day,
        period=per,
        mode=mode,
        subject=subject,
        class_code=class_code,
        teacher=teacher,
    )
    if mode == Mode.CLASS:
        return None
    return WorkRequest.objects.create(
        placement=placement,
        date=day,
        period=per,
        subject=subject,
        class_code=class_code,
        teacher=teacher,
    )


@pytest.fixture
def placement(dee, rita):
    return make_placement(approver=dee, referrer=rita, started=True)


@pytest.fixture
def work(placement, tom):
    return lesson(placement, tom, TODAY + dt.timedelta(days=1), period("P1"))


def set_work(client, work, **data):
    data.setdefault("description", "Pages 12-14 of the workbook")
    return client.post(reverse("timetables:work_set", kwargs={"work_pk": work.pk}), data)


# --- My students -------------------------------------------------------------------------


def test_my_students_is_the_class_teachers_home(client_for, tom):
    response = client_for(tom).get(reverse("home"))
    assert response["Location"] == reverse("timetables:my_students")


def test_my_students_shows_only_my_students_and_lessons(
    client_for, tom, dee, rita, placement, work
):
    other_teacher = UserFactory(roles=["class_teacher"])
    p1, p2 = period("P2"), period("P3")
    lesson(placement, tom, D(2026, 9, 14), p1, mode=Mode.CLASS)  # next week, in class
    lesson(placement, tom, D(2026, 9, 15), p2, subject="Science", class_code="9X/Sc2")
    theirs = lesson(placement, other_teacher, D(2026, 9, 14), p2, subject="Art", class_code="9X/Ar")
    # A student tom teaches (a lesson only), and one he does not.
    taught = make_placement(approver=dee, referrer=rita, start=D(2026, 9, 14))
    Lesson.objects.create(student=taught.student, day=1, period=p1, subject="Maths", teacher=tom)
    stranger = make_placement(approver=dee, referrer=rita, start=D(2026, 9, 14))
    lesson(stranger, other_teacher, D(2026, 9, 14), p1)
    SchoolSettings.load()
    SchoolSettings.objects.update(room_name="Learning base")

    response = client_for(tom).get(reverse("timetables:my_students"))
    assert response.status_code == 200
    page = response.context["page"]
    assert [s.placement for s in page.students] == sorted(
        [placement, taught], key=lambda p: (p.student.legal_surname, p.student.legal_forename)
    )
    html = response.content.decode()
    assert escape(placement.student.name) in html and escape(taught.student.name) in html
    assert escape(stranger.student.name) not in html
    assert "Learning base" in html and "Fri 16 Oct 2026" in html  # the room, the exit
    row = next(s for s in page.students if s.placement == placement)
    this_week, next_week = row.weeks
    assert [(r.date, r.in_room, r.work) for r in this_week.rows] == [(work.date, True, work)]
    assert [(r.subject, r.in_room, r.mode) for r in next_week.rows] == [
        ("Maths", False, Mode.CLASS),
        ("Science", True, Mode.ROOM),
    ]
    assert "In the Learning base" in html
    assert theirs.pk not in {r.work.pk for w in row.weeks for r in w.rows if r.work}
    assert page.to_set == 2
    assert f'action="{reverse("timetables:work_set", kwargs={"work_pk": work.pk})}"' in html


def test_a_teacher_cannot_touch_another_teachers_request(client_for, tom, placement):
    other = UserFactory(roles=["class_teacher"])
    theirs = lesson(placement, other, TODAY, period())
    client = client_for(tom)
    url = reverse("timetables:work_set", kwargs={"work_pk": theirs.pk})
    assert client.get(url).status_code == 404
    assert set_work(client, theirs).status_code == 404
    assert (
        client.get(reverse("timetables:work_file", kwargs={"work_pk": theirs.pk})).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.status == S.REQUESTED
    with pytest.raises(PermissionDenied):
        work_set(work=theirs, by=tom, description="x")


# --- setting work --------------------------------------------------------------------------


def test_setting_work_with_a_link_and_a_file(client_for, tom, cora, rita, work):
    client = client_for(tom)
    upload = SimpleUploadedFile("sheet.pdf", PDF, content_type="application/pdf")
    response = set_work(client, work, link="https://learn.example.org/maths/7", file=upload)
    assert response.status_code == 302
    work.refresh_from_db()
    assert (work.status, work.set_by, work.link) == (
        S.SET,
        tom,
        "https://learn.example.org/maths/7",
    )
    assert work.set_at is not None and work.description.startswith("Pages")
    assert (work.file_name, work.file_type) == ("sheet.pdf", "application/pdf")
    assert work.file.name.startswith("work/") and "sheet" not in work.file.name
    event = AuditEvent.objects.get(action=WorkAction.SET)
    assert event.actor == tom and event.student == work.placement.student

    url = reverse("timetables:work_file", kwargs={"work_pk": work.pk})
    for user in (tom, cora):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Disposition"].startswith("attachment")
        assert 'filename="sheet.pdf"' in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
    assert client_for(rita).get(url).status_code == 403
    other_teacher = UserFactory(roles=["class_teacher"])
    assert client_for(other_teacher).get(url).status_code == 404


def test_a_file_is_checked_by_its_content(client_for, tom, work, settings, tmp_path):
    fake = SimpleUploadedFile("sheet.pdf", b"<html><script>alert(1)</script></html>")
    response = set_work(client_for(tom), work, file=fake)
    assert response.status_code == 200
    assert "cannot keep this kind of file" in response.content.decode()
    work.refresh_from_db()
    assert work.status == S.REQUESTED and not work.file


def test_something_must_be_set(client_for, tom, work):
    response = set_work(client_for(tom), work, description="   ")
    assert "Describe the work" in response.content.decode()
    with pytest.raises(ValidationError):
        work_set(work=work, by=tom, description=" ")


def test_a_link_must_be_a_web_address(client_for, tom, work):
    response = set_work(client_for(tom), work, link="javascript:alert(1)")
    assert response.status_code == 200
    work.refresh_from_db()
    assert work.status == S.REQUESTED


def test_the_same_work_for_every_lesson_of_the_class_this_week(
    client_for, tom, dee, rita, placement, work
):
    classmate = make_placement(approver=dee, referrer=rita, started=True)
    same = [
        lesson(placement, tom, D(2026, 9, 11), period()),
        lesson(classmate, tom, D(2026, 9, 9), period()),
    ]
    next_week = lesson(placement, tom, D(2026, 9, 14), period())
    other_class = lesson(placement, tom, D(2026, 9, 11), period(), class_code="9Y/Ma2")
    assert same_class_count(work) == 3
    client = client_for(tom)
    form = client.get(reverse("timetables:work_set", kwargs={"work_pk": work.pk})).context["form"]
    assert form.fields["same_for_class"].label.startswith("Use the same work for all 3 lessons")
    set_work(client, work, same_for_class="on")
    statuses = dict(WorkRequest.objects.values_list("pk", "status"))
    assert [statuses[w.pk] for w in (work, *same)] == [S.SET] * 3
    assert statuses[next_week.pk] == statuses[other_class.pk] == S.REQUESTED
    assert set(WorkRequest.objects.filter(status=S.SET).values_list("description", flat=True)) == {
        "Pages 12-14 of the workbook"
    }


@pytest.fixture
def two_students(placement, tom, dee, rita):
    """Tom's room lessons with two students this week and next, and one in class."""
    other = make_placement(approver=dee, referrer=rita, student=StudentFactory(), started=True)
    p1, p2 = period("P1"), period("P2")
    return {
        "a_fri": lesson(placement, tom, D(2026, 9, 11), p1),
        "a_mon": lesson(placement, tom, D(2026, 9, 14), p2),
        "b_fri": lesson(other, tom, D(2026, 9, 11), p2, subject="Maths", class_code="9Y/Ma2"),
        "a_class": lesson(placement, tom, D(2026, 9, 15), p1, mode=Mode.CLASS),
    }


def test_my_students_is_compact_one_block_per_student_with_lessons_needing_work(
    client_for, tom, two_students
):
    response = client_for(tom).get(reverse("timetables:my_students"))
    students = response.context["page"].students
    needing = {s.student.pk: [r.work for r in s.needing] for s in students}
    a, b = two_students["a_fri"], two_students["b_fri"]
    assert needing == {
        a.placement.student.pk: [a, two_students["a_mon"]],
        b.placement.student.pk: [b],
    }
    html = response.content.decode()
    for work in (a, two_students["a_mon"], b):
        assert f'name="works" value="{work.pk}" form="set-many"' in html
    assert html.count('name="works"') == 3  # the class lesson needs nothing


def test_my_students_names_its_days_from_kept_words_and_misses_no_variable(
    client_for, tom, two_students, monkeypatch
):
    """Each lesson row names its day three times (the tick box, the summary, the table):
    the words are kept per day, not formatted per mention (issue 15)."""
    a = two_students["a_fri"]
    set_work(client_for(tom), two_students["a_mon"])
    costs, response = render_costs(client_for(tom), reverse("timetables:my_students"), monkeypatch)
    assert f"{day_text(a.date)}, {a.period.name}" in response.content.decode()
    assert not costs.misses, costs.misses
    # The set lesson's "Set <date and time>" is a datetime: the only one formatted.
    assert costs.date_formats <= 1, costs.date_formats


def test_the_same_work_for_several_lessons_in_one_go(client_for, tom, two_students):
    chosen = [two_students["a_fri"], two_students["a_mon"], two_students["b_fri"]]
    response = client_for(tom).post(
        reverse("timetables:work_set_many"),
        {"works": [w.pk for w in chosen], "description": "Fractions sheet 3", "link": ""},
        follow=True,
    )
    assert "Work set for 3 lessons of 2 students" in response.content.decode()
    for work in chosen:
        work.refresh_from_db()
        assert (work.status, work.description, work.set_by) == (S.SET, "Fractions sheet 3", tom)
    events = AuditEvent.objects.filter(action=WorkAction.SET)
    assert sorted(int(e.object_id) for e in events) == sorted(w.pk for w in chosen)
    assert {e.data["together"] for e in events} == {3}


def test_setting_several_refuses_all_if_one_cannot_be_set(tom, two_students):
    a, b = two_students["a_fri"], two_students["b_fri"]
    WorkRequest.objects.filter(pk=b.pk).update(status=S.CANCELLED)
    with pytest.raises(ValidationError, match="back in class"):
        work_set_many(works=[a, b], by=tom, description="Read")
    a.refresh_from_db()
    assert a.status == S.REQUESTED and not AuditEvent.objects.filter(action=WorkAction.SET)


def test_setting_several_keeps_what_was_typed_and_names_the_problem(
    client_for, tom, two_students, dee, rita
):
    ann = UserFactory(roles=["class_teacher"])
    other = make_placement(approver=dee, referrer=rita, student=StudentFactory(), started=True)
    not_toms = lesson(other, ann, D(2026, 9, 14), period())
    client = client_for(tom)
    url = reverse("timetables:work_set_many")
    nothing = client.post(url, {"description": "Chapter 4"})
    assert "Tick the lessons this work is for." in nothing.content.decode()
    assert "Chapter 4" in nothing.content.decode()
    mine = two_students["a_fri"]
    theirs = client.post(url, {"works": [mine.pk, not_toms.pk], "description": "Chapter 4"})
    html = theirs.content.decode()
    assert "can no longer be set" in html and "Chapter 4" in html
    assert f'value="{mine.pk}" form="set-many" id="choose-{mine.pk}" checked' in html
    empty = client.post(url, {"works": [mine.pk], "description": " "})
    assert "Describe the work, give a link" in empty.content.decode()
    assert not WorkRequest.objects.filter(status=S.SET).exists()


def test_set_work_can_change_until_it_is_completed(client_for, tom, cora, work):
    client = client_for(tom)
    set_work(client, work)
    set_work(client, work, description="Chapter 3 instead")
    work.refresh_from_db()
    assert (work.status, work.description) == (S.SET, "Chapter 3 instead")
    with at(work.date, 15):
        work_complete(work=work, by=cora, note="Finished it all.")
    url = reverse("timetables:work_set", kwargs={"work_pk": work.pk})
    response = client.get(url)
    assert response.status_code == 302
    with pytest.raises(ValidationError, match="already been done in the room"):
        work_set(work=work, by=tom, description="Too late")
    set_work(client, work, description="Too late")
    work.refresh_from_db()
    assert work.description == "Chapter 3 instead"


def test_a_cancelled_request_cannot_be_set(tom, work):
    WorkRequest.objects.filter(pk=work.pk).update(status=S.CANCELLED)
    work.refresh_from_db()
    with pytest.raises(ValidationError, match="back in class"):
        work_set(work=work, by=tom, description="x")


# --- the loop with the room ---------------------------------------------------------------


def test_the_whole_loop(client_for, tom, cora, work):
    coordinator = client_for(cora)
    complete = reverse("timetables:work_complete", kwargs={"work_pk": work.pk})
    give_back = reverse("timetables:work_return", kwargs={"work_pk": work.pk})
    # Not set yet: nothing to complete or return, and the coordinator is told why.
    response = coordinator.get(complete, follow=True)
    assert "has not set the work" in response.content.decode()
    with pytest.raises(ValidationError, match="has not set the work"):
        work_complete(work=work, by=cora, note="x")
    coordinator.post(give_back)
    work.refresh_from_db()
    assert work.status == S.REQUESTED

    set_work(client_for(tom), work)
    # The lesson is tomorrow: too soon to say how it went.
    with pytest.raises(ValidationError, match="once the lesson has happened"):
        work_complete(work=work, by=cora, note="x")
    with at(work.date, 15):
        coordinator = client_for(cora)
        assert coordinator.get(complete).status_code == 200
        response = coordinator.post(complete, {"note": ""})
        assert "Say how the work went" in response.content.decode()
        response = coordinator.post(complete, {"note": "Did pages 12 and 13; stuck on 14."})
        assert response.status_code == 302
        work.refresh_from_db()
        assert (work.status, work.completed_by) == (S.COMPLETED, cora)
        # The teacher does not see the note until the work is returned.
        page = client_for(tom).get(reverse("timetables:my_students")).content.decode()
        assert "stuck on 14" not in page
        assert coordinator.get(give_back).status_code == 405
        assert coordinator.post(give_back).status_code == 302
        work.refresh_from_db()
        assert work.status == S.RETURNED and work.returned_at is not None
        page = client_for(tom).get(reverse("timetables:my_students")).content.decode()
        assert "stuck on 14" in page
        with pytest.raises(ValidationError, match="already been returned"):
            work_return(work=work, by=cora)
    actions = list(
        AuditEvent.objects.filter(action__startswith="timetables.work_")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "timetables.work_set",
        "timetables.work_completed",
        "timetables.work_returned",
    ]


def test_only_the_coordinator_completes_and_returns(client_for, sam, dee, work):
    for user in (sam, dee):
        client = client_for(user)
        assert client.get(reverse("timetables:work_complete", args=[work.pk])).status_code == 403
        assert client.post(reverse("timetables:work_return", args=[work.pk])).status_code == 403
        assert client.get(reverse("timetables:work_outstanding")).status_code == 200


# --- the room team's view -----------------------------------------------------------------


@pytest.fixture
def board(placement, tom, dee, rita):
    """Open requests of two teachers: one overdue (today), one due today (tomorrow's),
    one not due yet; and one set."""
    ann = UserFactory(
        roles=["class_teacher"], title="Ms", first_name="Ann", last_name="Ash", display_name="AA"
    )
    tom.title, tom.last_name, tom.display_name = "Mr", "Tomlin", "Mr T"
    tom.save(update_fields=["title", "last_name", "display_name"])
    return {
        "today": lesson(placement, tom, TODAY, period(), subject="Maths"),
        "tomorrow": lesson(placement, ann, D(2026, 9, 11), period(), subject="=Art"),
        "monday": lesson(placement, tom, D(2026, 9, 14), period(), subject="Science"),
        "set": lesson(placement, ann, D(2026, 9, 14), period(), subject="History"),
    }


def test_outstanding_work_by_teacher_and_by_subject(client_for, cora, tom, board):
    work_set(work=board["set"], by=board["set"].teacher, description="Read")
    client = client_for(cora)
    response = client.get(reverse("timetables:work_outstanding"))
    b = response.context["board"]
    assert (b.open_count, b.overdue_count) == (3, 1)
    assert [(g.label, [w.subject for w in g.rows]) for g in b.groups] == [
        ("Mr Tom Tomlin", ["Maths", "Science"]),  # full names, never initials or short names
        ("Ms Ann Ash", ["=Art"]),
    ]
    flags = {w.subject: (w.overdue, w.due_today, w.due_by) for g in b.groups for w in g.rows}
    assert flags == {
        "Maths": (True, False, D(2026, 9, 9)),
        "=Art": (False, True, D(2026, 9, 10)),
        "Science": (False, False, D(2026, 9, 11)),  # Monday's work is due on Friday
    }
    assert [w.subject for w in b.ready] == ["History"]
    by_subject = client.get(reverse("timetables:work_outstanding"), {"by": "subject"})
    assert [g.label for g in by_subject.context["board"].groups] == ["Maths", "=Art", "Science"]


def test_a_summary_per_teacher_overdue_and_due_this_week(client_for, cora, tom, board):
    response = client_for(cora).get(reverse("timetables:work_outstanding"))
    summary = [
        (t.name, t.open, t.overdue, t.due_this_week) for t in response.context["board"].teachers
    ]
    # Most overdue first; Friday's =Art is due today, Monday's lessons by Friday.
    assert summary == [("Mr Tom Tomlin", 2, 1, 1), ("Ms Ann Ash", 2, 0, 2)]
    html = response.content.decode()
    assert "Set by" not in html and "Work due by" in html
    assert "Mr T<" not in html and ">AA<" not in html


def test_a_timetable_code_is_named_as_the_member_of_staff_it_matches(client_for, cora, placement):
    UserFactory(title="Mr", first_name="Jon", last_name="Smith", initials="JSM")
    WorkRequest.objects.create(
        placement=placement, date=TODAY, period=period(), subject="Art", teacher_code="jsm"
    )
    WorkRequest.objects.create(
        placement=placement, date=TODAY, period=period(), subject="PE", teacher_code="QQ"
    )
    response = client_for(cora).get(reverse("timetables:work_outstanding"))
    names = [t.name for t in response.context["board"].teachers]
    assert names == ["Mr Jon Smith (jsm in the timetable)", "QQ (not linked to anyone in Enigma)"]
    assert [g.label for g in response.context["board"].groups] == names
    assert "No Enigma account to remind" in response.content.decode()


def test_one_click_reminds_a_teacher_through_the_outbox_once_a_day(client_for, cora, tom, board):
    from notifications.models import Kind, Notification

    client = client_for(cora)
    nudge = reverse("timetables:work_nudge", kwargs={"teacher_pk": tom.pk})
    response = client.post(nudge, follow=True)
    assert "Reminder sent to Mr Tom Tomlin about 2 lessons" in response.content.decode()
    sent = Notification.objects.get(recipient=tom)
    assert sent.kind == Kind.WORK_CHASE and sent.url == reverse("timetables:my_students")
    assert "2 of your lessons have a student" in sent.body and "1 of them past" in sent.body
    assert board["today"].placement.student.legal_surname not in sent.body + sent.title
    event = AuditEvent.objects.get(action=WorkAction.NUDGED)
    assert (event.actor, event.object_id, event.data) == (
        cora,
        str(tom.pk),
        {"open": 2, "overdue": 1},
    )
    # The page says when; a second press the same day sends nothing and says why.
    page = client.get(reverse("timetables:work_outstanding")).content.decode()
    assert "Reminded " in page and "again from" in page
    again = client.post(nudge, follow=True).content.decode()
    assert "already reminded" in again and "at most once a day" in again
    assert Notification.objects.filter(recipient=tom).count() == 1
    assert AuditEvent.objects.filter(action=WorkAction.NUDGED).count() == 1
    # A day later the teacher can be reminded again (the service: the session has ended).
    with time_machine.travel(dt.datetime(2026, 9, 11, 10, 30, tzinfo=LONDON), tick=False):
        assert work_nudge(teacher=tom, by=cora) == 2
    assert Notification.objects.filter(recipient=tom).count() == 2


def test_only_a_teacher_with_work_waiting_is_nudged(client_for, cora, sam, tom, placement):
    client = client_for(cora)
    response = client.post(
        reverse("timetables:work_nudge", kwargs={"teacher_pk": tom.pk}), follow=True
    )
    assert "no room lessons waiting for work" in response.content.decode()
    assert not AuditEvent.objects.filter(action=WorkAction.NUDGED).exists()


def test_the_long_list_is_paged_and_the_summary_counts_every_page(
    client_for, cora, tom, placement, monkeypatch
):
    from timetables.selectors import work as work_reads

    monkeypatch.setattr(work_reads, "BOARD_PAGE_SIZE", 2)
    for day in (7, 8, 9, 10, 11):
        lesson(placement, tom, D(2026, 9, day), period())
    client = client_for(cora)
    first = client.get(reverse("timetables:work_outstanding")).context["board"]
    assert [w.date.day for g in first.groups for w in g.rows] == [7, 8]
    last = client.get(reverse("timetables:work_outstanding"), {"page": 3}).context["board"]
    assert [w.date.day for g in last.groups for w in g.rows] == [11]
    assert [(t.open, t.overdue) for t in last.teachers] == [(5, 4)]
    html = client.get(reverse("timetables:work_outstanding"), {"by": "subject"}).content
    assert b"by=subject&amp;page=2" in html


def test_outstanding_csv(client_for, cora, board):
    response = client_for(cora).get(reverse("timetables:work_outstanding_csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("Lesson date,Period,Subject")
    assert len(lines) == 5  # the four open requests, oldest first
    assert lines[1].startswith("2026-09-10,") and lines[1].endswith(",yes")
    assert ",'=Art," in lines[2]  # formula-safe
    assert AuditEvent.objects.filter(action=WorkAction.EXPORTED).count() == 1


def test_the_work_panel(client_for, cora, board):
    response = client_for(cora).get(reverse("timetables:work_panel"))
    panel = response.context["panel"]
    assert (panel.open_count, panel.overdue_count) == (4, 1)
    assert [w.subject for w in panel.next_due] == ["Maths", "=Art", "Science", "History"]
    html = response.content.decode()
    assert "<html" not in html and "Outstanding work" in html
    # The overdue tag and the sentence's full stop wrap as one (a lone "." began a line).
    assert (
        '; <span class="keep-together"><span class="tag tag--overdue">1 overdue</span>.</span></p>'
        in html
    )


def test_on_saturday_mondays_work_is_overdue(cora, board):
    with at(D(2026, 9, 12)):
        panel = work_panel(D(2026, 9, 12))
    assert panel.overdue_count == 4  # Thursday's, Friday's and Monday's: all past their deadline


# --- query counts --------------------------------------------------------------------------


def grow(tom, dee, rita, placements: int, per_placement: int):
    teachers = [tom, *UserFactory.create_batch(2, roles=["class_teacher"])]
    days = [D(2026, 9, d) for d in (7, 8, 9, 10, 11, 14, 15, 16, 17, 18)]
    periods = [period() for _ in range(per_placement // len(days) + 1)]
    slots = list(itertools.product(days, periods))[:per_placement]
    for _ in range(placements):
        p = make_placement(approver=dee, referrer=rita, student=StudentFactory(), started=True)
        for i, (day, per) in enumerate(slots):
            w = lesson(
                p,
                teachers[i % 3],
                day,
                per,
                subject=["Maths", "Art", "Science"][i % 3],
                class_code=f"9X/{i % 4}",
                mode=Mode.CLASS if i % 5 == 4 else Mode.ROOM,
            )
            if w and i % 3 == 1:
                work_set(work=w, by=w.teacher, description="Read", link="")


def test_my_students_and_outstanding_queries_are_constant(client_for, tom, cora, dee, rita):
    SchoolSettings.load()
    SchoolSettings.objects.update(capacity=20)
    teacher, coordinator = client_for(tom), client_for(cora)
    pages = [
        (teacher, reverse("timetables:my_students")),
        (coordinator, reverse("timetables:work_outstanding")),
        (coordinator, reverse("timetables:work_panel")),
    ]
    grow(tom, dee, rita, placements=1, per_placement=6)
    small = [queries(client, url) for client, url in pages]
    grow(tom, dee, rita, placements=3, per_placement=20)
    assert WorkRequest.objects.count() >= 10 * 5
    assert [queries(client, url) for client, url in pages] == small
    print("queries (my students, outstanding, panel):", small)


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_completing_at_once_complete_once(cora, tom, dee, rita):
    import threading

    from django.db import connection

    placement = make_placement(approver=dee, referrer=rita, started=True)
    work = lesson(placement, tom, TODAY, period())
    work_set(work=work, by=tom, description="Read")
    second = UserFactory(roles=["coordinator"])
    barrier, outcomes = threading.Barrier(2), []

    def complete(user):
        try:
            barrier.wait(5)
            work_complete(work=work, by=user, note=f"By {user.pk}")
            outcomes.append("done")
        except ValidationError as exc:
            outcomes.append(exc.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=complete, args=(u,)) for u in (cora, second)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(outcomes) == ["This work is already recorded as completed.", "done"]
    assert AuditEvent.objects.filter(action=WorkAction.COMPLETED).count() == 1


# --- the widgets of the per-lesson forms, written without templates ----------------------


def _widget_cases():
    attrs = {"id": "w1_x", "class": 'a "b" <c>', "required": True, "disabled": False}
    yield forms.URLInput(attrs=attrs), "link", "https://example.org/?a=1&b=<2>"
    yield forms.URLInput(), "link", None
    yield forms.URLInput(), "link", ""
    yield forms.TextInput(attrs={"aria-describedby": gettext_lazy("x_helptext")}), "t", "O'Neil"
    yield forms.TextInput(), "t", mark_safe("<b>kept</b>")
    yield forms.Textarea(attrs={"rows": 4}), "description", "Line one\n<script>&\n"
    yield forms.Textarea(attrs={"rows": 2}), "description", None
    yield forms.Textarea(), "description", ""
    yield forms.CheckboxInput(), "same_for_class", True
    yield forms.CheckboxInput(attrs={"id": "c"}), "remove_file", False
    yield forms.FileInput(attrs={"accept": ".pdf,.docx"}), "file", "ignored.pdf"
    yield forms.NumberInput(), "n", 3
    choices = [("a", "A & B"), ("<b>", "Bee's"), (3, "Three")]
    yield forms.Select(choices=choices), "s", "a"
    yield forms.Select(choices=[("", "Not at a review"), *choices], attrs={"id": "r"}), "s", 3
    yield forms.Select(choices=choices), "s", None
    yield forms.Select(choices=[("Group", choices)]), "s", "a"  # Django's: option groups
    yield forms.CheckboxSelectMultiple(choices=choices), "m", ["a", "3"]
    yield forms.CheckboxSelectMultiple(choices=choices, attrs={"id": "w_in"}), "m", ["<b>"]
    yield forms.CheckboxSelectMultiple(choices=choices, attrs={"class": "x"}), "m", []
    yield forms.CheckboxSelectMultiple(choices=[]), "m", None
    yield forms.RadioSelect(choices=choices, attrs={"id": "e"}), "e", "a"
    yield forms.CheckboxSelectMultiple(choices=[("G", choices)]), "m", ["a"]  # Django's


@pytest.mark.parametrize(("widget", "name", "value"), list(_widget_cases()))
def test_widget_renderer_writes_what_djangos_templates_write(widget, name, value):
    """The form renderer of the My students forms (enigma.forms.widget_renderer) must
    write each widget exactly as Django's templates do."""
    expected = widget.render(name, value, renderer=DjangoTemplates())
    assert widget.render(name, value, renderer=WidgetRenderer()) == expected


def test_the_set_the_work_form_uses_the_widget_renderer():
    form = WorkSetForm(work=None, auto_id="w7_%s")
    assert isinstance(form.renderer, WidgetRenderer)
    assert str(form["link"]) == str(
        WorkSetForm(work=None, auto_id="w7_%s", renderer=DjangoTemplates())["link"]
    )


# The status tag as its template wrote it (tests/golden/work_status.html) before My
# students moved to the work_status tag (timetables/templatetags/timetables_work.py).
OLD_STATUS_TEMPLATE = (Path(__file__).parent / "golden" / "work_status.html").read_text()


@pytest.mark.parametrize("status", [s.value for s in WorkRequest.Status])
@pytest.mark.parametrize("overdue", [True, False, None])
def test_work_status_tag_writes_what_the_status_template_wrote(status, overdue):
    work = WorkRequest(status=status)
    if overdue is not None:
        work.overdue = overdue
    django_engine = engines["django"]
    old = django_engine.from_string(OLD_STATUS_TEMPLATE).render({"work": work})
    new = django_engine.from_string("{% load timetables_work %}{% work_status work %}")
    assert new.render({"work": work}) == old


@pytest.mark.parametrize("status", ["requested", "set"])
@pytest.mark.parametrize("bound", [False, True])
def test_work_field_tag_writes_what_includes_field_html_writes(status, bound):
    """The "Set the work" form's fields (the work_field tag) as includes/field.html writes
    them: labels, hints, errors, tick boxes, values."""
    work = WorkRequest(
        pk=5, status=status, description="Read <p. 4> & answer", link="https://e.org/?a=1&b=2"
    )
    work.file_name = "notes.pdf"
    data = {"description": "", "link": "not a link"} if bound else None
    form = WorkSetForm(data, work=work, same_class_count=3, auto_id="w5_%s")
    if bound:
        form.is_valid()
    django_engine = engines["django"]
    for field in form:
        old = django_engine.from_string('{% include "includes/field.html" %}')
        new = django_engine.from_string("{% load timetables_work %}{% work_field field %}")
        assert new.render({"field": field}) == old.render({"field": field})


@pytest.mark.parametrize("bound", [False, True])
def test_work_field_tag_writes_the_set_many_forms_fields_as_includes_field_html(bound):
    """My students writes the same-work-for-several-lessons form's fields with work_field
    (an include each cost more than the field): the tag writes what the include wrote,
    errors, hints and the file's limit included."""
    from timetables.forms.work import WorkSetManyForm

    data = {"description": "Read <p. 4> & answer", "link": "not a link"} if bound else None
    form = WorkSetManyForm(data, requests=WorkRequest.objects.none(), auto_id="many_%s")
    if bound:
        assert not form.is_valid() and form["link"].errors and form["works"].errors
    django_engine = engines["django"]
    old = django_engine.from_string('{% include "includes/field.html" %}')
    new = django_engine.from_string("{% load timetables_work %}{% work_field field %}")
    for name in ("description", "link", "file"):
        field = form[name]
        assert new.render({"field": field}) == old.render({"field": field})


# My students' lesson that needs work and row of the lessons table as the page's template
# wrote them (tests/golden/my_students_lesson.html and my_students_row.html, the bodies of
# their loops, with the live _work.html, _set_form.html and includes/form_errors.html)
# before the work_lesson and work_row tags: the tags must write the same, byte for byte.
GOLDEN = Path(__file__).parent / "golden"
OLD_LESSON_TEMPLATE = (GOLDEN / "my_students_lesson.html").read_text()
OLD_ROW_TEMPLATE = (GOLDEN / "my_students_row.html").read_text()
SET_AT = dt.datetime(2026, 11, 30, 16, 5, tzinfo=dt.UTC)


def _my_students_work(status, *, overdue=False, due_by=None, filed=False, long_link=False):
    work = WorkRequest(
        pk=71,
        status=status,
        subject="Maths & <Stats>",
        class_code="9X/Ma1",
        description="Read <p. 4>\n& answer 1-3" if status != "requested" else "",
        link=("https://e.org/?a=1&b=" + "x" * (70 if long_link else 5))
        if status != "requested"
        else "",
        set_at=SET_AT if status != "requested" else None,
        completed_note="Did it <all>\nwell & quickly" if status == "returned" else "",
    )
    work.file_name = "notes <1>.pdf" if filed else ""
    work.overdue = overdue
    work.due_by = due_by
    return work


def _my_students_rows():
    from timetables.selectors.work import LessonRow

    day = dt.date(2026, 12, 3)
    for status, overdue, due_by, filed, long_link in [
        ("requested", False, dt.date(2026, 12, 2), False, False),
        ("requested", True, dt.date(2026, 12, 1), False, False),
        ("requested", False, None, False, False),
        ("set", False, None, False, False),
        ("set", False, None, True, True),
        ("completed", False, None, True, False),
        ("returned", False, None, False, True),
    ]:
        for class_code, mode in [("9X/Ma1", Mode.ROOM), ("", Mode.ONE_TO_ONE)]:
            work = _my_students_work(
                status, overdue=overdue, due_by=due_by, filed=filed, long_link=long_link
            )
            yield LessonRow(day, "P<2>", dt.time(9, 50), work.subject, class_code, mode, True, work)
    yield LessonRow(day, "P1", dt.time(8, 50), "Art", "9X/Ar", Mode.CLASS, False, None)
    yield LessonRow(day, "P1", dt.time(8, 50), "Art", "", Mode.ROOM, True, None)


@pytest.mark.parametrize("bound", [False, True])
@pytest.mark.parametrize("chosen", [set(), {"71"}])
def test_work_lesson_and_row_tags_write_what_the_page_template_wrote(bound, chosen):
    django_engine = engines["django"]
    s = SimpleNamespace(student=SimpleNamespace(name="Zoë <O'Brien> & co"))
    seen = 0
    for row in _my_students_rows():
        base = {"row": row, "s": s, "chosen": chosen, "room_name": "Bridge <Room>"}
        base["csrf_token"] = "a-token"
        rendered = {}
        for name, template in [
            ("row", OLD_ROW_TEMPLATE),
            ("row_tag", "{% load timetables_work %}{% work_row %}"),
        ]:
            rendered[name] = django_engine.from_string(template).render(base)
        assert rendered["row_tag"] == rendered["row"]
        if row.work is None:
            continue
        if row.work.status in ("requested", "set"):
            data = {"description": "", "link": "not a link"} if bound else None
            row.form = WorkSetForm(
                data, work=row.work, same_class_count=3, auto_id=f"w{row.work.pk}_%s"
            )
            if bound:
                assert not row.form.is_valid()
        old = django_engine.from_string(OLD_LESSON_TEMPLATE).render(base)
        new = django_engine.from_string("{% load timetables_work %}{% work_lesson %}")
        assert new.render(base) == old
        seen += 1
        assert ("csrfmiddlewaretoken" in old) == bool(row.form)
        assert ("There is a problem" in old) == (bound and bool(row.form))
    assert seen == 14


OLD_EARLIER_TEMPLATE = (GOLDEN / "my_students_earlier.html").read_text()


@pytest.mark.parametrize("status", [s.value for s in WorkRequest.Status])
@pytest.mark.parametrize("class_code", ["9X/Ma1", ""])
def test_work_earlier_tag_writes_what_the_page_template_wrote(status, class_code):
    work = _my_students_work(status, overdue=status == "requested", filed=True)
    work.date = dt.date(2026, 11, 2)
    work.class_code = class_code
    work.period_name = "P<2> & 3"
    django_engine = engines["django"]
    context = {"w": work, "csrf_token": "a-token"}
    old = django_engine.from_string(OLD_EARLIER_TEMPLATE).render(context)
    new = django_engine.from_string("{% load timetables_work %}{% work_earlier %}")
    assert new.render(context) == old
    assert ("<a href" in old) == (status in ("requested", "set"))


@pytest.mark.parametrize("status", ["requested", "set"])
@pytest.mark.parametrize("filed", [False, True])
@pytest.mark.parametrize("count", [0, 1, 3])
@pytest.mark.parametrize("class_code", ["9X/Ma1 <a>", ""])
def test_fresh_set_form_fields_are_what_the_unbound_form_writes(
    status, filed, count, class_code, settings
):
    """My students writes each lesson's unbound "Set the work" form without building it
    (FreshWorkSetForm): the same fields, labels, widgets and values as WorkSetForm writes
    through work_field, so a change to the form shows here. Its blank widgets are drawn
    once a process with a stand-in id: each lesson's form has its own ids, and the file's
    widget the upload limit of the time."""
    from timetables.forms.work import FreshWorkSetForm
    from timetables.templatetags.timetables_work import fresh_set_fields, work_field

    for pk, limit in ((5, 10 * 1024 * 1024), (123456, 10 * 1024 * 1024), (5, 1536 * 1024)):
        settings.ENIGMA_ATTACHMENT_MAX_BYTES = limit
        work = WorkRequest(
            pk=pk,
            status=status,
            subject="Maths & <Stats>",
            class_code=class_code,
            description="Read <p. 4>\n& answer" if status == "set" else "",
            link='https://e.org/?a=1&b="2"' if status == "set" else "",
        )
        if filed:
            work.file.name = f"work/{pk}/notes.pdf"
            work.file_name = "notes <1>.pdf"
        form = WorkSetForm(work=work, same_class_count=count, auto_id=f"w{pk}_%s")
        expected = "".join(work_field(field) for field in form)
        assert fresh_set_fields(FreshWorkSetForm(work, count)) == expected
        assert ("remove_file" in expected) == filed
        assert ("same_for_class" in expected) == (count > 1)
        assert f'data-max-bytes="{limit}"' in expected and f'id="w{pk}_file"' in expected


def test_my_students_lesson_with_a_fresh_form_is_what_the_page_template_wrote():
    from timetables.forms.work import FreshWorkSetForm

    django_engine = engines["django"]
    s = SimpleNamespace(student=SimpleNamespace(name="Zoë <O'Brien> & co"))
    seen = 0
    for row in _my_students_rows():
        if row.work is None or row.work.status not in ("requested", "set"):
            continue
        base = {"row": row, "s": s, "chosen": set(), "csrf_token": "a-token"}
        row.form = WorkSetForm(work=row.work, same_class_count=2, auto_id=f"w{row.work.pk}_%s")
        old = django_engine.from_string(OLD_LESSON_TEMPLATE).render(base)
        row.form = FreshWorkSetForm(row.work, 2)
        new = django_engine.from_string("{% load timetables_work %}{% work_lesson %}")
        assert new.render(base) == old
        seen += 1
    assert seen == 10
