"""factory-boy factories for the core's data."""

import datetime as dt
import random

import factory
from django.contrib.auth.models import Group
from stdnum.gb import upn as stdnum_upn

from enigma.models import Contact, NonSchoolDay, Period, Student, StudentStaffLink, Term, User
from enigma.roles import Role

PASSWORD = "correct-horse-battery-staple"


def make_upn(serial: int, la: str = "801", estab: str = "4001", year: str = "15") -> str:
    """A valid UPN for a serial number: LA, establishment, year, serial, check letter."""
    body = f"{la}{estab}{year}{serial % 1000:03d}"
    if serial >= 1000:  # temporary-style variation keeps numbers unique across many students
        body = f"{la}{(int(estab) + serial // 1000) % 10000:04d}{year}{serial % 1000:03d}"
    return stdnum_upn.calc_check_digit(body) + body


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@school.example.org")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    title = "Mx"
    display_name = factory.LazyAttribute(lambda o: f"{o.title} {o.last_name}")
    initials = factory.LazyAttribute(lambda o: (o.first_name[:1] + o.last_name[:1]).upper())
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create or not extracted:
            return
        for role in extracted:
            self.groups.add(Group.objects.get_or_create(name=Role(role).value)[0])
        self.__dict__.pop("roles", None)


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    upn = factory.Sequence(lambda n: make_upn(n))
    mis_id = factory.Sequence(lambda n: f"ADM{n:05d}")
    legal_forename = factory.Faker("first_name", locale="en_GB")
    legal_surname = factory.Faker("last_name", locale="en_GB")
    date_of_birth = factory.LazyFunction(
        lambda: dt.date(2012, 9, 1) + dt.timedelta(days=random.randint(0, 364))
    )
    year_group = 9
    tutor_group = "9A"
    gender = Student.Gender.FEMALE


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    student = factory.SubFactory(StudentFactory)
    forename = factory.Faker("first_name", locale="en_GB")
    surname = factory.LazyAttribute(lambda o: o.student.legal_surname)
    relationship = Contact.Relationship.MOTHER
    parental_responsibility = True
    mobile_phone = "07700 900123"


class LinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StudentStaffLink

    student = factory.SubFactory(StudentFactory)
    staff = factory.SubFactory(UserFactory)
    relationship = StudentStaffLink.Relationship.CLASS_TEACHER


class TermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Term

    name = "Autumn 2026"
    starts_on = dt.date(2026, 9, 2)
    ends_on = dt.date(2026, 12, 18)
    half_term_starts_on = dt.date(2026, 10, 26)
    half_term_ends_on = dt.date(2026, 10, 30)


class NonSchoolDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NonSchoolDay

    date = dt.date(2026, 9, 1)
    kind = NonSchoolDay.Kind.INSET
    description = "INSET day"


class PeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Period

    name = factory.Sequence(lambda n: f"P{n + 1}")
    kind = Period.Kind.LESSON
    starts_at = dt.time(9, 0)
    ends_at = dt.time(10, 0)


class InterventionFactory(factory.django.DjangoModelFactory):
    """An intervention; pass students=[...] to put students on it."""

    class Meta:
        model = "records.Intervention"
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Reading catch-up {n}")
    focus = "literacy"
    lead = factory.SubFactory(UserFactory, roles=[Role.COORDINATOR])
    planned_sessions = 6
    schedule = "Tuesdays and Thursdays, period 2"
    starts_on = dt.date(2026, 11, 2)
    targets = "Read a Year 7 text aloud with fewer than five errors a page."
    measure_name = "Reading age (months)"
    scale_min = 60
    scale_max = 200
    created_by = factory.SelfAttribute("lead")

    @factory.post_generation
    def students(self, create, extracted, **kwargs):
        if not create or not extracted:
            return
        from records.models import InterventionStudent

        for student in extracted:
            InterventionStudent.objects.create(intervention=self, student=student)
