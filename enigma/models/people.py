import re

import pgtrigger
from django import forms
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import models, transaction
from django.db.models.functions import Lower, Upper
from django.utils.functional import cached_property

from enigma.capabilities import Capability, has_capability
from enigma.roles import Role
from enigma.validators import normalise_upn, validate_upn

# Student search (StudentQuerySet.search) without pg_trgm: the words of a student's names
# for PostgreSQL's full-text search ('simple': no stemming, no stop words, names are not
# English), and what counts as a word of a query (letters and digits; "O'Brien" is two).
NAME_WORDS = SearchVector(
    "legal_forename", "legal_surname", "preferred_forename", "preferred_surname", config="simple"
)
NAME_WORD = re.compile(r"[^\W_]+")


class UpnFormField(forms.CharField):
    """Takes a UPN as typed (any case, spaces anywhere) and gives its normal form."""

    def __init__(self, *, max_length=None, **kwargs):
        # Typed spaces may make it longer than 13; the model checks the normal form.
        super().__init__(max_length=None, **kwargs)

    def to_python(self, value):
        return normalise_upn(super().to_python(value))


class UpnField(models.CharField):
    """A UPN, always stored in its normal form (upper case, no whitespace) whichever way
    it is written: a form, save(), bulk_create, a factory. The database refuses any
    other form (Student's upn_is_normalised constraint), so UNIQUE on the column is
    uniqueness of the pupil, however the number was typed."""

    def to_python(self, value):
        value = super().to_python(value)
        return value if value is None else normalise_upn(value)

    def pre_save(self, model_instance, add):
        value = normalise_upn(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": UpnFormField, **kwargs})


def _normalised_in_sql(field: str):
    """normalise_upn as PostgreSQL computes it: upper case, every whitespace removed."""
    return Upper(
        models.Func(
            models.F(field),
            models.Value(r"\s"),
            models.Value(""),
            models.Value("g"),
            function="REGEXP_REPLACE",
            output_field=models.CharField(),
        )
    )


class User(AbstractUser):
    """A member of staff. Roles are the Django groups named after enigma.roles.Role."""

    title = models.CharField(max_length=20, blank=True, help_text="e.g. Ms, Mr, Mx, Dr")
    display_name = models.CharField(
        max_length=120, blank=True, help_text='How colleagues see the name, e.g. "Ms Okafor"'
    )
    initials = models.CharField(max_length=6, blank=True)
    mis_id = models.CharField("MIS id", max_length=40, blank=True, null=True, unique=True)

    objects = UserManager()

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]

    def __str__(self):
        return self.display_name or self.get_full_name() or self.email or self.username

    def save(self, *args, **kwargs):
        # Changes to access, password and sign-in email are audited from pre/post_save
        # (enigma.signals): atomic, so the audit row commits with the change or not at all.
        with transaction.atomic(savepoint=False):
            super().save(*args, **kwargs)

    @cached_property
    def roles(self) -> frozenset[Role]:
        """The user's roles, read once per request (one query)."""
        if not self.is_active:
            return frozenset()
        # Loaded with the signed-in person by enigma.auth_backends; asked otherwise.
        names = self.__dict__.get("role_names")
        if names is None:
            names = self.groups.values_list("name", flat=True)
        return frozenset(Role(n) for n in names if n in Role.values)

    def can(self, *capabilities: Capability) -> bool:
        """Whether this person holds any of these capabilities (enigma.capabilities)."""
        return has_capability(self, *capabilities)


