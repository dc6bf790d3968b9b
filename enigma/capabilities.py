"""Who may do what, said once.

Each capability names something people do in Enigma, with a one-line meaning, and
ROLES_FOR says which roles hold it. Everything else asks the same question:

- views declare what they need with @requires(Capability.X) (enigma.permissions), and
  RolePermissionMiddleware refuses a project view that declares nothing;
- services, selectors and forms ask user.can(Capability.X) (or has_capability(user, X)
  for a user that may be anonymous), and list people with
  User.objects.with_capability(Capability.X);
- templates ask {% if can.x %} (the `can` object of enigma.context_processors);
- navigation links, home pages, student tabs and panels are contributed with the
  capability their audience holds (enigma.registry).

Which students, entries and referrals a person may see is decided per object where it
always was (Student.objects.visible_to, records.access, referrals.services.referral);
those rules ask capabilities for their role part. tests/test_capabilities.py writes the
whole capability x role table out, so a change here is a visible change there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from django.core.exceptions import ImproperlyConfigured
from django.db import models

from enigma.roles import ALL_ROLES, ROOM_TEAM, Role


class Capability(models.TextChoices):
    # Students and their files
    VIEW_STUDENTS = (
        "view_students",
        "See the students one teaches, supports or referred: their details, file, "
        "timetable and placements",
    )
    SEE_ALL_STUDENTS = "see_all_students", "See every student, not only those one is linked to"
    EXPORT_STUDENTS = "export_students", "Download the student directory as CSV"
    RECORD_ENTRY = (
        "record_entry",
        "Record concerns, contacts and notes in a visible student's file, correct them "
        "and attach files",
    )
    FOLLOW_UP_ACTIONS = (
        "follow_up_actions",
        "Be given follow-up actions, and see and complete one's own",
    )
    COMPLETE_ANY_ACTION = (
        "complete_any_action",
        "Mark done a follow-up action given to someone else",
    )
    # Restricted (safeguarding) content
    READ_RESTRICTED = (
        "read_restricted",
        "Read restricted entries, their files and actions, after a fresh second-factor check",
    )
    SHARE_RESTRICTED = (
        "share_restricted",
        "Share one restricted entry with a named colleague, or give them an action on it",
    )
    OVERSEE_SAFEGUARDING = (
        "oversee_safeguarding",
        "Work the safeguarding queue: recent restricted entries and their open actions",
    )
    # Use of reasonable force (records.ForceRecord): the room team, the DSL team and the
    # school's leaders; everyone else sees only that a restricted entry exists.
    READ_FORCE_RECORDS = (
        "read_force_records",
        "Read records of the use of reasonable force and their list, after a fresh "
        "second-factor check",
    )
    RECORD_FORCE = (
        "record_force",
        "Record a use of reasonable force in a pupil's file, correct it and add its debrief",
    )
    # Interventions
    READ_INTERVENTIONS = "read_interventions", "Read interventions, their sessions and impact"
    RUN_INTERVENTIONS = (
        "run_interventions",
        "Plan interventions, record their sessions and scores, and close them",
    )
    # Referrals and decisions
    REFER = "refer", "Refer a student one may see, and follow one's own referrals"
    FOLLOW_OWN_REFERRALS = (
        "follow_own_referrals",
        "Have 'My referrals' in the menu (the rest of the room team reach referrals from "
        "their own pages)",
    )
    READ_ALL_REFERRALS = "read_all_referrals", "Read every referral and withdraw any open one"
    READ_APPROVALS = (
        "read_approvals",
        "See the referrals awaiting a decision, the room's capacity and the waiting list",
    )
    DECIDE_REFERRAL = (
        "decide_referral",
        "Approve or decline referrals, ask for more information, and order the waiting list",
    )
    # Placements and reviews
    READ_PLACEMENTS = (
        "read_placements",
        "Read placements: the boards, a placement's page, plan and calendar links, and Today",
    )
    FOLLOW_PLACEMENTS = (
        "follow_placements",
        "Have the Placements board in the menu (the school admin reads it but keeps no watch)",
    )
    MANAGE_PLACEMENTS = (
        "manage_placements",
        "Start a placement, move its exit forward, end it early or complete it, take its "
        "measures and record follow-up checks",
    )
    HOLD_REVIEW = "hold_review", "Hold a placement's weekly review"
    ATTEND_REVIEW = (
        "attend_review",
        "Be named among the staff at any placement's review (linked staff at their own students')",
    )
    SIGN_OFF_REVIEW = "sign_off_review", "Sign off mid-point and exit reviews"
    OVERSEE_ROOM = (
        "oversee_room",
        "Oversee the room day to day: Today in the menu, the reviews, exits and waiting "
        "panels, and outstanding work",
    )
    RUN_ROOM = (
        "run_room",
        "Run the room: start the day on Today, record how room lessons' work went and "
        "return work to its teacher",
    )
    # Reintegration timetables
    PLAN_REINTEGRATION = "plan_reintegration", "Change a placement's reintegration plan"
    ALLOW_EXIT_WITHOUT_SUBJECT = (
        "allow_exit_without_subject",
        "Allow a placement to end although a subject was never attended in class",
    )
    TAKE_REGISTER = "take_register", "Take the room's register and record concerns from it"
    EXPORT_ATTENDANCE = (
        "export_attendance",
        "Download the room register as DfE attendance codes by session, and see where the "
        "register and the plan disagree",
    )
    MANAGE_CALENDAR_FEEDS = (
        "manage_calendar_feeds",
        "Make and revoke a placement's calendar (.ics) links",
    )
    MANAGE_TIMETABLES = (
        "manage_timetables",
        "Import and edit students' normal timetables, and the timetable settings",
    )
    SET_WORK = "set_work", "Set work for one's own lessons that students spend in the room"
    READ_ROOM_WORK = "read_room_work", "Open the work set for any room lesson"
    # Notifications
    READ_NOTIFICATIONS = (
        "read_notifications",
        "Read one's own notifications and choose how they come",
    )
    SEE_EMAIL_PROBLEMS = "see_email_problems", "See the addresses mail could not reach"
    # The school
    MANAGE_SCHOOL = "manage_school", "Keep the school's settings and its data in the admin"
    MANAGE_CALENDAR = (
        "manage_calendar",
        "Keep the calendar: terms, half-terms, non-school days and periods",
    )
    IMPORT_MIS = "import_mis", "Import students, contacts and staff from the MIS"
    READ_AUDIT_LOG = "read_audit_log", "Read the audit log"
    # Retention and disposal (records.retention)
    REVIEW_DISPOSAL = (
        "review_disposal",
        "See the retention rules, the records due for disposal, disposals and legal holds "
        "(kind, date and rule; never restricted words)",
    )
    PROPOSE_DISPOSAL = "propose_disposal", "Propose a record that has fallen due for disposal"
    APPROVE_DISPOSAL = (
        "approve_disposal",
        "Approve or reject a disposal someone else proposed (approving removes the content)",
    )
    PLACE_LEGAL_HOLD = (
        "place_legal_hold",
        "Place a legal hold on a student's file or one record, and release it",
    )
    # The record's life: what follows the child
    EXPORT_SUBJECT_ACCESS = (
        "export_subject_access",
        "Export everything held about one pupil for a subject access request (restricted "
        "entries only for the DSL team, after a fresh second-factor check)",
    )
    TRANSFER_CP_FILE = (
        "transfer_cp_file",
        "Prepare a leaver's child-protection file and send it to the next school's DSL",
    )
    # Oversight: what leaders and governors see
    VIEW_OVERSIGHT = (
        "view_oversight",
        "See the room's figures over a period (small numbers suppressed), print the "
        "governors' report and a placement's case summary",
    )


C = Capability
# The room team but the school admin: the people who work with the room's students.
ROOM_STAFF = ROOM_TEAM - {Role.SCHOOL_ADMIN}
# Those who run the room and decide on placements (not the DSL or the school admin).
ROOM_LEADS = frozenset({Role.COORDINATOR, Role.SENCO, Role.DEPUTY_HEAD})
COORDINATOR = frozenset({Role.COORDINATOR})
SENCO = frozenset({Role.SENCO})
DSL = frozenset({Role.DSL})
SCHOOL_ADMIN = frozenset({Role.SCHOOL_ADMIN})
# Who reads records of the use of force: the room team that runs the room (coordinator),
# the DSL team, and the school's leader (the deputy head: there is no head role).
FORCE_READERS = frozenset({Role.COORDINATOR, Role.DSL, Role.DEPUTY_HEAD})

ROLES_FOR: Mapping[Capability, frozenset[Role]] = MappingProxyType(
    {
        C.VIEW_STUDENTS: ALL_ROLES,
        C.SEE_ALL_STUDENTS: ROOM_TEAM,
        C.EXPORT_STUDENTS: ROOM_TEAM,
        C.RECORD_ENTRY: ALL_ROLES,
        C.FOLLOW_UP_ACTIONS: ALL_ROLES,
        C.COMPLETE_ANY_ACTION: ROOM_TEAM,
        C.READ_RESTRICTED: DSL,
        C.SHARE_RESTRICTED: DSL,
        C.OVERSEE_SAFEGUARDING: DSL,
        C.READ_FORCE_RECORDS: FORCE_READERS,
        C.RECORD_FORCE: FORCE_READERS,
        C.READ_INTERVENTIONS: ROOM_TEAM,
        C.RUN_INTERVENTIONS: ROOM_STAFF,
        C.REFER: ROOM_STAFF | {Role.REFERRER},
        C.FOLLOW_OWN_REFERRALS: frozenset({Role.REFERRER, Role.SENCO}),
        C.READ_ALL_REFERRALS: ROOM_STAFF,
        C.READ_APPROVALS: ROOM_LEADS,
        C.DECIDE_REFERRAL: frozenset({Role.DEPUTY_HEAD}),
        C.READ_PLACEMENTS: ROOM_TEAM,
        C.FOLLOW_PLACEMENTS: ROOM_STAFF,
        C.MANAGE_PLACEMENTS: ROOM_LEADS,
        C.HOLD_REVIEW: ROOM_LEADS,
        C.ATTEND_REVIEW: ROOM_STAFF,
        C.SIGN_OFF_REVIEW: SENCO,
        C.OVERSEE_ROOM: ROOM_LEADS,
        C.RUN_ROOM: COORDINATOR,
        C.PLAN_REINTEGRATION: frozenset({Role.COORDINATOR, Role.SENCO}),
        C.ALLOW_EXIT_WITHOUT_SUBJECT: SENCO,
        C.TAKE_REGISTER: frozenset({Role.COORDINATOR, Role.SENCO}),
        # The room team that keeps the register, the deputy head, and the school admin
        # (the office, where the attendance officer reconciles with the MIS).
        C.EXPORT_ATTENDANCE: frozenset(
            {Role.COORDINATOR, Role.SENCO, Role.DEPUTY_HEAD, Role.SCHOOL_ADMIN}
        ),
        C.MANAGE_CALENDAR_FEEDS: frozenset({Role.COORDINATOR, Role.SENCO}),
        C.MANAGE_TIMETABLES: frozenset({Role.COORDINATOR, Role.SCHOOL_ADMIN}),
        C.SET_WORK: frozenset({Role.CLASS_TEACHER}),
        C.READ_ROOM_WORK: ROOM_TEAM,
        C.READ_NOTIFICATIONS: ALL_ROLES,
        C.SEE_EMAIL_PROBLEMS: SCHOOL_ADMIN,
        C.MANAGE_SCHOOL: SCHOOL_ADMIN,
        C.MANAGE_CALENDAR: SCHOOL_ADMIN,
        C.IMPORT_MIS: SCHOOL_ADMIN,
        C.READ_AUDIT_LOG: SCHOOL_ADMIN,
        # The DSL proposes; the head (the deputy head here: there is no head role) or the
        # school admin approves, so no one person can remove a record.
        C.REVIEW_DISPOSAL: frozenset({Role.DSL, Role.DEPUTY_HEAD, Role.SCHOOL_ADMIN}),
        C.PROPOSE_DISPOSAL: DSL,
        C.APPROVE_DISPOSAL: frozenset({Role.DEPUTY_HEAD, Role.SCHOOL_ADMIN}),
        C.PLACE_LEGAL_HOLD: frozenset({Role.DSL, Role.DEPUTY_HEAD, Role.SCHOOL_ADMIN}),
        C.EXPORT_SUBJECT_ACCESS: DSL | SCHOOL_ADMIN,
        C.TRANSFER_CP_FILE: DSL,
        # The head has no role of their own: the deputy head stands for the school's leaders.
        C.VIEW_OVERSIGHT: frozenset({Role.SENCO, Role.DEPUTY_HEAD}),
    }
)
del C


def roles_with(*capabilities: Capability) -> frozenset[Role]:
    """The roles that hold any of these capabilities."""
    if not capabilities:
        raise ValueError("Name at least one capability.")
    return frozenset().union(*(ROLES_FOR[Capability(c)] for c in capabilities))


def capabilities_of(roles: Iterable[Role]) -> frozenset[Capability]:
    """Every capability that any of these roles holds."""
    roles = frozenset(roles)
    return frozenset(c for c, holders in ROLES_FOR.items() if holders & roles)


def has_capability(user, *capabilities: Capability) -> bool:
    """Whether `user` (perhaps anonymous or None) holds any of these capabilities."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "roles", frozenset()) & roles_with(*capabilities))


def users_who_can(*capabilities: Capability):
    """The active people who hold any of these capabilities (a queryset of users)."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    names = sorted(r.value for r in roles_with(*capabilities))
    holders = user_model.groups.through.objects.filter(group__name__in=names)
    return user_model.objects.filter(is_active=True, pk__in=holders.values("user_id"))


class UnknownCapability(Exception):
    """A template asked for a capability that does not exist (a typo must not pass for
    'no')."""


class Can:
    """`can` in templates: {% if can.decide_referral %} is the same question as
    user.can(Capability.DECIDE_REFERRAL)."""

    def __init__(self, user):
        self._user = user

    def __getitem__(self, name: str) -> bool:
        try:
            capability = Capability(name)
        except ValueError:
            raise UnknownCapability(f"No capability is called {name!r}.") from None
        return has_capability(self._user, capability)

    def __repr__(self):
        return f"<Can {self._user}>"


if set(ROLES_FOR) != set(Capability) or not all(ROLES_FOR.values()):
    raise ImproperlyConfigured("ROLES_FOR must give every capability at least one role.")
