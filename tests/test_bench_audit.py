"""The bench school's audit log (devtools/bench_audit.py), at a small scale."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Count, Max, Min
from django.utils import timezone

from devtools.bench_audit import MARK, AuditHistoryOptions, school_days, seed_audit_history
from devtools.demo.school import seed_staff, seed_students
from enigma import audit
from enigma.models import AuditEvent

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 3, 10, 0, tzinfo=ZoneInfo("Europe/London"))
OPTIONS = AuditHistoryOptions(events=3000, years=2, seed=7)


@pytest.fixture
def school():
    with time_machine.travel(NOW, tick=False):
        seed_staff("a-password-for-the-demo-staff")
        seed_students(40)
        yield


def test_the_log_spreads_over_the_school_days_of_the_years_before_and_is_added_once(school):
    before = AuditEvent.objects.count()
    assert seed_audit_history(OPTIONS, now=NOW) == 3000
    seeded = AuditEvent.objects.filter(user_agent=MARK)
    assert seeded.count() == 3000 and AuditEvent.objects.count() == before + 3000
    # A second run finds them and adds nothing.
    assert seed_audit_history(OPTIONS, now=NOW) == 0
    assert AuditEvent.objects.count() == before + 3000

    days = school_days(NOW.date(), 2)
    span = seeded.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
    assert (
        timezone.localdate(span["first"]) == days[0] < days[-1] == timezone.localdate(span["last"])
    )
    for event in seeded.only("occurred_at")[:500]:
        local = timezone.localtime(event.occurred_at)
        assert local.weekday() < 5 and local.month != 8
        assert dt.time(7, 30) <= local.time() < dt.time(17, 30)
    # Mostly views of pupils' pages and files, each naming its pupil; failed sign-ins have
    # no person; every action is one the audit page has words for.
    by_action = dict(seeded.values_list("action").annotate(n=Count("id")))
    assert by_action["records.file_viewed"] + by_action["students.viewed"] > 1500
    assert not seeded.filter(action__in=["records.file_viewed", "students.viewed"], student=None)
    viewed = seeded.filter(action="students.viewed").select_related("student")[:50]
    assert all(event.object_repr == event.student.name for event in viewed)  # as str(pupil)
    assert not seeded.filter(action="auth.sign_in_failed", actor__isnull=False).exists()
    assert all(audit.label(action) != action for action in by_action)


def test_a_school_without_staff_or_pupils_is_refused():
    with pytest.raises(ValueError, match="seed_demo"):
        seed_audit_history(OPTIONS, now=NOW)


def test_ten_years_of_notifications_all_read_and_sent_added_once(school):
    from devtools.bench_notifications import (
        MARK as NOTIFICATION_MARK,
    )
    from devtools.bench_notifications import (
        NotificationHistoryOptions,
        seed_notification_history,
    )
    from notifications.models import Kind, Notification

    options = NotificationHistoryOptions(notifications=2000, years=2, seed=7)
    assert seed_notification_history(options, now=NOW) == 2000
    assert seed_notification_history(options, now=NOW) == 0
    seeded = Notification.objects.filter(subject_key__startswith=NOTIFICATION_MARK)
    assert seeded.count() == 2000
    assert not seeded.filter(read_at=None).exists()  # none adds to anyone's unread count
    assert set(seeded.values_list("email_status", flat=True)) == {"sent"}
    alerts = seeded.filter(kind=Kind.SAFEGUARDING)
    assert alerts.count() > 200
    assert set(alerts.values_list("recipient__email", flat=True)) == {"dsl@example.org"}
    first = timezone.localdate(seeded.aggregate(first=Min("created_at"))["first"])
    assert first == school_days(NOW.date(), 2)[0]
