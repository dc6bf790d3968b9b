"""Believable chronologies for the demo school (run by `manage.py seed_demo`).

Each demo student without a chronology gets one: a few weeks of observations, positive
notes, contacts with home, concerns with follow-up actions (most done), progress notes,
now and then an incident involving a classmate, a correction, and for a few students a
restricted safeguarding entry recorded by the DSL. Everything goes through
records.services, so the hash chains are real. Safe to re-run: students who already
have a chronology are left alone.
"""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from enigma.models import Student
from records.models import Category, ChronologyLink
from records.services.entries import NewAction, amend_entry, complete_action, record_entry

DEMO_MIS_PREFIX = "DEMO"
# The demo school has 120 students; a benchmark school of 20,000 gets chronologies for
# the first few hundred only (records are written one by one, through the real service).
MAX_STUDENTS = 300
DOMAIN = "example.org"
LONDON = ZoneInfo("Europe/London")

OBSERVATIONS = [
    (
        "Learning",
        "Quiet in maths; finished the starter but not the main task",
        "Sat at the back by choice. Finished the starter; stopped at question 3 of the main "
        "task and said “I don’t get fractions”. Accepted help from the TA.",
    ),
    (
        "Emotional wellbeing",
        "Seemed tired and withdrawn in period 1",
        "Head on the desk for the first ten minutes. Said they had been up late. Joined in "
        "once the group work started.",
    ),
    (
        "Peer relationships",
        "Ate lunch alone again",
        "Third day this week eating alone in the canteen. Did not want to join the table "
        "with the tutor group when asked.",
    ),
    (
        "Attendance",
        "Arrived 20 minutes late without a note",
        "Came in at 09:05. Said the bus was late; no note. Settled quickly.",
    ),
    (
        "Behaviour",
        "Left the science lesson without permission",
        "Walked out after being asked to move seats. Found in the library at 11:20; calm. "
        "Said the seating plan puts them next to someone they have fallen out with.",
    ),
]
POSITIVES = [
    "Read aloud to the group for the first time",
    "Helped a Year 7 student who was lost find their lesson",
    "Full marks on the spelling test",
    "Stayed calm and used the time-out card instead of leaving the room",
    "Handed in every piece of homework this week",
    "Led the warm-up in PE",
]
CONCERNS = [
    (
        "Family",
        "Mentioned that things are difficult at home",
        "Said “Mum and Dad are arguing all the time” during form time. Did not want to say "
        "more. No indication of harm. Opinion: seemed relieved to have said it.",
        "Check in with them on Friday",
    ),
    (
        "Emotional wellbeing",
        "Tearful after break; would not say why",
        "Found crying by the lockers at 10:50. Said “it’s nothing”. Calmed after ten minutes "
        "with the coordinator and went back to lesson.",
        "Ask the tutor to check in tomorrow",
    ),
    (
        "Behaviour",
        "Third removal from English this half-term",
        "Removed from English for shouting at another student. Pattern: all three removals "
        "were in period 5 English.",
        "Meet the English teacher about period 5",
    ),
    (
        "Learning",
        "Falling behind with coursework in three subjects",
        "Missing work in history, geography and science. Says they do not understand what "
        "is being asked.",
        "Ask class teachers for the missing tasks",
    ),
    (
        "Health",
        "Complained of headaches most mornings",
        "Has asked to see the first-aider four times in two weeks, always before 10:00. "
        "Eats no breakfast on those days, by their own account.",
        "Ring home about breakfast and headaches",
    ),
]
CONTACTS = [
    (
        "Phoned home about this week",
        "phone",
        "Discussed the late arrivals and the fall-out with a friend.",
        "Parent will make sure they catch the earlier bus; we will check in on Monday.",
    ),
    (
        "Meeting with parent about the reintegration plan",
        "meeting",
        "Went through the timetable and who to contact.",
        "Parent agreed to the plan and will sign the home-school agreement.",
    ),
    (
        "Email from parent about a difficult evening",
        "email",
        "Parent wrote that their child came home upset about a group chat.",
        "Tutor to speak to the student; coordinator to reply by Thursday.",
    ),
]
PROGRESS = [
    "Good week: in every lesson, two positive notes from teachers",
    "Now attending maths and science in class; English still in the room",
    "Target met: asked for help instead of leaving the lesson, 4 times out of 5",
    "Reading age up 5 months since September",
]
SAFEGUARDING = [
    (
        "Disclosure during a one-to-one session",
        "During the session they said an older cousin had been “messaging at night and "
        "asking for photos”. Their words, written down straight after. No one else present. "
        "Reassured; told them what happens next.",
        "Contact children’s social care (front door)",
    ),
    (
        "Unexplained bruise on the forearm",
        "Noticed a bruise on the left forearm when sleeves were rolled up in art. Said “I "
        "fell off my bike”, then later “my brother did it”. Body map completed.",
        "Speak to parent and record the explanation",
    ),
]


