"""`manage.py seed_demo`: what `make run` calls every time, so it must work twice."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command

from devtools.demo.school import CARER_FORENAMES, demo_terms, seed_calendar
from enigma.models import Contact, NonSchoolDay, Student, Term, User
from enigma.roles import Role
from enigma.school_calendar import SchoolCalendar


def seed(**kwargs) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **kwargs)
    return out.getvalue()


@pytest.mark.django_db
def test_seed_prints_a_login_for_every_role_and_is_safe_to_rerun():
    first = seed(students=40)
    assert "40 students (40 added)" in first
    for role in Role:
        user = User.objects.get(groups__name=role.value)
        assert user.email in first, role
        assert user.check_password("enigma-demo-2026")
    counts = (Student.objects.count(), Contact.objects.count(), Term.objects.count())

    second = seed(students=40)
    assert "40 students (0 added)" in second
    assert (Student.objects.count(), Contact.objects.count(), Term.objects.count()) == counts


@pytest.mark.django_db
def test_seeded_students_have_valid_upns_and_plausible_contacts():
    seed(students=30)
    for student in Student.objects.all():
        student.full_clean()  # UPN check letter, year group, names
    for contact in Contact.objects.select_related("student"):
        assert contact.forename in CARER_FORENAMES[contact.relationship], contact
    assert Contact.objects.filter(priority=1).count() == 30


@pytest.mark.django_db
@pytest.mark.parametrize("today", [dt.date(2026, 11, 22), dt.date(2027, 6, 1), dt.date(2031, 2, 3)])
def test_the_demo_calendar_always_has_this_year_and_next(today):
    seed_calendar(today)
    calendar = SchoolCalendar.from_db()
    # Six school weeks ahead can be counted from any day of this academic year.
    last_day = calendar.nth_school_day(today, 30)
    assert last_day - today < dt.timedelta(days=80)
    assert Term.objects.count() == 9  # last year's three terms, this year's and next
    # A year earlier has school days too: the oversight pages compare with it.
    assert calendar.school_days(today - dt.timedelta(days=365), today - dt.timedelta(days=300))
    for day in NonSchoolDay.objects.all():
        assert day.date.weekday() < 5
        assert calendar.term_for(day.date) is not None, day


@pytest.mark.parametrize("year", range(2024, 2036))
def test_demo_term_dates_are_ordered_and_half_terms_fall_inside(year):
    terms = demo_terms(year)
    previous_end = dt.date(year, 8, 1)
    for _name, start, end, half_start, half_end in terms:
        assert previous_end < start < half_start <= half_end < end
        assert start.weekday() < 5 and end.weekday() < 5
        assert half_start.weekday() == 0 and half_end.weekday() == 4
        previous_end = end


@pytest.mark.django_db
def test_terms_the_school_admin_entered_are_kept():
    own = Term.objects.create(
        name="Michaelmas", starts_on=dt.date(2026, 9, 7), ends_on=dt.date(2026, 12, 16)
    )
    seed_calendar(dt.date(2026, 11, 22))
    own.refresh_from_db()
    assert own.name == "Michaelmas"
    assert not Term.objects.filter(name="Autumn 2026").exists()
    assert Term.objects.filter(name="Spring 2027").exists()


@pytest.mark.django_db
def test_every_demo_student_gets_a_believable_chronology_once():
    from records.models import ChronologyLink, Entry
    from records.selectors.chronology import chain_breaks

    out = seed(students=30)
    assert "Chronologies: 30 students given one" in out
    per_student = {
        s.pk: ChronologyLink.objects.filter(student=s).count() for s in Student.objects.all()
    }
    assert min(per_student.values()) >= 4
    kinds = set(Entry.objects.values_list("kind", flat=True))
    assert {"observation", "positive", "concern", "contact", "progress"} <= kinds
    assert Entry.objects.filter(restricted=True).exists()
    assert Entry.objects.filter(amends__isnull=False).exists()
    assert Entry.objects.filter(kind="incident").exists()
    # Recorded soon after it happened: the demo is not full of back-dated entries.
    assert sum(e.is_backdated for e in Entry.objects.all()) == 0
    checked, breaks = chain_breaks()
    assert checked == sum(per_student.values()) and breaks == []
    again = seed(students=30)
    assert "Chronologies: 0 students given one" in again
    assert ChronologyLink.objects.count() == checked


@pytest.mark.django_db
def test_the_demo_has_interventions_with_sessions_and_an_impact():
    from records.models import Intervention, InterventionSession
    from records.selectors.chronology import chain_breaks

    out = seed(students=120)
    assert "Interventions: a reading group and a finished one-to-one added." in out
    assert Intervention.objects.count() == 2
    assert InterventionSession.objects.count() >= 8
    closed = Intervention.objects.get(closed_on__isnull=False)
    membership = closed.memberships.get()
    assert membership.exit_score > membership.entry_score
    assert chain_breaks()[1] == []
    assert "Interventions: already there." in seed(students=120)


@pytest.mark.django_db
def test_the_demo_has_placements_in_every_state_and_referrals_at_every_status():
    import time_machine

    from referrals.models import NeedArea, Placement, Purpose, Referral
    from referrals.places import holding_placements

    with time_machine.travel(dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC), tick=False):
        out = seed(students=120)
    assert "Placements: 4 active, 4 completed, 1 ended early, 2 scheduled, 2 waiting" in out
    assert re.search(r"Reminders: [1-9]\d* made for Mon 23 Nov 2026\.", out)
    assert set(Placement.objects.values_list("state", flat=True)) == set(Placement.State)
    assert set(Referral.objects.values_list("status", flat=True)) == set(Referral.Status)
    capacity = 6
    assert len(holding_placements(dt.date(2026, 11, 23), dt.date(2026, 11, 23))) <= capacity
    completed = Placement.objects.filter(state="completed")
    assert all(p.follow_ups.count() == 2 for p in completed)
    assert all(p.reviews.filter(kind="exit", signed_off_at__isnull=False) for p in completed)
    # Every purpose and need area to count, each purpose with its rules; ethnicities varied.
    placed = Placement.objects.select_related("referral")
    assert {p.referral.purpose for p in placed} == set(Purpose)
    assert {a for p in placed for a in p.referral.need_areas} == set(NeedArea)
    for p in placed.filter(referral__purpose="part_time"):
        assert p.part_time_agreed_on and p.part_time_review < p.part_time_ends
        assert p.planned_exit is None or p.part_time_ends <= p.planned_exit
    for p in placed.filter(referral__purpose="internal_suspension"):
        assert p.suspension_decided_by_id and p.suspension_reason
    ethnicities = set(Student.objects.values_list("ethnicity", flat=True))
    assert "" in ethnicities and len(ethnicities) >= 8
    with time_machine.travel(dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC), tick=False):
        assert "Placements: already there." in seed(students=120)