class StudentQuerySet(models.QuerySet):
    def visible_to(self, user) -> "StudentQuerySet":
        """The students `user` may see: the one rule that lists and lookups share.

        Those who may see every student (the room team) see everyone; other staff see
        the students they are linked to (their classes, their tutees, the students they
        referred).
        """
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.can(Capability.SEE_ALL_STUDENTS):
            return self
        if not user.can(Capability.VIEW_STUDENTS):
            return self.none()
        return self.filter(
            models.Exists(
                StudentStaffLink.objects.filter(student=models.OuterRef("pk"), staff=user)
            )
        )

    def with_record(self) -> "StudentQuerySet":
        """Those whose remaining record has not been disposed of: a disposed (anonymised)
        pupil is listed, searched and offered nowhere; their page says what became of it."""
        return self.filter(record_disposed_at__isnull=True)

    def search(self, text: str) -> "StudentQuerySet":
        """Students matching `text`, annotated with `search_rank` (0: the UPN, MIS id or
        tutor group exactly; 1: a name starting with it; 2: every word of it starting a
        word of their names, PostgreSQL's full-text search). Each test has an index of its
        own (Student.Meta.indexes), so a search reads the matches, not the roll; order by
        search_rank to put the best first."""
        text = " ".join(text.split())
        if not text:
            return self
        exact = (
            models.Q(upn=normalise_upn(text))
            | models.Q(upper_mis_id=text.upper())
            | models.Q(upper_tutor_group=text.upper())
        )
        prefix = models.Q()
        if " " not in text:
            low = text.lower()
            prefix = (
                models.Q(lower_legal_surname__startswith=low)
                | models.Q(lower_legal_forename__startswith=low)
                | models.Q(lower_preferred_surname__startswith=low)
                | models.Q(lower_preferred_forename__startswith=low)
            )
        words = NAME_WORD.findall(text.lower())
        full_text = models.Q()
        if words:
            full_text = models.Q(
                name_words=SearchQuery(
                    " & ".join(f"{w}:*" for w in words), search_type="raw", config="simple"
                )
            )
        ranks = [models.When(exact, then=0)]
        if prefix:
            ranks.append(models.When(prefix, then=1))
        return (
            self.alias(
                upper_mis_id=Upper("mis_id"),
                upper_tutor_group=Upper("tutor_group"),
                lower_legal_surname=Lower("legal_surname"),
                lower_legal_forename=Lower("legal_forename"),
                lower_preferred_surname=Lower("preferred_surname"),
                lower_preferred_forename=Lower("preferred_forename"),
                name_words=NAME_WORDS,
            )
            .filter(exact | prefix | full_text)
            .annotate(
                search_rank=models.Case(
                    *ranks,
                    default=2,
                    output_field=models.IntegerField(),
                )
            )
        )


class Ethnicity(models.TextChoices):
    """The DfE's main ethnicity codes (school census), as the MIS exports them."""

    WBRI = "WBRI", "White - British"
    WIRI = "WIRI", "White - Irish"
    WIRT = "WIRT", "Traveller of Irish heritage"
    WROM = "WROM", "Gypsy / Roma"
    WOTH = "WOTH", "Any other White background"
    MWBC = "MWBC", "White and Black Caribbean"
    MWBA = "MWBA", "White and Black African"
    MWAS = "MWAS", "White and Asian"
    MOTH = "MOTH", "Any other mixed background"
    AIND = "AIND", "Indian"
    APKN = "APKN", "Pakistani"
    ABAN = "ABAN", "Bangladeshi"
    AOTH = "AOTH", "Any other Asian background"
    BCRB = "BCRB", "Black Caribbean"
    BAFR = "BAFR", "Black African"
    BOTH = "BOTH", "Any other Black background"
    CHNE = "CHNE", "Chinese"
    OOTH = "OOTH", "Any other ethnic group"
    REFU = "REFU", "Refused"
    NOBT = "NOBT", "Information not yet obtained"


# The DfE's major groups, as its statistics report them. Refused, not obtained and
# blank are one group, "Not recorded": a pupil is counted there, never dropped.
ETHNIC_GROUPS: dict[str, tuple[str, ...]] = {
    "White": ("WBRI", "WIRI", "WIRT", "WROM", "WOTH"),
    "Mixed": ("MWBC", "MWBA", "MWAS", "MOTH"),
    "Asian": ("AIND", "APKN", "ABAN", "AOTH"),
    "Black": ("BCRB", "BAFR", "BOTH"),
    "Chinese": ("CHNE",),
    "Any other ethnic group": ("OOTH",),
}
NOT_RECORDED = "Not recorded"


