"""The demo school: a calendar, one login per role, and students with contacts.

Deterministic (seeded random) and idempotent: running it again adds only what is
missing, so `make run` can call it every time.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

import holidays
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from stdnum.gb import upn as stdnum_upn

from enigma.models import (
    Contact,
    NonSchoolDay,
    Period,
    SchoolSettings,
    Student,
    StudentStaffLink,
    Term,
    User,
)
from enigma.roles import Role

DEMO_DOMAIN = "example.org"
DEMO_MIS_PREFIX = "DEMO"

FORENAMES = [
    "Amara",
    "Oliver",
    "Zainab",
    "Noah",
    "Freya",
    "Kofi",
    "Isla",
    "Mohammed",
    "Ava",
    "Leo",
    "Maya",
    "Harrison",
    "Aisha",
    "Theo",
    "Ruby",
    "Yusuf",
    "Poppy",
    "Jack",
    "Nia",
    "Finley",
    "Erin",
    "Tomasz",
    "Ivy",
    "Arjun",
    "Chloe",
    "Dylan",
    "Hana",
    "Reuben",
    "Esme",
    "Kai",
    "Lily",
    "Ibrahim",
    "Grace",
    "Callum",
    "Sofia",
    "Mason",
    "Layla",
    "Rhys",
    "Evie",
    "Alfie",
    "Zara",
    "Logan",
    "Mia",
    "Ellis",
]
SURNAMES = [
    "Smith",
    "Okafor",
    "Patel",
    "Jones",
    "Nowak",
    "Williams",
    "Begum",
    "Taylor",
    "Brown",
    "Khan",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Roberts",
    "Ahmed",
    "Johnson",
    "Walker",
    "Wright",
    "Robinson",
    "Thompson",
    "Hughes",
    "Green",
    "Hall",
    "Lewis",
    "Clarke",
    "Mensah",
    "Jackson",
    "Wood",
    "Harris",
    "Martin",
    "Cooper",
    "King",
    "Lee",
    "Baker",
    "Ali",
    "Singh",
    "Kaur",
    "Murphy",
]
# Preferred names some students go by.
SHORT_NAMES = {
    "Oliver": "Ollie",
    "Harrison": "Harry",
    "Mohammed": "Mo",
    "Finley": "Finn",
    "Tomasz": "Tomek",
    "Ibrahim": "Ibby",
    "Alfie": "Alf",
    "Callum": "Cal",
}

CARER_FORENAMES = {
    "mother": ("Sarah", "Fatima", "Joanne", "Aleksandra", "Precious", "Lisa"),
    "father": ("Michael", "David", "Paul", "Mark", "Tariq", "Grzegorz"),
    "grandparent": ("Margaret", "Patrick", "Shirley", "Winston"),
    "carer": ("Jordan", "Sam", "Alex", "Chris"),
}

STAFF = [
    # (email local part, title, first, last, roles)
    ("coordinator", "Ms", "Claire", "Okonjo", [Role.COORDINATOR]),
    ("senco", "Mr", "Simon", "Achterberg", [Role.SENCO]),
    ("deputy", "Mrs", "Deborah", "Hale", [Role.DEPUTY_HEAD]),
    ("referrer", "Mr", "Rashid", "Iqbal", [Role.REFERRER]),
    ("teacher", "Miss", "Tamsin", "Price", [Role.CLASS_TEACHER]),
    ("dsl", "Ms", "Dina", "Levy", [Role.DSL]),
    ("admin", "Mr", "Adam", "Fletcher", [Role.SCHOOL_ADMIN]),
]


@dataclass
class SeedSummary:
    logins: list[tuple[str, str]] = field(default_factory=list)
    students_created: int = 0
    students_total: int = 0
    extra: list[str] = field(default_factory=list)


def make_upn(serial: int, la: str = "801") -> str:
    """A valid UPN for a demo serial number (LA 801, made-up establishment numbers)."""
    estab = 4000 + serial // 1000
    body = f"{la}{estab:04d}{15 + (serial // 1000) % 10:02d}{serial % 1000:03d}"
    return stdnum_upn.calc_check_digit(body) + body


def _weekday_on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def _weekday_on_or_before(day: dt.date, weekday: int) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - weekday) % 7)


def _week_of(monday: dt.date) -> tuple[dt.date, dt.date]:
    return monday, monday + dt.timedelta(days=4)


def demo_terms(first_year: int) -> list[tuple[str, dt.date, dt.date, dt.date, dt.date]]:
    """Typical English term dates for the academic year starting in September first_year:
    (name, first day, last day, half-term first day, half-term last day)."""
    mon, wed, fri = 0, 2, 4
    y, z = first_year, first_year + 1
    autumn = (
        _weekday_on_or_after(dt.date(y, 9, 2), wed),
        _weekday_on_or_before(dt.date(y, 12, 20), fri),
        *_week_of(_weekday_on_or_before(dt.date(y, 10, 31), mon)),
    )
    spring_end = _weekday_on_or_before(dt.date(z, 3, 28), fri)
    spring_start = dt.date(z, 1, 4)
    while spring_start.weekday() > fri:
        spring_start += dt.timedelta(days=1)
    spring = (
        spring_start,
        spring_end,
        *_week_of(_weekday_on_or_after(dt.date(z, 2, 15), mon)),
    )
    summer = (
        spring_end + dt.timedelta(days=17),
        _weekday_on_or_before(dt.date(z, 7, 22), wed),
        *_week_of(_weekday_on_or_before(dt.date(z, 5, 31), mon)),
    )
    return [
        (f"Autumn {y}", *autumn),
        (f"Spring {z}", *spring),
        (f"Summer {z}", *summer),
    ]


def seed_calendar(today: dt.date | None = None) -> None:
    """Last academic year (the oversight pages' "a year earlier"), this one and the next,
    so the demo always has school days ahead and a history behind."""
    today = today or timezone.localdate()
    this_year = today.year if today.month >= 8 else today.year - 1
    terms = demo_terms(this_year - 1) + demo_terms(this_year) + demo_terms(this_year + 1)
    for name, start, end, hts, hte in terms:
        if Term.objects.filter(starts_on__lte=end, ends_on__gte=start).exists():
            continue  # already there, or the school admin entered this term: keep theirs
        Term.objects.create(
            name=name,
            starts_on=start,
            ends_on=end,
            half_term_starts_on=hts,
            half_term_ends_on=hte,
        )
        if not name.startswith("Summer"):
            NonSchoolDay.objects.get_or_create(
                date=start, defaults={"kind": NonSchoolDay.Kind.INSET, "description": "INSET day"}
            )
    in_terms = list(Term.objects.values_list("starts_on", "ends_on"))
    years = sorted({d.year for t in terms for d in t[1:3]})
    for day, name in holidays.country_holidays("GB", subdiv="ENG", years=years).items():
        if day.weekday() < 5 and any(start <= day <= end for start, end in in_terms):
            NonSchoolDay.objects.get_or_create(
                date=day, defaults={"kind": NonSchoolDay.Kind.BANK_HOLIDAY, "description": name}
            )
    periods = [
        ("Registration", Period.Kind.REGISTRATION, "08:40", "09:00"),
        ("P1", Period.Kind.LESSON, "09:00", "10:00"),
        ("P2", Period.Kind.LESSON, "10:00", "11:00"),
        ("Break", Period.Kind.BREAK, "11:00", "11:20"),
        ("P3", Period.Kind.LESSON, "11:20", "12:20"),
        ("Lunch", Period.Kind.LUNCH, "12:20", "13:05"),
        ("P4", Period.Kind.LESSON, "13:05", "14:05"),
        ("P5", Period.Kind.LESSON, "14:05", "15:05"),
    ]
    for name, kind, start, end in periods:
        Period.objects.get_or_create(
            name=name, defaults={"kind": kind, "starts_at": start, "ends_at": end}
        )


def seed_staff(password: str) -> list[tuple[str, str]]:
    logins = []
    for local, title, first, last, roles in STAFF:
        email = f"{local}@{DEMO_DOMAIN}"
        user, _ = User.objects.get_or_create(
            email=email,
            defaults={
                "username": local,
                "title": title,
                "first_name": first,
                "last_name": last,
                "display_name": f"{title} {last}",
                "initials": first[0] + last[0],
                "is_staff": Role.SCHOOL_ADMIN in roles,
                # Set with the new account, not saved after it: a password set on an
                # existing account is audited and the person told (enigma.services.accounts).
                "password": make_password(password),
            },
        )
        user.groups.add(*Group.objects.filter(name__in=[r.value for r in roles]))
        logins.append((", ".join(r.label for r in roles), email))
    return logins


def _student(rng: random.Random, serial: int) -> Student:
    year = 7 + serial % 5
    born = dt.date(2026 - year - 5, 9, 1) + dt.timedelta(days=rng.randrange(365))
    forename = rng.choice(FORENAMES)
    return Student(
        upn=make_upn(serial),
        mis_id=f"{DEMO_MIS_PREFIX}{serial:06d}",
        legal_forename=forename,
        legal_surname=rng.choice(SURNAMES),
        preferred_forename=SHORT_NAMES.get(forename, "") if rng.random() < 0.3 else "",
        date_of_birth=born,
        year_group=year,
        tutor_group=f"{year}{'ABCDEF'[rng.randrange(6)]}",
        gender=rng.choice("FFMMX" if rng.random() < 0.1 else "FM"),
        sen_status=rng.choices("NKE", weights=(80, 15, 5))[0],
        pupil_premium=rng.random() < 0.25,
        free_school_meals=rng.random() < 0.2,
        looked_after=rng.random() < 0.02,
        eal=rng.random() < 0.15,
        ethnicity=_ethnicity(serial),
    )


# Roughly the mix of England's secondary pupils (DfE school census), with some not
# recorded ("" blank, REFU refused, NOBT not obtained), so every group has pupils.
ETHNICITY_WEIGHTS = {
    "WBRI": 60, "WIRI": 0.4, "WIRT": 0.2, "WROM": 0.4, "WOTH": 7,
    "MWBC": 1.5, "MWBA": 1, "MWAS": 1.5, "MOTH": 2,
    "AIND": 3.5, "APKN": 4, "ABAN": 2, "AOTH": 2,
    "BAFR": 4, "BCRB": 1, "BOTH": 1,
    "CHNE": 0.5, "OOTH": 2, "REFU": 1, "NOBT": 1, "": 4,
}  # fmt: skip


def _ethnicity(serial: int) -> str:
    # Its own generator, so the other details of the demo's students stay as they were.
    rng = random.Random(f"ethnicity-{serial}")  # noqa: S311 - demo data
    return rng.choices(list(ETHNICITY_WEIGHTS), weights=list(ETHNICITY_WEIGHTS.values()))[0]


def _contacts(rng: random.Random, student: Student) -> list[Contact]:
    relationship = rng.choice([Contact.Relationship.MOTHER, Contact.Relationship.FATHER])
    first = Contact(
        student=student,
        forename=rng.choice(CARER_FORENAMES[relationship]),
        surname=student.legal_surname,
        relationship=relationship,
        parental_responsibility=True,
        lives_with_student=True,
        priority=1,
        mobile_phone=f"07700 900{rng.randrange(1000):03d}",
        email=f"carer{student.pk}@{DEMO_DOMAIN}",
        address=f"{rng.randrange(1, 200)} Station Road\nBristol\nBS1 {rng.randrange(1, 9)}AA",
    )
    contacts = [first]
    if rng.random() < 0.6:
        second = rng.choice(
            [
                Contact.Relationship.GRANDPARENT,
                Contact.Relationship.CARER,
                Contact.Relationship.FATHER,
            ]
        )
        contacts.append(
            Contact(
                student=student,
                forename=rng.choice(CARER_FORENAMES[second]),
                surname=rng.choice(SURNAMES),
                relationship=second,
                priority=2,
                home_phone=f"0117 496 0{rng.randrange(1000):03d}",
            )
        )
    return contacts


def seed_students(count: int, batch: int = 2000) -> int:
    """Create demo students (with contacts) up to `count`; returns how many were added."""
    existing = Student.objects.filter(mis_id__startswith=DEMO_MIS_PREFIX).count()
    created = 0
    for start in range(existing, count, batch):
        rng = random.Random(start)  # noqa: S311 - demo data, not security
        students = [_student(rng, n) for n in range(start, min(start + batch, count))]
        with transaction.atomic():
            Student.objects.bulk_create(students)
            Contact.objects.bulk_create([c for s in students for c in _contacts(rng, s)])
        created += len(students)
    return created


def seed_links() -> None:
    """Give the demo class teacher and referrer some students of their own."""
    teacher = User.objects.get(email=f"teacher@{DEMO_DOMAIN}")
    referrer = User.objects.get(email=f"referrer@{DEMO_DOMAIN}")
    demo = Student.objects.filter(mis_id__startswith=DEMO_MIS_PREFIX).order_by("mis_id")
    for student in demo.filter(year_group=9)[:28]:
        StudentStaffLink.objects.get_or_create(
            student=student, staff=teacher, relationship=StudentStaffLink.Relationship.CLASS_TEACHER
        )
    for student in demo.filter(year_group=8)[:4]:
        StudentStaffLink.objects.get_or_create(
            student=student, staff=referrer, relationship=StudentStaffLink.Relationship.REFERRER
        )


def seed(*, students: int = 120, password: str) -> SeedSummary:
    settings_row = SchoolSettings.load()
    if settings_row.school_name == "Our school":
        settings_row.school_name = "Riverside Academy"
        settings_row.save(update_fields=["school_name"])
    seed_calendar()
    summary = SeedSummary(logins=seed_staff(password))
    summary.students_created = seed_students(students)
    seed_links()
    summary.students_total = Student.objects.count()
    summary.extra = [seeder() for seeder in app_seeders()]
    return summary


def app_seeders():
    """Each app's demo data, made after the core's; each returns a line for seed_demo to
    print. The reminders' sweep runs before the timetables' work is set, as it always has
    (so the first seed's reminders are about placements and reviews, not work)."""
    from devtools.demo.notifications import seed_notifications
    from devtools.demo.records import (
        seed_chronologies,
        seed_force_and_leavers,
        seed_interventions,
    )
    from devtools.demo.referrals import seed_placements
    from devtools.demo.timetables import seed_timetables

    return (
        seed_chronologies,
        seed_interventions,
        seed_placements,
        seed_notifications,
        seed_timetables,
        seed_force_and_leavers,
    )
