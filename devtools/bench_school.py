"""The bench school's history: ten academic years of placements and chronologies.

`make bench` measures pages against a school the size of a large trust (20,000 pupils)
that has used Enigma for ten years, so that a page whose work grows with history shows
it. This module adds that history to the demo school (`seed_demo` first), all at once:

- the terms and bank holidays of the past academic years;
- per year, a number of completed placements (a few ended early), each with what the
  real services leave behind: the referral and its transitions, prior support and
  proposed targets, the placement's transitions, targets, reviews held (the mid-point
  and exit ones signed off) with a rating of each target, entry and exit measures,
  follow-up checks with their results, the day-by-day plan, the room's register, work
  requests set, done and returned, and each day's register written into the chronology;
- chronologies averaging `entries_per_pupil` links per pupil (placement events
  included): observations, positive notes, contacts, progress notes, concerns with
  follow-up actions (nearly all done), restricted safeguarding concerns written by the
  DSL, incidents involving two pupils and a few corrections. Each pupil's hash chain is
  sealed with the configured chronology key (records.chain), carrying on from any links
  the pupil already has, so `manage.py verify_chronology` checks every one of them.

Rows are written with COPY (psycopg 3) in one transaction: all or nothing. The
chronology tables refuse UPDATE and DELETE, not INSERT, so COPY goes through their
triggers as the application's database role. Ids that other rows point at are taken
from the tables' own sequences first. A chain written here could race a link recorded
at the same moment by the real service; the (student, seq) unique constraint would then
refuse the whole load, never fork a chain. For a benchmark database only.

Deterministic for a given seed and day; a second run finds the history and adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.utils import timezone

from devtools.demo.records import (
    CONCERNS,
    CONTACTS,
    OBSERVATIONS,
    OUTCOMES,
    POSITIVES,
    PROGRESS,
    SAFEGUARDING,
)
from devtools.demo.referrals import REASONS, SUPPORT, TARGETS
from devtools.demo.school import seed_calendar
from devtools.demo.timetables import NOTES, SUBJECTS
from enigma.models import Period, SchoolSettings, Student
from enigma.school_calendar import SchoolCalendar
from records import chain
from records.models import Action, ActionCompletion, Category, ChronologyLink, Entry
from referrals.dates import follow_up_dates, placement_dates, review_schedule
from referrals.models import (
    FollowUp,
    Measure,
    NeedArea,
    Placement,
    PlacementTransition,
    PriorSupport,
    ProposedTarget,
    Purpose,
    Referral,
    ReferralTransition,
    Review,
    Target,
    TargetRating,
)
from referrals.services.transitions import PLACEMENT_EVENTS, REFERRAL_EVENTS
from timetables.models import Mode, PlanCell, RegisterDay, RegisterMark, WorkRequest

LONDON = ZoneInfo("Europe/London")
DOMAIN = "example.org"
# On every history referral's transitions: how a second run knows the history is there.
HISTORY_MARK = "Brought in from the previous system (bench school history)."
# The tables the bench reports the size of, by label.
COUNTED = {
    "students": Student,
    "referrals": Referral,
    "placements": Placement,
    "reviews": Review,
    "target ratings": TargetRating,
    "follow-ups": FollowUp,
    "plan cells": PlanCell,
    "register marks": RegisterMark,
    "register days": RegisterDay,
    "work requests": WorkRequest,
    "chronology entries": Entry,
    "chronology links": ChronologyLink,
    "actions": Action,
    "action completions": ActionCompletion,
}


@dataclass(frozen=True)
class HistoryOptions:
    years: int = 10  # academic years before the current one
    placements_per_year: int = 300
    entries_per_pupil: float = 25.0  # chronology links per pupil, events included
    seed: int = 2016


@dataclass
class Step:
    name: str
    seconds: float
    rows: int


@dataclass
class HistoryReport:
    skipped: bool = False
    steps: list[Step] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.steps)


def row_counts() -> dict[str, int]:
    """Exact row counts of the tables the bench reports."""
    return {label: model.objects.count() for label, model in COUNTED.items()}


def already_seeded() -> bool:
    return ReferralTransition.objects.filter(reason=HISTORY_MARK).exists()


def seed_history(
    options: HistoryOptions = HistoryOptions(),
    *,
    now: dt.datetime | None = None,
    out: Callable[[str], object] = lambda line: None,
) -> HistoryReport:
    """Add the history once (see the module's docstring); returns the time of each step."""
    report = HistoryReport()
    if already_seeded():
        report.skipped = True
        return report
    now = (now or timezone.now()).replace(microsecond=0)
    timer = _Timer(report, out)
    with timer("calendar of the past years"):
        today = timezone.localdate(now)
        this_year = today.year if today.month >= 8 else today.year - 1
        for year in range(this_year - options.years, this_year):
            seed_calendar(dt.date(year, 9, 1))
        seed_calendar(today)
    with transaction.atomic():
        define_trigger_ignore_list()
        world = _World.load(options, now)
        with timer("plan placements") as step:
            builder = _Builder(world, options)
            builder.placements()
            step.rows = len(builder.rows[Placement])
        with timer("plan chronology entries") as step:
            builder.chronologies()
            step.rows = len(builder.entries)
        with timer("seal the hash chains") as step:
            builder.seal()
            step.rows = len(builder.rows[ChronologyLink])
        for model in builder.copy_order():
            rows = builder.rows[model]
            with timer(f"copy {model._meta.db_table}") as step:
                step.rows = copy_rows(model, rows)
        # Django's foreign keys are checked at commit: check them now, to time them.
        with timer("check the deferred foreign keys"), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return report


class _Timer:
    def __init__(self, report: HistoryReport, out):
        self.report, self.out = report, out

    def __call__(self, name: str):
        timer = self

        class _Block:
            def __enter__(self):
                self.step = Step(name, 0.0, 0)
                self.started = time.perf_counter()
                return self.step

            def __exit__(self, *exc):
                self.step.seconds = time.perf_counter() - self.started
                if exc[0] is None:
                    timer.report.steps.append(self.step)
                    timer.out(f"{name}: {self.step.rows:,} rows in {self.step.seconds:.1f} s")
                return False

        return _Block()


# --- COPY -------------------------------------------------------------------------------


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` new ids from the table's own sequence (other rows point at them)."""
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [connection.ops.quote_name(table), count],
        )
        return [row[0] for row in cursor.fetchall()]


def define_trigger_ignore_list() -> None:
    """Give this transaction an empty `pgtrigger.ignore` list, so that the chronology's
    triggers (which add the open-action markers and the file authors) run without an
    error on every row.

    Every django-pgtrigger trigger first reads that setting, inside a PL/pgSQL block that
    catches the error PostgreSQL raises while the setting is undefined. Each error rolls
    back a subtransaction, and each rollback walks the transaction's whole list of pending
    trigger events (Django's foreign keys are deferred to commit, so there is one event
    for every row copied so far). Row by row, that is quadratic: the first `make bench`
    spent over ten minutes copying the 500,000 chronology links and had not finished.
    With the setting defined (an empty list ignores nothing), no error is raised.
    Transaction-local (set_config's `true`): it ends with the load."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")


def copy_rows(model: type[models.Model], rows: list[dict]) -> int:
    """COPY rows (dicts by attname) into the model's table. A field a row leaves out gets
    the field's default (auto_now fields: now); the id too, unless the rows carry it."""
    if not rows:
        return 0
    now = timezone.now()
    fields = [
        f for f in model._meta.concrete_fields if not (f.primary_key and f.attname not in rows[0])
    ]
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        else:  # its default, or "" for a string that may be blank, or None
            defaults[f.attname] = f.get_default()
    names = [f.attname for f in fields]
    quote = connection.ops.quote_name
    sql = (
        f"COPY {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        "FROM STDIN"
    )
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([row.get(name, defaults[name]) for name in names])
    return len(rows)


def copy_stream(model: type[models.Model], columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
    """COPY `rows` (tuples, in the order of `columns`, by attname) into the model's table
    as they come, in one transaction with the trigger setting defined (see above): all or
    nothing, and never more than one row in memory. Returns how many were written."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(column).column) for column in columns)
    sql = f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN"
    written = 0
    with transaction.atomic():
        define_trigger_ignore_list()
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
                written += 1
    return written


# --- what the history is made of ----------------------------------------------------------

# 7 in 10 inclusion support, 2 part-time, 1 internal suspension, in this order, by the
# placement's number in the run (not its database id, which depends on what ran before).
PURPOSE_CYCLE = (
    Purpose.INCLUSION_SUPPORT.value,
    Purpose.PART_TIME.value,
    Purpose.INCLUSION_SUPPORT.value,
    Purpose.INCLUSION_SUPPORT.value,
    Purpose.INTERNAL_SUSPENSION.value,
    Purpose.INCLUSION_SUPPORT.value,
    Purpose.PART_TIME.value,
    Purpose.INCLUSION_SUPPORT.value,
    Purpose.INCLUSION_SUPPORT.value,
    Purpose.INCLUSION_SUPPORT.value,
)


def _purpose_rules(purpose: str, school_days: list, decided: dt.datetime, deputy: int) -> dict:
    """The placement's fields for what its purpose brings (as approve() would keep them)."""
    if purpose == Purpose.PART_TIME:
        return {
            "part_time_agreed_on": decided.date() - dt.timedelta(days=1),
            "part_time_agreed_by": "Mother",
            "part_time_ends": school_days[(2 * len(school_days)) // 3],
            "part_time_review": school_days[len(school_days) // 3],
        }
    if purpose == Purpose.INTERNAL_SUSPENSION:
        return {
            "suspension_decided_by_id": deputy,
            "suspension_reason": "A serious incident; time away from lessons with work set.",
            "suspension_parents_told_on": decided.date(),
            "suspension_parents_told_how": "phone",
        }
    return {}


@dataclass
class _World:
    """What exists already: pupils, staff, categories, lessons, the calendar, chains."""

    now: dt.datetime
    today: dt.date
    first_day: dt.date
    students: list[tuple[int, int]]  # (pk, year group), by pk
    staff: dict[str, int]
    categories: dict[str, int]
    restricted: set[int]
    periods: list[Period]
    calendar: SchoolCalendar
    school_days: list[dt.date]  # every school day from first_day to yesterday
    room: str
    review_interval: int
    placement_days: int
    follow_up_weeks: list[int]
    key_id: str
    key: bytes
    chain_ends: dict[int, tuple[int, str]]  # student -> (last seq, last hash)
    busy: dict[int, list[tuple[dt.date, dt.date]]]  # student -> placements' (start, end)
    existing_links: int

    @classmethod
    def load(cls, options: HistoryOptions, now: dt.datetime) -> _World:
        today = timezone.localdate(now)
        this_year = today.year if today.month >= 8 else today.year - 1
        first_day = dt.date(this_year - options.years, 8, 1)
        staff = {
            u.email.split("@")[0]: u.pk
            for u in get_user_model().objects.filter(email__endswith=f"@{DOMAIN}")
        }
        missing = {"coordinator", "senco", "deputy", "referrer", "teacher", "dsl"} - set(staff)
        if missing:
            raise ValueError(f"Run seed_demo first: demo staff missing ({', '.join(missing)}).")
        calendar = SchoolCalendar.from_db(first_day, dt.date(this_year + 2, 8, 31))
        settings_row = SchoolSettings.load()
        chain_ends = {
            student_id: (seq, hash_)
            for student_id, seq, hash_ in ChronologyLink.objects.order_by("student_id", "-seq")
            .distinct("student_id")
            .values_list("student_id", "seq", "hash")
        }
        busy = defaultdict(list)
        for student_id, start, planned, actual in Placement.objects.values_list(
            "student_id", "start_date", "planned_exit", "actual_exit"
        ):
            # Waiting placements have no dates yet: keep the pupil out of history's way.
            busy[student_id].append(
                (start or dt.date.min, actual or planned or dt.date.max)
                if start
                else (dt.date.min, dt.date.max)
            )
        categories = {c.name: c.pk for c in Category.objects.all()}
        key_id, key = chain.current_key()
        return cls(
            now=now,
            today=today,
            first_day=first_day,
            students=list(Student.objects.order_by("pk").values_list("pk", "year_group")),
            staff=staff,
            categories=categories,
            restricted=set(Category.objects.filter(restricted=True).values_list("pk", flat=True)),
            periods=list(Period.objects.filter(kind=Period.Kind.LESSON).order_by("starts_at")),
            calendar=calendar,
            school_days=calendar.school_days(first_day, today - dt.timedelta(days=1)),
            room=settings_row.room_name,
            review_interval=settings_row.review_interval_days,
            placement_days=settings_row.placement_school_days,
            follow_up_weeks=list(settings_row.follow_up_weeks),
            key_id=key_id,
            key=key,
            chain_ends=chain_ends,
            busy=busy,
            existing_links=sum(seq for seq, _ in chain_ends.values()),
        )


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), LONDON)


class _Builder:
    """Builds every row in memory (dicts by attname), then seals the chains."""

    def __init__(self, world: _World, options: HistoryOptions):
        self.world, self.options = world, options
        self.rng = random.Random(options.seed)  # noqa: S311 - benchmark data
        self.rows: dict[type[models.Model], list[dict]] = defaultdict(list)
        # Entries before their ids: (entry dict, [student ids]); register days wait for
        # their entry's id.
        self.entries: list[tuple[dict, list[int]]] = []
        self.register_days: list[tuple[dict, dict]] = []  # (register day row, entry)
        self.actions: list[tuple[dict, dict, dict | None]] = []  # (entry, action, completion)

    def copy_order(self) -> list[type[models.Model]]:
        return [
            Referral,
            ReferralTransition,
            PriorSupport,
            ProposedTarget,
            Placement,
            PlacementTransition,
            Target,
            Review,
            TargetRating,
            Measure,
            FollowUp,
            PlanCell,
            RegisterMark,
            WorkRequest,
            Entry,
            ChronologyLink,
            Action,
            ActionCompletion,
            RegisterDay,
        ]

    # --- entries ---

    def entry(self, students: list[int], **fields) -> dict:
        when = fields["occurred_at"]
        fields.setdefault("recorded_at", when)
        fields["recorded_at"] = min(fields["recorded_at"], self.world.now)
        fields["occurred_at"] = min(when, fields["recorded_at"])
        row = {
            "category_id": None,
            "restricted": fields.get("category_id") in self.world.restricted,
            "account": "",
            "contact_with": "",
            "contact_method": "",
            "agreed": "",
            "event_code": "",
            "amends_id": None,
            "amendment_reason": "",
            **fields,
        }
        self.entries.append((row, students))
        return row

    def event(self, student: int, actor: str, code: str, summary: str, when, account=""):
        return self.entry(
            [student],
            kind=Entry.Kind.EVENT.value,
            event_code=code,
            summary=summary,
            account=account,
            author_id=self.world.staff[actor],
            occurred_at=when,
        )

    # --- placements ---

    def placements(self) -> None:
        w, rng = self.world, self.rng
        this_year = w.today.year if w.today.month >= 8 else w.today.year - 1
        candidates = [pk for pk, _ in w.students]
        previous: dict[int, int] = {}  # student -> their last history placement's id
        wanted = self.options.years * self.options.placements_per_year
        ids = {
            model: iter(reserve_ids(model, wanted * n))
            for model, n in ((Referral, 1), (Placement, 1), (Target, len(TARGETS)))
        }
        plans = []
        for year in range(this_year - self.options.years, this_year):
            days = w.calendar.school_days(dt.date(year, 9, 1), dt.date(year + 1, 7, 31))
            starts = [d for d in days if d.weekday() == 0] or days
            for _ in range(self.options.placements_per_year):
                start = rng.choice(starts)
                dates = placement_dates(start, school_days=w.placement_days, calendar=w.calendar)
                end = dates.planned_exit
                student = self._free_student(candidates, start, end)
                if student is None:
                    continue
                plans.append((student, dates))
        review_count = 0
        for _student, dates in plans:
            schedule = review_schedule(
                dates.start, dates.planned_exit, interval=w.review_interval, calendar=w.calendar
            )
            review_count += len(schedule)
        review_ids = iter(reserve_ids(Review, review_count))
        for student, dates in sorted(plans, key=lambda p: p[1].start):
            self._placement(student, dates, ids, review_ids, previous)

    def _free_student(self, candidates: list[int], start, end) -> int | None:
        """A pupil with no placement overlapping start..end (with a school term's gap)."""
        w = self.world
        for _ in range(50):
            student = self.rng.choice(candidates)
            # Never overlapping, and a term apart (dates.min/max: a waiting placement).
            if all((s - end).days > 60 or (start - e).days > 60 for s, e in w.busy[student]):
                w.busy[student].append((start, end))
                return student
        return None

    def _placement(self, student, dates, ids, review_ids, previous) -> None:
        w, rng, rows = self.world, self.rng, self.rows
        staff = w.staff
        start, planned_exit = dates.start, dates.planned_exit
        n = rng.randrange(len(REASONS))
        referrer = rng.choice(["referrer", "teacher", "senco"])
        submitted = _at(start - dt.timedelta(days=rng.randint(7, 20)), 8, 30)
        decided = _at(start - dt.timedelta(days=rng.randint(2, 5)), 16, 0)
        created = submitted - dt.timedelta(days=1, hours=2)
        referral_id = next(ids[Referral])
        self.placements_made = getattr(self, "placements_made", 0) + 1
        # Its own generator, so the rest of the history stays as it was.
        kind = random.Random(f"purpose-{self.placements_made}")  # noqa: S311 - benchmark data
        purpose = PURPOSE_CYCLE[(self.placements_made - 1) % len(PURPOSE_CYCLE)]
        need_areas = sorted(
            kind.sample(NeedArea.values, kind.choice((1, 1, 2))), key=NeedArea.values.index
        )
        rows[Referral].append(
            {
                "id": referral_id,
                "student_id": student,
                "referrer_id": staff[referrer],
                "status": Referral.Status.APPROVED.value,
                "reasons": REASONS[n],
                "concerns": "Struggling in lessons despite the support below.",
                "attendance_percent": 75 + rng.randrange(20),
                "purpose": purpose,
                "need_areas": need_areas,
                "parents_consulted": True,
                "parent_view": "Wants the school to try the room.",
                "consent_given": True,
                "consent_date": (submitted - dt.timedelta(days=2)).date(),
                "consent_given_by": "Mother",
                "consent_method": "phone",
                "student_view": "Would like somewhere quieter to work for a while.",
                "proposed_start": start,
                "decision_reason": "Support so far has not been enough; a place is right now.",
                "decided_by_id": staff["deputy"],
                "decided_at": decided,
                "submitted_at": submitted,
                "created_at": created,
                "updated_at": decided,
            }
        )
        for at, before, after, by in (
            (created, "", "draft", referrer),
            (submitted, "draft", "submitted", referrer),
            (decided, "submitted", "approved", "deputy"),
        ):
            rows[ReferralTransition].append(
                {
                    "referral_id": referral_id,
                    "from_status": before,
                    "to_status": after,
                    "by_id": staff[by],
                    "at": at,
                    "reason": HISTORY_MARK,
                }
            )
            words = REFERRAL_EVENTS.get(after)
            if words:
                self.event(
                    student, by, f"referral.{after}", words.format(room=w.room), at, HISTORY_MARK
                )
        for team, what, outcome in SUPPORT[:2]:
            rows[PriorSupport].append(
                {"referral_id": referral_id, "team": team, "what": what, "outcome": outcome}
            )
        for area, description in TARGETS:
            rows[ProposedTarget].append(
                {"referral_id": referral_id, "area": area, "description": description}
            )

        # The placement: completed, or (now and then) ended early.
        placement_id = next(ids[Placement])
        school_days = w.calendar.school_days(start, planned_exit)
        early = len(school_days) > 7 and rng.random() < 0.07
        actual_exit = school_days[rng.randrange(5, len(school_days) - 1)] if early else planned_exit
        end_state = "ended_early" if early else "completed"
        ended_at = _at(actual_exit, 15, 45)
        rows[Placement].append(
            {
                "id": placement_id,
                "referral_id": referral_id,
                "student_id": student,
                "state": end_state,
                "priority": rng.randint(1, 5),
                "approved_by_id": staff["deputy"],
                "approved_at": decided,
                "requested_start": start,
                "start_date": start,
                "planned_exit": planned_exit,
                "latest_exit": planned_exit,
                "shortened_by_summer": dates.shortened_by_summer,
                "actual_exit": actual_exit,
                "end_reason": rng.choice(["escalated", "left_school", "other"]) if early else "",
                "outcome": ""
                if early
                else rng.choices(["full", "partial", "other_provision", "left"], (65, 25, 7, 3))[0],
                "exit_summary": ""
                if early
                else "Back in all lessons with a time-out card. Check in weekly with the tutor.",
                "previous_id": previous.get(student),
                "created_at": decided,
                "updated_at": ended_at,
                **_purpose_rules(purpose, school_days, decided, staff["deputy"]),
            }
        )
        previous[student] = placement_id
        for at, before, after, by in (
            (decided, "", "scheduled", "deputy"),
            (_at(start, 8, 15), "scheduled", "active", "coordinator"),
            (ended_at, Placement.State.ACTIVE, end_state, "coordinator"),
        ):
            rows[PlacementTransition].append(
                {
                    "placement_id": placement_id,
                    "from_state": before,
                    "to_state": after,
                    "by_id": staff[by],
                    "at": at,
                    "reason": HISTORY_MARK,
                }
            )
            self.event(
                student,
                by,
                f"placement.{after}",
                PLACEMENT_EVENTS[after].format(room=w.room),
                at,
                HISTORY_MARK,
            )
        target_ids = []
        for position, (area, description) in enumerate(TARGETS):
            target_ids.append(next(ids[Target]))
            rows[Target].append(
                {
                    "id": target_ids[-1],
                    "placement_id": placement_id,
                    "area": area,
                    "description": description,
                    "position": position,
                    "created_at": decided,
                }
            )
        for stage, day, wellbeing in (
            ("entry", start, rng.randint(1, 5)),
            ("exit", actual_exit, rng.randint(4, 9)),
        ):
            rows[Measure].append(
                {
                    "placement_id": placement_id,
                    "stage": stage,
                    "wellbeing": wellbeing,
                    "concerns_last_six_weeks": rng.randint(0, 12),
                    "taken_on": day,
                    "taken_by_id": staff["coordinator"],
                }
            )
            self.event(
                student,
                "coordinator",
                f"placement.measures_{stage}",
                f"{stage.capitalize()} measures taken: wellbeing {wellbeing} out of 10",
                _at(day, 9 if stage == "entry" else 15, 30),
            )

        # Reviews: each one due (every one, for a placement that was not cut short).
        schedule = review_schedule(
            start, planned_exit, interval=w.review_interval, calendar=w.calendar
        )
        for number, (due, kind) in enumerate(schedule, start=1):
            if due > actual_exit:
                break  # ending a placement removes the reviews not yet held
            review_id = next(review_ids)
            signed = kind in ("midpoint", "exit")
            rows[Review].append(
                {
                    "id": review_id,
                    "placement_id": placement_id,
                    "number": number,
                    "kind": kind,
                    "due_on": due,
                    "held_on": due,
                    "held_by_id": staff["coordinator"],
                    "student_present": True,
                    "parent_present": kind != "weekly",
                    "room_attendance": "All sessions",
                    "engagement": rng.choice(["strong", "good", "good", "mixed"]),
                    "student_view": "It is easier to work here.",
                    "next_step": "One more lesson a day back in class.",
                    "signed_off_by_id": staff["senco"] if signed else None,
                    "signed_off_at": _at(due, 17, 0) if signed else None,
                    "sign_off_note": "Agreed." if signed else "",
                }
            )
            for target_id in target_ids:
                rows[TargetRating].append(
                    {
                        "review_id": review_id,
                        "target_id": target_id,
                        "rating": rng.choice(["not_yet", "some", "good", "met"]),
                        "comment": "",
                    }
                )
            self.event(
                student,
                "coordinator",
                "placement.review_held",
                f"Review {number} held",
                _at(due, 15, 20),
            )
            if signed:
                self.event(
                    student,
                    "senco",
                    "placement.review_signed_off",
                    f"Review {number} signed off",
                    _at(due, 17, 0),
                )
        if not early:
            for weeks, due in follow_up_dates(actual_exit, w.follow_up_weeks, calendar=w.calendar):
                done = due < w.today
                result = rng.choices(["sustained", "returned", "other"], (75, 20, 5))[0]
                rows[FollowUp].append(
                    {
                        "placement_id": placement_id,
                        "weeks_after": weeks,
                        "due_on": due,
                        "result": result if done else "",
                        "note": "Checked with the tutor and class teachers." if done else "",
                        "recorded_by_id": staff["coordinator"] if done else None,
                        "recorded_at": _at(due, 12, 0) if done else None,
                    }
                )
                if done:
                    self.event(
                        student,
                        "coordinator",
                        "placement.follow_up",
                        f"Follow-up {weeks} weeks after exit: {result}",
                        _at(due, 12, 0),
                    )
        self._plan_and_register(student, placement_id, school_days, actual_exit, decided)

    def _plan_and_register(self, student, placement_id, school_days, actual_exit, decided):
        """The plan (more lessons in class each week), the register and the work for the
        lessons in the room, and each day's register in the chronology."""
        w, rng, rows = self.world, self.rng, self.rows
        subjects = [s for s, (n, _, _) in SUBJECTS.items() for _ in range(n)]
        rng.shuffle(subjects)
        coordinator = w.staff["coordinator"]
        for index, day in enumerate(d for d in school_days if d <= actual_exit):
            share_in_class = min(1.0, 0.2 + 0.8 * (index // 5) / max(1, len(school_days) // 5 - 1))
            attended = 0
            marked = 0
            for p, period in enumerate(w.periods):
                subject = subjects[(day.weekday() * len(w.periods) + p) % len(subjects)]
                _, code, room = SUBJECTS[subject]
                in_class = rng.random() < share_in_class
                mode = (Mode.CLASS if in_class else Mode.ONE_TO_ONE if p == 0 else Mode.ROOM).value
                common = {
                    "placement_id": placement_id,
                    "date": day,
                    "period_id": period.pk,
                }
                rows[PlanCell].append(
                    {
                        **common,
                        "mode": mode,
                        "subject": subject,
                        "class_code": f"{subject[:2]}{p + 1}",
                        "teacher_code": code or "TPR",
                        "room": room,
                        "changed_at": decided,
                    }
                )
                if in_class:
                    continue
                roll = rng.random()
                status = "present" if roll < 0.8 else "late" if roll < 0.9 else "absent"
                ended = dt.datetime.combine(day, period.ends_at, LONDON)
                marked += 1
                attended += status != "absent"
                rows[RegisterMark].append(
                    {
                        **common,
                        "status": status,
                        "engagement": rng.choice((2, 3, 3, 4, 4, 4, 5))
                        if status != "absent"
                        else None,
                        "work_completed": rng.choice(("all", "all", "some", "none"))
                        if status != "absent"
                        else "",
                        "note": rng.choice(NOTES) if rng.random() < 0.3 else "",
                        "recorded_by_id": coordinator,
                        "recorded_at": ended,
                    }
                )
                rows[WorkRequest].append(
                    {
                        **common,
                        "subject": subject,
                        "class_code": f"{subject[:2]}{p + 1}",
                        "teacher_code": code or "TPR",
                        "status": WorkRequest.Status.RETURNED.value,
                        "requested_at": decided,
                        "description": f"{subject}: the class's tasks for the lesson.",
                        "set_by_id": coordinator,
                        "set_at": _at(day - dt.timedelta(days=2), 16, 0),
                        "completed_note": rng.choice(NOTES),
                        "completed_by_id": coordinator,
                        "completed_at": ended,
                        "returned_at": ended + dt.timedelta(hours=1),
                    }
                )
            if marked:
                entry = self.event(
                    student,
                    "coordinator",
                    "room.register",
                    f"In the room on {day:%a %-d %b %Y}: attended {attended} of {marked} "
                    f"lesson{'s' if marked != 1 else ''} marked",
                    _at(day, 16, 0),
                )
                self.register_days.append(({"placement_id": placement_id, "date": day}, entry))

    # --- chronologies ---

    def chronologies(self) -> None:
        """Ordinary entries, shared out unevenly, so links reach the average asked for."""
        w, rng = self.world, self.rng
        pupils = [pk for pk, _ in w.students]
        if not pupils or not w.school_days:
            return
        wanted = round(self.options.entries_per_pupil * len(pupils))
        have = w.existing_links + sum(len(s) for _, s in self.entries)
        # An incident has two links; corrections come on top of the concerns they amend.
        budget = max(0, wanted - have)
        weights = [rng.gammavariate(0.8, 1.0) for _ in pupils]
        scale = budget / sum(weights)
        categories = w.categories
        ordinary = [c for c in categories if c != "Safeguarding"]
        authors = ["coordinator", "coordinator", "teacher", "senco", "referrer"]
        made = 0
        for pupil, weight in zip(pupils, weights, strict=True):
            share = weight * scale
            count = int(share) + (rng.random() < share - int(share))
            for _ in range(count):
                if made >= budget:
                    return
                made += self._ordinary(pupil, pupils, rng, authors, ordinary)

    def _ordinary(self, pupil, pupils, rng, authors, ordinary) -> int:
        w, staff, categories = self.world, self.world.staff, self.world.categories
        day = rng.choice(w.school_days)
        when = _at(day, rng.randint(8, 15), rng.choice((0, 10, 20, 35, 50)))
        recorded = when + dt.timedelta(minutes=rng.randint(5, 90))
        common = {"occurred_at": when, "recorded_at": recorded}
        roll = rng.random()
        if roll < 0.03:  # a safeguarding concern, for the DSL team only
            summary, account, action = rng.choice(SAFEGUARDING)
            entry = self.entry(
                [pupil],
                kind="concern",
                category_id=categories["Safeguarding"],
                author_id=staff["dsl"],
                summary=summary,
                account=account,
                **common,
            )
            self._action(entry, action, "dsl", day)
            return 1
        if roll < 0.05:  # an incident involving a second pupil
            peer = rng.choice(pupils)
            if peer == pupil:
                return 0
            self.entry(
                [pupil, peer],
                kind="incident",
                category_id=categories.get("Peer relationships"),
                author_id=staff["coordinator"],
                summary="Argument at lunch between two students",
                account="Raised voices in the canteen queue; no contact. Both spoken to "
                "separately. Both calm by 13:10.",
                **common,
            )
            return 2
        kind = rng.choice(["observation", "positive", "concern", "contact", "progress", "positive"])
        author = staff[rng.choice(authors)]
        if kind == "observation":
            category, summary, account = rng.choice(OBSERVATIONS)
            self.entry(
                [pupil],
                kind=kind,
                category_id=categories.get(category),
                author_id=author,
                summary=summary,
                account=account,
                **common,
            )
        elif kind == "positive":
            self.entry(
                [pupil], kind=kind, author_id=author, summary=rng.choice(POSITIVES), **common
            )
        elif kind == "progress":
            self.entry(
                [pupil],
                kind=kind,
                author_id=staff["coordinator"],
                summary=rng.choice(PROGRESS),
                **common,
            )
        elif kind == "contact":
            summary, method, account, agreed = rng.choice(CONTACTS)
            self.entry(
                [pupil],
                kind=kind,
                author_id=staff["coordinator"],
                summary=summary,
                account=account,
                contact_with="Parent",
                contact_method=method,
                agreed=agreed,
                **common,
            )
        else:
            category, summary, account, action = rng.choice(CONCERNS)
            entry = self.entry(
                [pupil],
                kind=kind,
                category_id=categories.get(category),
                author_id=author,
                summary=summary,
                account=account,
                **common,
            )
            self._action(entry, action, "coordinator", day)
            if rng.random() < 0.05:  # corrected the next day
                self.entry(
                    [pupil],
                    kind=kind,
                    category_id=entry["category_id"],
                    author_id=author,
                    summary=summary,
                    account=account,
                    amends=entry,
                    amendment_reason="Wrong time: it was after lunch",
                    occurred_at=when.replace(hour=13, minute=40),
                    recorded_at=recorded + dt.timedelta(days=1),
                )
                return 2
        return 1

    def _action(self, entry: dict, description: str, assignee: str, day: dt.date) -> None:
        w, rng = self.world, self.rng
        due = w.calendar.add_school_days(day, rng.randint(1, 4))
        action = {
            "description": description,
            "assignee_id": w.staff[assignee],
            "due_on": due,
            "created_at": entry["recorded_at"],
        }
        # Nearly every old action was done; the last month's are still coming in.
        done = due < w.today and rng.random() < (0.998 if (w.today - due).days > 30 else 0.7)
        completion = None
        if done:
            completion = {
                "done_by_id": w.staff[assignee],
                "done_at": max(min(_at(due, 15, 30), w.now), entry["recorded_at"]),
                "outcome": rng.choice(OUTCOMES),
            }
        self.actions.append((entry, action, completion))

    # --- ids and chains ---

    def seal(self) -> None:
        """Give entries their ids, then link each pupil's entries in recorded order."""
        w = self.world
        ids = reserve_ids(Entry, len(self.entries))
        for (row, _), pk in zip(self.entries, ids, strict=True):
            row["id"] = pk
        for row, _ in self.entries:
            amends = row.pop("amends", None)
            if amends is not None:
                row["amends_id"] = amends["id"]
        self.rows[Entry] = [row for row, _ in self.entries]
        by_pupil: dict[int, list[dict]] = defaultdict(list)
        for row, pupils in self.entries:
            for pupil in pupils:
                by_pupil[pupil].append(row)
        links = self.rows[ChronologyLink]
        for pupil, rows in by_pupil.items():
            rows.sort(key=lambda r: (r["recorded_at"], r["id"]))
            seq, prev = w.chain_ends.get(pupil, (0, chain.GENESIS))
            for row in rows:
                seq += 1
                entry = SimpleNamespace(pk=row["id"], **row)
                digest = chain.link_hash(
                    prev_hash=prev,
                    student_id=pupil,
                    seq=seq,
                    entry=entry,
                    key_id=w.key_id,
                    key=w.key,
                )
                links.append(
                    {
                        "entry_id": row["id"],
                        "student_id": pupil,
                        "seq": seq,
                        "prev_hash": prev,
                        "key_id": w.key_id,
                        "hash": digest,
                    }
                )
                prev = digest
        action_ids = reserve_ids(Action, len(self.actions))
        for (entry, action, completion), pk in zip(self.actions, action_ids, strict=True):
            self.rows[Action].append({"id": pk, "entry_id": entry["id"], **action})
            if completion is not None:
                self.rows[ActionCompletion].append({"action_id": pk, **completion})
        for day, entry in self.register_days:
            self.rows[RegisterDay].append({**day, "entry_id": entry["id"]})


def summarise(counts: dict[str, int], students: int) -> Iterable[str]:
    links = counts.get("chronology links", 0)
    yield ", ".join(f"{label} {n:,}" for label, n in counts.items())
    if students:
        yield f"chronology links per pupil: {links / students:.1f} on average"