def ethnic_group(code: str) -> str:
    """The major group of a DfE ethnicity code; "Not recorded" for anything else."""
    for group, codes in ETHNIC_GROUPS.items():
        if code in codes:
            return group
    return NOT_RECORDED


class Student(models.Model):
    """A student on (or once on) the school's roll. Never deleted: leavers go off roll."""

    class SenStatus(models.TextChoices):
        NONE = "N", "No SEN"
        SEN_SUPPORT = "K", "SEN support"
        EHCP = "E", "EHC plan"

    class Gender(models.TextChoices):
        FEMALE = "F", "Female"
        MALE = "M", "Male"
        OTHER = "X", "Other / not stated"

    upn = UpnField(
        "UPN",
        max_length=13,
        unique=True,
        validators=[validate_upn],
        help_text="The 13-character Unique Pupil Number, starting with its check letter.",
    )
    mis_id = models.CharField("MIS id", max_length=40, blank=True, null=True, unique=True)
    legal_forename = models.CharField(max_length=100)
    legal_surname = models.CharField(max_length=100)
    preferred_forename = models.CharField(max_length=100, blank=True)
    preferred_surname = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    year_group = models.PositiveSmallIntegerField()
    tutor_group = models.CharField(max_length=20, blank=True)
    gender = models.CharField(max_length=1, choices=Gender.choices, default=Gender.OTHER)
    sen_status = models.CharField(
        "SEN status", max_length=1, choices=SenStatus.choices, default=SenStatus.NONE
    )
    pupil_premium = models.BooleanField(default=False)
    free_school_meals = models.BooleanField("free school meals", default=False)
    looked_after = models.BooleanField("looked after", default=False)
    eal = models.BooleanField("EAL", default=False, help_text="English as an additional language")
    ethnicity = models.CharField(
        max_length=4,
        choices=Ethnicity.choices,
        blank=True,
        help_text="The DfE main code from the MIS; blank when the MIS has none.",
    )
    on_roll = models.BooleanField(default=True)
    left_on = models.DateField("left on", null=True, blank=True)
    # Set, with the row anonymised, by the disposal of the pupil's remaining record (the
    # disclosure app's database function); the audit log's words about the pupil may then
    # be blanked (enigma.db.audit_triggers).
    record_disposed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StudentQuerySet.as_manager()

    class Meta:
        ordering = ["legal_surname", "legal_forename", "pk"]
        indexes = [
            models.Index(fields=["legal_surname", "legal_forename", "id"]),
            models.Index(fields=["year_group", "legal_surname"]),
            models.Index(fields=["tutor_group"]),
            # The directory lists pupils on roll: its count, its year groups and a deep
            # page's offset are read from these alone (index-only), not the whole roll.
            # record_disposed_at is carried too: every list leaves disposed pupils out
            # (StudentQuerySet.with_record), which without it read each row skipped to a
            # deep page from the table (page 200: 10,000 rows' pages, ~12 ms).
            models.Index(
                fields=["legal_surname", "legal_forename", "id"],
                include=["record_disposed_at"],
                condition=models.Q(on_roll=True),
                name="student_on_roll_order",
            ),
            models.Index(
                fields=["year_group"], condition=models.Q(on_roll=True), name="student_on_roll_year"
            ),
            # Search (StudentQuerySet.search): exact MIS id and tutor group in any case,
            # names by prefix (pattern_ops, so LIKE 'smi%' reads the index whatever the
            # collation; lower() gives text), and the words of the names for full-text search.
            models.Index(Upper("mis_id"), name="student_mis_id_upper"),
            models.Index(Upper("tutor_group"), name="student_tutor_group_upper"),
            *(
                models.Index(OpClass(Lower(field), name="text_pattern_ops"), name=name)
                for field, name in (
                    ("legal_surname", "student_surname_prefix"),
                    ("legal_forename", "student_forename_prefix"),
                    ("preferred_surname", "student_pref_surname_prefix"),
                    ("preferred_forename", "student_pref_forename_prefix"),
                )
            ),
            GinIndex(NAME_WORDS, name="student_name_words"),
        ]
        constraints = [
            models.CheckConstraint(
                name="year_group_0_to_14", condition=models.Q(year_group__lte=14)
            ),
            models.CheckConstraint(
                name="upn_is_normalised", condition=models.Q(upn=_normalised_in_sql("upn"))
            ),
            models.CheckConstraint(
                name="leavers_are_off_roll",
                condition=models.Q(left_on__isnull=True) | models.Q(on_roll=False),
            ),
        ]
        triggers = [
            # Students who leave are marked off roll; their file is never deleted.
            pgtrigger.Protect(name="students_never_deleted", operation=pgtrigger.Delete),
        ]

    def __str__(self):
        return self.name

    @property
    def forename(self) -> str:
        return self.preferred_forename or self.legal_forename

    @property
    def surname(self) -> str:
        return self.preferred_surname or self.legal_surname

    @property
    def name(self) -> str:
        if self.record_disposed_at is not None:  # anonymised: no name is left to show
            return f"Pupil {self.pk} (record disposed of)"
        return f"{self.forename} {self.surname}"

    @property
    def legal_name(self) -> str:
        return f"{self.legal_forename} {self.legal_surname}"

    @property
    def uses_preferred_name(self) -> bool:
        return self.name != self.legal_name


