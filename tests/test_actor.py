"""Services are given the Actor (who, from which address and browser) and write their own
audit rows with it; a status move or a settings form writes only the fields it changed."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from enigma import audit
from enigma.actor import Actor
from enigma.forms.school import SchoolSettingsForm
from enigma.models import AuditEvent, SchoolSettings
from enigma.services import school
from enigma.services.accounts import SYSTEM_USERNAME, system_actor
from referrals.models import Referral, ReferralTransition
from referrals.services.referral import start_referral, withdraw_referral
from tests.factories import LinkFactory, PeriodFactory, StudentFactory
from timetables.models import Lesson
from timetables.services import lessons

pytestmark = pytest.mark.django_db

FROM_SCHOOL = {"REMOTE_ADDR": "198.51.100.20", "HTTP_USER_AGENT": "Firefox/140"}


def test_a_page_records_what_it_showed_with_the_address_and_browser(cora, client_for):
    student = StudentFactory()
    response = client_for(cora).get(reverse("student_detail", args=[student.pk]), **FROM_SCHOOL)
    assert response.status_code == 200
    row = AuditEvent.objects.get(action=audit.Action.STUDENT_VIEWED)
    assert (row.actor, row.ip_address, row.user_agent, row.student) == (
        cora,
        "198.51.100.20",
        "Firefox/140",
        student,
    )


def test_a_service_writes_its_audit_row_from_the_actor_it_is_given(cora):
    student = StudentFactory()
    by = Actor(user=cora, address="203.0.113.7", user_agent="Safari")
    lesson = lessons.lesson_create(
        student=student, week=1, day=1, period=PeriodFactory(name="P1"), subject="Maths", by=by
    )
    assert Lesson.objects.filter(pk=lesson.pk).exists()
    row = AuditEvent.objects.get(action=lessons.LessonsAction.LESSON_ADDED)
    assert (row.actor, row.ip_address, row.user_agent) == (cora, "203.0.113.7", "Safari")


def test_a_referral_service_names_the_person_behind_the_actor(rita):
    student = StudentFactory()
    LinkFactory(student=student, staff=rita, relationship="class_teacher")
    referral = start_referral(student=student, referrer=Actor(rita, "203.0.113.8", "Edge"))
    withdraw_referral(referral=referral, by=Actor(rita, "203.0.113.8", "Edge"))
    assert referral.referrer == rita
    assert set(ReferralTransition.objects.values_list("by", flat=True)) == {rita.pk}


def test_a_status_move_writes_only_the_status_and_the_fields_it_names(rita):
    """Regression: move_referral saved the whole row it was handed, so a field changed
    meanwhile by someone else went back to what the caller had read."""
    student = StudentFactory()
    LinkFactory(student=student, staff=rita, relationship="class_teacher")
    stale = start_referral(student=student, referrer=rita)
    Referral.objects.filter(pk=stale.pk).update(reasons="Written in another tab")
    from referrals.services.transitions import move_referral

    with transaction.atomic():
        move_referral(stale, Referral.Status.WITHDRAWN, by=rita)
    stale.refresh_from_db()
    assert stale.status == Referral.Status.WITHDRAWN
    assert stale.reasons == "Written in another tab"


def test_saving_the_school_settings_keeps_a_field_changed_meanwhile(ada):
    """Regression: the settings form saved every field, so a change made by someone else
    since the page was opened was overwritten with what the page had shown."""
    current = SchoolSettings.load()
    data = {
        "school_name": current.school_name,
        "room_name": "The Bridge",
        "capacity": current.capacity,
        "placement_weeks": current.placement_weeks,
        "review_interval_days": current.review_interval_days,
        "follow_up_weeks": ",".join(str(w) for w in current.follow_up_weeks),
        "suppression_threshold": current.suppression_threshold,
    }
    form = SchoolSettingsForm(data, instance=current)
    assert form.is_valid(), form.errors
    SchoolSettings.objects.filter(pk=current.pk).update(school_name="Renamed meanwhile")
    school.school_settings_update(by=Actor(ada, "203.0.113.9"), form=form)
    saved = SchoolSettings.objects.get(pk=current.pk)
    assert (saved.room_name, saved.school_name) == ("The Bridge", "Renamed meanwhile")
    row = AuditEvent.objects.get(action=audit.Action.SETTINGS_CHANGED)
    assert (row.actor, row.ip_address) == (ada, "203.0.113.9")
    assert "room_name" in row.data["changes"]
    assert "school_name" not in row.data["changes"]


def test_scheduled_tasks_act_as_the_system_account():
    by = system_actor()
    assert by.user.username == SYSTEM_USERNAME
    assert (by.address, by.user_agent) == (None, "")
