"""Every URL x every role: allowed or denied, exactly as two hand-kept tables say.

- capability x role: tests/role_tables/capabilities.py, checked here against
  enigma.capabilities.ROLES_FOR;
- URL name -> the capability it needs: NEEDS below (the core's pages) and the app tables
  in tests/role_tables/, checked against each view's @requires.

Every URL is then requested as every role and its status checked against what the two
tables allow. A new project view fails this file until it is added to a table, and a
view that declares no capability is refused at runtime and here too. Which students,
entries and referrals each person sees is checked per object below and in the apps'
tests (404 for what they may not see).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from enigma.capabilities import ROLES_FOR, Capability
from enigma.permissions import declared_capabilities, is_project_view, is_public
from records.models import Attachment
from records.services.entries import NewAction, record_entry
from records.services.interventions import record_session
from tests.conftest import PERSONAS
from tests.factories import (
    InterventionFactory,
    LinkFactory,
    NonSchoolDayFactory,
    PeriodFactory,
    StudentFactory,
    TermFactory,
)
from tests.role_tables import (
    attachments,
    capabilities,
    chronology,
    disclosure,
    interventions,
    notifications,
    oversight,
    referrals_decisions,
    referrals_placements,
    referrals_referral,
    retention,
    timetables_feeds,
    timetables_lessons,
    timetables_plans,
    timetables_today,
    timetables_work,
)

TIMETABLE_TABLES = (
    timetables_lessons,
    timetables_plans,
    timetables_today,
    timetables_work,
    timetables_feeds,
)

LONDON = ZoneInfo("Europe/London")
C = Capability

# url name -> the capability it needs (a tuple: any one of them). Public views (no
# sign-in) are listed in PUBLIC instead.
NEEDS: dict = {
    "home": C.VIEW_STUDENTS,
    "student_directory": C.VIEW_STUDENTS,
    "student_directory_export": C.EXPORT_STUDENTS,
    "student_detail": C.VIEW_STUDENTS,
    "school_settings": C.MANAGE_SCHOOL,
    "audit_log": C.READ_AUDIT_LOG,
    "calendar_overview": C.MANAGE_CALENDAR,
    "calendar_term_add": C.MANAGE_CALENDAR,
    "calendar_term_edit": C.MANAGE_CALENDAR,
    "calendar_term_delete": C.MANAGE_CALENDAR,
    "calendar_day_add": C.MANAGE_CALENDAR,
    "calendar_day_edit": C.MANAGE_CALENDAR,
    "calendar_day_delete": C.MANAGE_CALENDAR,
    "calendar_period_add": C.MANAGE_CALENDAR,
    "calendar_period_edit": C.MANAGE_CALENDAR,
    "calendar_period_delete": C.MANAGE_CALENDAR,
    "calendar_bank_holidays": C.MANAGE_CALENDAR,
    "imports:upload": C.IMPORT_MIS,
    "imports:apply": C.IMPORT_MIS,
    "imports:template": C.IMPORT_MIS,
    **chronology.NEEDS,
    **interventions.NEEDS,
    **attachments.NEEDS,
    **retention.NEEDS,
    **referrals_referral.NEEDS,
    **referrals_decisions.NEEDS,
    **referrals_placements.NEEDS,
    **notifications.NEEDS,
    **disclosure.NEEDS,
    **oversight.NEEDS,
    **{name: needs for table in TIMETABLE_TABLES for name, needs in table.NEEDS.items()},
}
PUBLIC = {"healthz", "timetables:feed"} | disclosure.PUBLIC


# Views that only accept POST: allowed roles get 405 to a GET, others 403 first.
POST_ONLY = (
    {"imports:apply"}
    | chronology.POST_ONLY
    | interventions.POST_ONLY
    | attachments.POST_ONLY
    | retention.POST_ONLY
    | referrals_referral.POST_ONLY
    | referrals_decisions.POST_ONLY
    | referrals_placements.POST_ONLY
    | notifications.POST_ONLY
    | disclosure.POST_ONLY
    | oversight.POST_ONLY
    | {name for table in TIMETABLE_TABLES for name in table.POST_ONLY}
)


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{p.namespace}:" if p.namespace else ""
            yield from _walk(p.url_patterns, prefix + ns)
        elif isinstance(p, URLPattern):
            yield prefix + (p.name or ""), p


def project_patterns() -> dict[str, URLPattern]:
    return {
        name: p for name, p in _walk(get_resolver().url_patterns) if is_project_view(p.callback)
    }


def kwargs_for(pattern: URLPattern, objects: dict) -> dict:
    return {key: objects[key] for key in pattern.pattern.converters}


@pytest.fixture
def objects(personas):
    student = StudentFactory()
    LinkFactory(student=student, staff=personas["tom"])
    LinkFactory(student=student, staff=personas["rita"], relationship="referrer")
    entry = record_entry(
        author=personas["cora"],
        students=[student],
        kind="concern",
        summary="Upset at break",
        actions=[NewAction("Call home", personas["tom"], timezone.localdate())],
    )
    intervention = InterventionFactory(
        lead=personas["cora"], students=[student], starts_on=dt.date(2026, 9, 7)
    )
    session = record_session(
        intervention=intervention,
        user=personas["cora"],
        held_on=intervention.starts_on,
        attendance={student.pk: "attended"},
        notes="Worked on decoding.",
    )
    attachment = Attachment.objects.create(
        entry=entry,
        file=ContentFile(b"%PDF-1.4 test", name="letter.pdf"),
        original_name="letter.pdf",
        content_type="application/pdf",
        size=13,
        sha256="0" * 64,
        uploaded_by=personas["cora"],
    )
    lifecycle = _lifecycle_objects(personas)
    return {
        **lifecycle,
        **_timetable_objects(personas, lifecycle["placement_pk"]),
        **disclosure.objects(personas, student),
        **oversight.objects(),
        "pk": student.pk,
        "student": student,
        "entry_pk": entry.pk,
        "intervention_pk": intervention.pk,
        "session_pk": session.pk,
        "attachment_pk": attachment.pk,
        "action_pk": entry.actions.get().pk,
        "day_pk": NonSchoolDayFactory().pk,
        "period_pk": PeriodFactory().pk,
        "teacher_pk": personas["tom"].pk,  # timetables:work_nudge
        "kind": "students",
    }


# Pages are visited on a fixed school day of the test calendar (TermFactory: autumn 2026).
TODAY = dt.date(2026, 9, 10)


@pytest.fixture(autouse=True)
def school_day():
    with time_machine.travel(dt.datetime(2026, 9, 10, 10, 0, tzinfo=LONDON), tick=True):
        yield


def _linked_student(personas):
    student = StudentFactory()
    LinkFactory(student=student, staff=personas["tom"])
    LinkFactory(student=student, staff=personas["rita"], relationship="referrer")
    return student


def _lifecycle_objects(personas) -> dict:
    """A submitted referral, an active placement with its first review, and a follow-up of
    a completed placement, all about students linked to tom and rita."""
    from referrals.models import FollowUp, Placement, Referral
    from referrals.services import decisions, placements

    term = TermFactory()
    rita, dee = personas["rita"], personas["dee"]

    def submitted():
        return Referral.objects.create(
            student=_linked_student(personas),
            referrer=rita,
            status=Referral.Status.SUBMITTED,
            reasons="Struggling despite support.",
        )

    referral = submitted()
    active = decisions.approve(submitted(), by=dee, start=TODAY).placement
    placements.start(active, by=dee, today=TODAY)
    done = decisions.approve(submitted(), by=dee, start=TODAY).placement
    Placement.objects.filter(pk=done.pk).update(
        state=Placement.State.COMPLETED, actual_exit=TODAY, outcome=Placement.Outcome.FULL
    )
    follow_up = FollowUp.objects.create(
        placement=done, weeks_after=2, due_on=TODAY + dt.timedelta(days=14)
    )
    return {
        "term_pk": term.pk,
        "referral_pk": referral.pk,
        "placement_pk": active.pk,
        "review_pk": active.reviews.order_by("number").first().pk,
        "follow_up_pk": follow_up.pk,
    }


# The secret of the calendar feed in the objects below (public: the token is the key).
FEED_TOKEN = "role-matrix-feed-token-0123456789abcdef"


def _timetable_objects(personas, placement_pk) -> dict:
    """A lesson of the active placement's student taught by tom, a room lesson of its
    plan today with a work request to tom, and a calendar feed."""
    import hashlib

    from referrals.models import Placement
    from timetables.models import CalendarFeed, Lesson, Mode, PlanCell, WorkRequest

    placement = Placement.objects.get(pk=placement_pk)
    period = PeriodFactory(name="P2 matrix", starts_at=dt.time(10, 0), ends_at=dt.time(11, 0))
    lesson = Lesson.objects.create(
        student=placement.student,
        day=TODAY.isoweekday(),
        period=period,
        subject="Maths",
        class_code="9X/Ma1",
        teacher=personas["tom"],
        room="M4",
    )
    cell = PlanCell.objects.create(
        placement=placement,
        date=TODAY,
        period=period,
        mode=Mode.ROOM,
        subject="Maths",
        class_code="9X/Ma1",
        teacher=personas["tom"],
    )
    work = WorkRequest.objects.create(
        placement=placement,
        date=TODAY,
        period=period,
        subject="Maths",
        class_code="9X/Ma1",
        teacher=personas["tom"],
    )
    feed = CalendarFeed.objects.create(
        placement=placement,
        token_hash=hashlib.sha256(FEED_TOKEN.encode()).hexdigest(),
        created_by=personas["cora"],
    )
    return {
        "lesson_pk": lesson.pk,
        "cell_pk": cell.pk,
        "work_pk": work.pk,
        "feed_pk": feed.pk,
        "token": FEED_TOKEN,
    }


def test_each_capability_is_held_by_exactly_the_roles_of_the_table():
    assert set(capabilities.HOLDERS) == set(Capability), "one row per capability"
    for capability, roles in ROLES_FOR.items():
        assert roles == capabilities.HOLDERS[capability], capability


def test_every_project_view_is_in_the_table_and_declares_what_it_needs():
    patterns = project_patterns()
    unnamed = [str(p.pattern) for name, p in patterns.items() if not name or name.endswith(":")]
    assert unnamed == [], "every project URL needs a name"
    assert set(patterns) == set(NEEDS) | PUBLIC, (
        f"not in the table: {sorted(set(patterns) - set(NEEDS) - PUBLIC)}; "
        f"in the table but gone: {sorted((set(NEEDS) | PUBLIC) - set(patterns))}"
    )
    for name, pattern in patterns.items():
        if name in PUBLIC:
            assert is_public(pattern.callback), f"{name} should be public"
            assert declared_capabilities(pattern.callback) is None, name
        else:
            assert declared_capabilities(pattern.callback) == capabilities.needs(NEEDS[name]), name


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_each_role_gets_exactly_the_pages_it_should(persona, personas, objects, client_for):
    user = personas[persona]
    client = client_for(user)
    roles = frozenset(PERSONAS[persona])
    for name, pattern in project_patterns().items():
        url = reverse(name, kwargs=kwargs_for(pattern, objects))
        response = client.get(url)
        allowed = name in PUBLIC or bool(roles & capabilities.roles_allowed(NEEDS[name]))
        if allowed and name in POST_ONLY:
            assert response.status_code == 405, (persona, name, response.status_code)
        elif allowed:
            assert response.status_code in (200, 302), (persona, name, response.status_code)
            if response.status_code == 302:
                assert not response["Location"].startswith(reverse("account_login")), name
        else:
            assert response.status_code == 403, (persona, name, response.status_code)


def test_anonymous_visitors_are_sent_to_sign_in(client, objects):
    for name, pattern in project_patterns().items():
        response = client.get(reverse(name, kwargs=kwargs_for(pattern, objects)))
        if name in PUBLIC:
            assert response.status_code == (405 if name in POST_ONLY else 200), name
        else:
            assert response.status_code == 302, name
            assert response["Location"].startswith(reverse("account_login")), name


def test_an_undeclared_project_view_is_refused(rf, cora):
    from django.core.exceptions import PermissionDenied

    from enigma.middleware import RolePermissionMiddleware

    def undeclared(request):
        raise AssertionError("must never run")

    undeclared.__module__ = "enigma.views.example"
    request = rf.get("/x")
    request.user = cora
    with pytest.raises(PermissionDenied):
        RolePermissionMiddleware(lambda r: None).process_view(request, undeclared, (), {})


# --- object level: which students each person may see ---------------------------------


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_student_visibility_by_role_and_link(persona, personas, client_for):
    user = personas[persona]
    linked, unlinked = StudentFactory(), StudentFactory()
    LinkFactory(student=linked, staff=user, relationship="class_teacher")
    client = client_for(user)
    roles = frozenset(PERSONAS[persona])
    can_see_all = bool(roles & capabilities.HOLDERS[Capability.SEE_ALL_STUDENTS])
    has_any_role = bool(roles & capabilities.HOLDERS[Capability.VIEW_STUDENTS])
    expect = {
        linked.pk: has_any_role,
        unlinked.pk: can_see_all,
    }
    for pk, visible in expect.items():
        status = client.get(reverse("student_detail", args=[pk])).status_code
        if not has_any_role:
            assert status == 403
        else:
            assert status == (200 if visible else 404), (persona, pk)
        student = linked if pk == linked.pk else unlinked
        assert user.has_perm("enigma.view_student", student) is visible
    listed = (
        set(client.get(reverse("student_directory")).context["students"]) if has_any_role else set()
    )
    assert listed == {s for s in (linked, unlinked) if expect[s.pk]}


def test_a_student_id_that_is_not_a_number_is_404(client_for, cora):
    assert client_for(cora).get("/students/abc/").status_code == 404