OUTCOMES = [
    "Done. Spoke to them at break; they seemed brighter.",
    "Done. Parent thanked us for the call; nothing further for now.",
    "Done. Class teacher sent the missing work; catching up in the room.",
    "Done. Agreed a seat move with the teacher from Monday.",
]


class _Deck:
    """Draws from each list without repeats (per student), reshuffling when empty, so a
    student's chronology does not say the same thing twice."""

    def __init__(self, rng: random.Random):
        self.rng, self.piles = rng, {}

    def draw(self, items: list):
        pile = self.piles.setdefault(id(items), [])
        if not pile:
            pile.extend(self.rng.sample(items, len(items)))
        return pile.pop()


def _school_day_after(day: dt.date, days: int) -> dt.date:
    while days > 0 or day.weekday() >= 5:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def _staff():
    users = get_user_model().objects.filter(email__endswith=f"@{DOMAIN}")
    return {u.email.split("@")[0]: u for u in users}


def _school_days_back(today: dt.date, count: int) -> list[dt.date]:
    days, day = [], today
    while len(days) < count:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return list(reversed(days))


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime.combine(
        day, dt.time(rng.randint(8, 15), rng.choice([0, 10, 20, 35, 50])), LONDON
    )


def seed_chronologies(*, today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    staff = _staff()
    if not {"coordinator", "dsl", "senco", "teacher", "referrer"} <= set(staff):
        return "Chronologies: skipped (demo staff missing)."
    categories = {c.name: c for c in Category.objects.all()}
    first = Student.objects.filter(mis_id__startswith=DEMO_MIS_PREFIX).order_by("mis_id")
    students = list(
        Student.objects.filter(pk__in=first.values("pk")[:MAX_STUDENTS])
        .exclude(pk__in=ChronologyLink.objects.values("student_id"))
        .order_by("mis_id")
    )
    days = _school_days_back(today, 35)
    now = timezone.now()
    entries = 0
    for index, student in enumerate(students):
        rng = random.Random(f"chronology-{student.mis_id}")  # noqa: S311 - demo data
        deck = _Deck(rng)
        plan = []  # (when, callable) in time order: chains are written in that order
        for day in sorted(rng.sample(days, k=rng.randint(4, 7))):
            plan.append(
                (
                    _at(day, rng),
                    rng.choice(
                        ["observation", "positive", "concern", "contact", "progress", "positive"]
                    ),
                )
            )
        if index % 9 == 4:
            plan.append((_at(rng.choice(days[-15:]), rng), "safeguarding"))
        if index % 6 == 1 and index + 1 < len(students):
            plan.append((_at(rng.choice(days), rng), "incident"))
        plan.sort(key=lambda p: p[0])
        for when, kind in plan:
            recorded = min(when + dt.timedelta(minutes=rng.randint(5, 90)), now)
            entries += _record(
                kind, student, students, index, when, recorded, rng, deck, staff, categories
            )
    return f"Chronologies: {len(students)} students given one ({entries} entries)."


def _record(kind, student, students, index, when, recorded, rng, deck, staff, categories) -> int:
    author = rng.choice(
        [staff["coordinator"], staff["coordinator"], staff["teacher"], staff["senco"]]
    )
    common = {"occurred_at": when, "recorded_at": recorded}
    if kind == "observation":
        category, summary, account = deck.draw(OBSERVATIONS)
        record_entry(
            author=author,
            students=[student],
            kind="observation",
            summary=summary,
            account=account,
            category=categories[category],
            **common,
        )
        return 1
    if kind == "positive":
        record_entry(
            author=author,
            students=[student],
            kind="positive",
            summary=deck.draw(POSITIVES),
            **common,
        )
        return 1
    if kind == "progress":
        record_entry(
            author=staff["coordinator"],
            students=[student],
            kind="progress",
            summary=deck.draw(PROGRESS),
            **common,
        )
        return 1
    if kind == "contact":
        summary, method, account, agreed = deck.draw(CONTACTS)
        carer = student.contacts.order_by("priority").first()
        who = (
            f"{carer.forename} {carer.surname}, {carer.get_relationship_display().lower()}"
            if carer
            else "Parent"
        )
        record_entry(
            author=staff["coordinator"],
            students=[student],
            kind="contact",
            summary=summary,
            account=account,
            contact_with=who,
            contact_method=method,
            agreed=agreed,
            **common,
        )
        return 1
    if kind == "concern":
        category, summary, account, action = deck.draw(CONCERNS)
        due = _school_day_after(when.date(), rng.randint(1, 4))
        entry = record_entry(
            author=author,
            students=[student],
            kind="concern",
            summary=summary,
            account=account,
            category=categories[category],
            actions=[NewAction(action, staff["coordinator"], due)],
            **common,
        )
        if due < timezone.localdate() and rng.random() < 0.92:
            complete_action(
                action=entry.actions.get(),
                user=staff["coordinator"],
                outcome=deck.draw(OUTCOMES),
                done_at=min(dt.datetime.combine(due, dt.time(15, 30), LONDON), timezone.now()),
            )
        if rng.random() < 0.15:
            amend_entry(
                author=author,
                original=entry,
                reason="Wrong time: it was after lunch",
                summary=summary,
                account=account,
                occurred_at=when.replace(hour=13, minute=40),
                recorded_at=min(recorded + dt.timedelta(days=1), timezone.now()),
            )
            return 2
        return 1
    if kind == "incident":
        peer = students[index + 1]
        record_entry(
            author=staff["coordinator"],
            students=[student, peer],
            kind="incident",
            category=categories["Peer relationships"],
            summary=f"Argument between {student.forename} and {peer.forename} at lunch",
            account="Raised voices in the canteen queue; no contact. Both spoken to "
            "separately; each said the other had pushed in. Both calm by 13:10.",
            **common,
        )
        return 1
    summary, account, action = deck.draw(SAFEGUARDING)
    due = min(when.date() + dt.timedelta(days=1), timezone.localdate())
    record_entry(
        author=staff["dsl"],
        students=[student],
        kind="concern",
        category=categories["Safeguarding"],
        summary=summary,
        account=account,
        actions=[NewAction(action, staff["dsl"], max(due, timezone.localdate()))],
        **common,
    )
    return 1


def seed_interventions(*, today: dt.date | None = None) -> str:
    """Two demo interventions: a small literacy group under way and a finished one-to-one
    emotional-regulation block with entry and exit scores. Added once."""
    from decimal import Decimal

    from records.models import Intervention
    from records.services.interventions import (
        intervention_close,
        intervention_create,
        record_scores,
        record_session,
    )

    today = today or timezone.localdate()
    staff = _staff()
    if "coordinator" not in staff or "senco" not in staff:
        return "Interventions: skipped (demo staff missing)."
    titles = ("Reading catch-up group", "Calm plan: one-to-one")
    if Intervention.objects.filter(title__in=titles).exists():
        return "Interventions: already there."
    demo = Student.objects.filter(mis_id__startswith=DEMO_MIS_PREFIX, on_roll=True)
    group = list(demo.filter(year_group=7).order_by("mis_id")[:4])
    single = list(demo.filter(year_group=9).order_by("mis_id")[:1])
    if len(group) < 2 or not single:
        return "Interventions: skipped (too few demo students)."
    days = _school_days_back(today, 30)
    coordinator, senco = staff["coordinator"], staff["senco"]
    rng = random.Random("interventions")  # noqa: S311 - demo data

    reading = intervention_create(
        user=coordinator,
        students=group,
        title=titles[0],
        focus=Intervention.Focus.LITERACY,
        lead=coordinator,
        planned_sessions=12,
        schedule="Tuesdays and Thursdays, period 2",
        starts_on=days[10],
        targets="Read a Year 7 text aloud with fewer than five errors a page; use phonics "
        "to decode unfamiliar words.",
        measure_name="Reading age (months)",
        scale_min=Decimal(60),
        scale_max=Decimal(200),
    )
    record_scores(
        intervention=reading,
        user=coordinator,
        entry_scores={s.pk: Decimal(rng.randint(100, 118)) for s in group},
    )
    for day in [d for d in days[10:] if d.weekday() in (1, 3)]:
        attendance = {s.pk: rng.choice(["attended"] * 6 + ["late", "absent"]) for s in group}
        record_session(
            intervention=reading,
            user=coordinator,
            held_on=day,
            attendance=attendance,
            notes=rng.choice(
                [
                    "Paired reading, then split digraphs.",
                    "Reading aloud from the class novel; new words on cards.",
                    "Spelling game, then a short comprehension.",
                ]
            ),
            recorded_at=min(dt.datetime.combine(day, dt.time(15, 40), LONDON), timezone.now()),
        )

    calm = intervention_create(
        user=senco,
        students=single,
        title=titles[1],
        focus=Intervention.Focus.EMOTIONAL_REGULATION,
        lead=senco,
        planned_sessions=6,
        schedule="Mondays, period 5",
        starts_on=days[0],
        targets="Name what they feel and choose a strategy from the calm plan before "
        "leaving a lesson.",
        measure_name="Self-rated calm (0 to 10)",
        scale_min=Decimal(0),
        scale_max=Decimal(10),
    )
    for day in [d for d in days if d.weekday() == 0][:6]:
        record_session(
            intervention=calm,
            user=senco,
            held_on=day,
            attendance={single[0].pk: "attended"},
            notes="Worked through the calm plan; practised the breathing card.",
            recorded_at=min(dt.datetime.combine(day, dt.time(15, 30), LONDON), timezone.now()),
        )
    record_scores(
        intervention=calm,
        user=senco,
        entry_scores={single[0].pk: Decimal(3)},
        exit_scores={single[0].pk: Decimal(7)},
    )
    intervention_close(intervention=calm, user=senco, closed_on=today)
    return "Interventions: a reading group and a finished one-to-one added."


def seed_force_and_leavers(*, today: dt.date | None = None) -> str:
    """Three uses of reasonable force (two this year, one a year earlier) through the
    service, with the staff, injuries and parents' contact it checks; and two leavers with
    a child-protection file: one the next school confirmed within 5 school days, one not
    sent and now late. Run after the placements (force is used on pupils in the room)."""
    from disclosure.models import ChildProtectionTransfer
    from enigma.school_calendar import CalendarError, SchoolCalendar
    from records.models import ForceRecord
    from records.services.force import ForceDetails, record_force
    from referrals.models import Placement

    today = today or timezone.localdate()
    staff = _staff()
    if not {"coordinator", "deputy", "dsl"} <= set(staff):
        return "Force and leavers: skipped (demo staff missing)."
    if ForceRecord.objects.exists():
        return "Force and leavers: already there."
    try:
        calendar = SchoolCalendar.from_db(today - dt.timedelta(days=500), today)
        days = calendar.school_days(today - dt.timedelta(days=60), today - dt.timedelta(days=1))
        a_year_ago = calendar.school_days(
            today - dt.timedelta(days=460), today - dt.timedelta(days=300)
        )
    except CalendarError:
        return "Force and leavers: skipped (the calendar does not cover these months)."
    placed = list(
        Placement.objects.filter(state=Placement.State.ACTIVE)
        .select_related("student")
        .order_by("start_date", "pk")
    )
    earlier = (
        Placement.objects.filter(state=Placement.State.COMPLETED, actual_exit__lt=a_year_ago[-1])
        .select_related("student")
        .order_by("start_date")
        .last()
        if a_year_ago
        else None
    )
    if len(placed) < 2 or len(days) < 20:
        return "Force and leavers: skipped (no placements in the room to draw on)."
    coordinator, deputy, dsl = staff["coordinator"], staff["deputy"], staff["dsl"]

    def when(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), LONDON)

    uses = [
        (
            [placed[0].student],
            ForceDetails(
                occurred_at=when(days[-12], 10, 40),
                place=ForceRecord.Place.ROOM,
                place_detail="By the door to the quiet room",
                summary="Guided away from the door to stop a pupil leaving into the car park",
                before="Upset after a phone call; tried to leave by the fire door. Calm words "
                "and space offered first, then the way out of the room shown.",
                what_was_done="Guided by the elbow, two staff, back to the quiet room.",
                duration_minutes=2,
                staff=[coordinator, deputy],
                parents_told=ForceRecord.ParentsTold.PHONE,
                parents_told_at=when(days[-12], 12, 15),
                parents_told_detail="Mum thanked us and will talk to him tonight.",
                debrief_at=when(days[-12], 15, 30),
                debrief="Talked it through with the pupil; the time-out card now includes "
                "the quiet room, so leaving is not needed.",
            ),
        ),
        (
            [placed[1].student, placed[0].student],
            ForceDetails(
                occurred_at=when(days[-4], 12, 50),
                place=ForceRecord.Place.CORRIDOR,
                place_detail="Outside the room at lunch",
                summary="Two pupils held apart during a fight",
                before="An argument over a football became a fight; told to stop twice.",
                what_was_done="Each pupil held apart by one member of staff until calm.",
                duration_minutes=3,
                staff=[coordinator, deputy],
                pupil_injured=True,
                pupil_injuries="A graze on one pupil's hand; cleaned and a plaster put on.",
                parents_told=ForceRecord.ParentsTold.MEETING,
                parents_told_at=when(days[-4], 15, 30),
                parents_told_detail="Both families met at the end of the day.",
            ),
        ),
    ]
    if earlier is not None and earlier.start_date and earlier.actual_exit:
        in_room = [d for d in a_year_ago if earlier.start_date <= d <= earlier.actual_exit]
        if in_room:
            uses.append(
                (
                    [earlier.student],
                    ForceDetails(
                        occurred_at=when(in_room[len(in_room) // 2], 9, 20),
                        place=ForceRecord.Place.ROOM,
                        place_detail="",
                        summary="Held to stop a chair being thrown",
                        before="Refused to start work and began throwing books; asked to "
                        "stop and offered the quiet room.",
                        what_was_done="The chair taken and the pupil's arm held briefly.",
                        duration_minutes=1,
                        staff=[coordinator],
                        parents_told=ForceRecord.ParentsTold.PHONE,
                        parents_told_at=when(in_room[len(in_room) // 2], 11, 0),
                        debrief_at=when(in_room[len(in_room) // 2], 15, 20),
                        debrief="Agreed a signal for when work feels too hard.",
                    ),
                )
            )
    try:
        import time_machine
    except ImportError:
        return "Force and leavers: skipped (time-machine is not installed)."
    now = timezone.now()
    for students, details in uses:
        # Recorded the same afternoon, once parents were told and the debrief held: the
        # demo is not full of back-dated entries.
        done = [details.occurred_at, details.parents_told_at, details.debrief_at]
        moment = max(d for d in done if d is not None) + dt.timedelta(minutes=10)
        with time_machine.travel(min(moment, now), tick=False):
            record_force(by=coordinator, students=students, details=details)

    # Two pupils with a child-protection file. The demo writes its restricted entries
    # restricted (by flag or by category), so this asks that directly. has_cp_file() also
    # walks correction threads, and on the test suite's tables (never analysed, their
    # rows uncommitted) PostgreSQL planned that walk for every entry against every pupil
    # and ran for over 5 minutes, even asked one pupil at a time (stop 21's CI).
    restricted = ChronologyLink.objects.filter(student=OuterRef("pk")).filter(
        Q(entry__restricted=True) | Q(entry__category__restricted=True)
    )
    leavers = list(
        Student.objects.filter(on_roll=True, placements__isnull=True)
        .filter(mis_id__startswith=DEMO_MIS_PREFIX)
        .filter(Exists(restricted))
        .order_by("mis_id")[:2]
    )
    for student, left in zip(leavers, (days[-15], days[-10]), strict=False):
        student.on_roll, student.left_on = False, left
        student.save(update_fields=["on_roll", "left_on"])
    if leavers:
        # The first file reached the next school's DSL on the 3rd school day after leaving.
        ChildProtectionTransfer.objects.create(
            student=leavers[0],
            left_on=leavers[0].left_on,
            prepared_by=dsl,
            prepared_at=when(days[-15], 16, 0),
            state=ChildProtectionTransfer.State.CONFIRMED,
            recipient_name="Designated safeguarding lead",
            recipient_email=f"dsl@next-school.{DOMAIN}",
            recipient_school="Riverside Academy",
            sent_by=dsl,
            sent_at=when(days[-14], 9, 0),
            confirmed_at=when(calendar.add_school_days(days[-15], 3), 15, 0),
            confirmed_by_name="R. Okafor",
        )
    return (
        f"Force and leavers: {len(uses)} uses of reasonable force; {len(leavers)} leavers "
        "with a child-protection file (one confirmed in time, one late)."
    )