class Contact(models.Model):
    """A parent, carer or other contact for a student."""

    class Relationship(models.TextChoices):
        MOTHER = "mother", "Mother"
        FATHER = "father", "Father"
        PARENT = "parent", "Parent"
        STEP_PARENT = "step_parent", "Step-parent"
        GRANDPARENT = "grandparent", "Grandparent"
        FOSTER_CARER = "foster_carer", "Foster carer"
        CARER = "carer", "Carer"
        SOCIAL_WORKER = "social_worker", "Social worker"
        OTHER_RELATIVE = "other_relative", "Other relative"
        OTHER = "other", "Other"

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="contacts")
    mis_id = models.CharField("MIS id", max_length=40, blank=True)
    title = models.CharField(max_length=20, blank=True)
    forename = models.CharField(max_length=100, blank=True)
    surname = models.CharField(max_length=100)
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    parental_responsibility = models.BooleanField(default=False)
    lives_with_student = models.BooleanField(default=False)
    priority = models.PositiveSmallIntegerField(default=1, help_text="1 is contacted first")
    mobile_phone = models.CharField(max_length=40, blank=True)
    home_phone = models.CharField(max_length=40, blank=True)
    work_phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)

    class Meta:
        ordering = ["student", "priority", "surname"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "mis_id"],
                condition=~models.Q(mis_id=""),
                name="contact_mis_id_unique_per_student",
            ),
        ]

    def __str__(self):
        return " ".join(p for p in (self.title, self.forename, self.surname) if p)


class StudentStaffLink(models.Model):
    """Why a member of staff outside the room team may see a student.

    Written by the apps that know the relationship (timetables: class teacher;
    referrals: referrer) and by the school admin; read by Student.objects.visible_to.
    """

    class Relationship(models.TextChoices):
        CLASS_TEACHER = "class_teacher", "Class teacher"
        TUTOR = "tutor", "Tutor"
        REFERRER = "referrer", "Referrer"
        KEY_ADULT = "key_adult", "Key adult"

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="staff_links")
    staff = models.ForeignKey(User, on_delete=models.CASCADE, related_name="student_links")
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["student", "staff", "relationship"], name="student_staff_link_unique"
            ),
        ]
        indexes = [models.Index(fields=["staff", "student"])]

    def __str__(self):
        return f"{self.staff} – {self.get_relationship_display()} of {self.student}"
