"""Staff accounts, matched by MIS id then email. Roles (optional) map onto the groups
named after enigma.roles.Role. New accounts get an unusable password: staff set one
through "forgotten password" or sign in with the school's SSO. is_staff and
is_superuser are never touched."""

from __future__ import annotations

import operator
import re
from collections import defaultdict
from functools import reduce
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db.models import Q

from enigma.models import User
from enigma.roles import Role
from enigma.services import accounts

from . import fields
from .common import BATCH, MISSING, Row, apply_values, max_length
from .headers import normalise
from .matching import Key
from .planning import RecordImport
from .result import Change, RowError

TEXT_FIELDS = ("title", "first_name", "last_name", "display_name", "initials")
REQUIRED = {"first_name", "last_name"}
ROLE_NAMES: dict[str, Role] = {}
for _role in Role:
    ROLE_NAMES[normalise(_role.value)] = _role
    ROLE_NAMES[normalise(_role.label)] = _role
ROLE_NAMES.update(
    {
        "roomcoordinator": Role.COORDINATOR,
        "sendco": Role.SENCO,
        "deputy": Role.DEPUTY_HEAD,
        "deputyheadteacher": Role.DEPUTY_HEAD,
        "teacher": Role.CLASS_TEACHER,
        "designatedsafeguardinglead": Role.DSL,
        "schooladministrator": Role.SCHOOL_ADMIN,
    }
)
_SPLIT = re.compile(r"[;,|/\n]+")

EXAMPLE = {
    "Staff ID": "S0042",
    "Title": "Ms",
    "Forename": "Jo",
    "Surname": "Example",
    "Email": "j.example@school.example.org",
    "Roles": "coordinator; senco",
}


def read_roles(row: Row) -> Any:
    """The set of roles, or MISSING when the column is absent or the cell is empty."""
    if not row.has("roles"):
        return MISSING
    given = [p.strip() for p in _SPLIT.split(row.raw("roles")) if p.strip()]
    if not given:
        return MISSING
    roles, unknown = set(), []
    for name in given:
        role = ROLE_NAMES.get(normalise(name))
        if role is None:
            unknown.append(name)
        else:
            roles.add(role)
    if unknown:
        row.error(
            "roles",
            f"{', '.join(repr(u) for u in unknown)} "
            f"{'is not a role' if len(unknown) == 1 else 'are not roles'} in Enigma. "
            f"The roles are: {', '.join(r.value for r in Role)}.",
        )
        return MISSING
    return frozenset(roles)


def read_values(row: Row) -> dict[str, Any]:
    values: dict[str, Any] = {
        "mis_id": row.read("mis_id", fields.text, max_length=max_length(User, "mis_id")),
        "email": row.read(
            "email", fields.email, required=True, max_length=max_length(User, "email")
        ),
    }
    for name in TEXT_FIELDS:
        values[name] = row.read(
            name, fields.text, max_length=max_length(User, name), required=name in REQUIRED
        )
    values["roles"] = read_roles(row)
    return {k: v for k, v in values.items() if v is not MISSING}


def _roles_text(roles) -> str:
    return ", ".join(sorted(r.value for r in roles)) or "–"


def _label(values: dict[str, Any]) -> str:
    return f"{values['last_name']}, {values['first_name']} ({values['email']})"


def _username(email: str, taken: set[str]) -> str:
    base = email.lower()[:150]
    name, n = base, 1
    while name.casefold() in taken:
        n += 1
        suffix = f"-{n}"
        name = base[: 150 - len(suffix)] + suffix
    taken.add(name.casefold())
    return name


class StaffImport(RecordImport[User]):
    model = User
    keys = (
        Key(
            "mis_id",
            "MIS id",
            given=lambda v: v.get("mis_id") or None,
            held=lambda u: u.mis_id or None,
            fixed=True,
        ),
        Key(
            "email",
            "email address",
            given=lambda v: v.get("email", "").casefold() or None,
            held=lambda u: u.email.casefold() or None,
        ),
    )
    same_record = "This row and line {others} match the same member of staff."
    EXAMPLE = EXAMPLE

    def __init__(self) -> None:
        super().__init__()
        self.usernames: set[str] = set()
        self.current_roles: dict[int, set[Role]] = defaultdict(set)
        self.role_adds: list[tuple[User, Role]] = []
        self.role_removes: list[tuple[User, Role]] = []
        self.email_changes: list[tuple[User, str]] = []  # (user, the email they had)

    def records(self, rows) -> list[User]:
        users = list(User.objects.all())
        self.usernames = {u.username.casefold() for u in users}
        for user_id, name in User.groups.through.objects.filter(
            group__name__in=Role.values
        ).values_list("user_id", "group__name"):
            self.current_roles[user_id].add(Role(name))
        return users

    def read(self, row: Row) -> dict[str, Any]:
        return read_values(row)

    def conflict(self, values: dict[str, Any], a: User, b: User) -> str:
        return (
            f"{values['email']} is already the email of another member of staff "
            "(not the one with this MIS id)."
        )

    def taken(self, values: dict[str, Any], record: User) -> str:
        return (
            f"{values['email']} belongs to a member of staff whose MIS id is "
            f"{record.mis_id}, not {values['mis_id']}."
        )

    def create(self, row: Row, values: dict[str, Any]) -> tuple[User, str, list[Change]]:
        roles = values.pop("roles", None)
        if not values.get("display_name"):
            values["display_name"] = " ".join(
                p for p in (values.get("title", ""), values["last_name"]) if p
            )
        if not values.get("initials"):
            values["initials"] = (values["first_name"][:1] + values["last_name"][:1]).upper()
        new = User(username=_username(values["email"], self.usernames), is_active=True, **values)
        new.set_unusable_password()
        self.role_adds.extend((new, r) for r in roles or ())
        return new, _label(values), [Change("Roles", "–", _roles_text(roles or ()), "roles")]

    def update(self, row: Row, values: dict[str, Any], record: User) -> tuple[str, list[Change]]:
        roles = values.pop("roles", None)
        old_email = record.email
        changes = apply_values(record, values)
        if any(c.name == "email" for c in changes) and old_email:
            self.email_changes.append((record, old_email))
        if roles is not None:
            changes.extend(self._role_changes(row, record, set(roles)))
        return _label(values), changes

    def _role_changes(self, row: Row, user: User, want: set[Role]) -> list[Change]:
        have = self.current_roles.get(user.pk, set())
        if Role.SCHOOL_ADMIN in have and Role.SCHOOL_ADMIN not in want:
            want.add(Role.SCHOOL_ADMIN)
            self.plan.warnings.append(
                RowError(
                    row.line,
                    row.column("roles"),
                    "The school admin role is kept: remove it in the admin site, not by import.",
                )
            )
        if want == have:
            return []
        self.role_adds.extend((user, r) for r in want - have)
        self.role_removes.extend((user, r) for r in have - want)
        return [Change("Roles", _roles_text(have), _roles_text(want), "roles")]

    def write_more(self) -> None:
        # allauth signs people in by its own address rows too: drop each old address.
        for start in range(0, len(self.email_changes), BATCH):
            old = [
                Q(user=user, email__iexact=email)
                for user, email in self.email_changes[start : start + BATCH]
            ]
            EmailAddress.objects.filter(reduce(operator.or_, old)).delete()
        groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
        through = User.groups.through
        leaving: dict[Role, list[int]] = defaultdict(list)
        for user, role in self.role_removes:
            leaving[role].append(user.pk)
        for role, user_ids in leaving.items():
            through.objects.filter(group=groups[role.value], user_id__in=user_ids).delete()
        through.objects.bulk_create(
            [
                through(user_id=user.pk, group_id=groups[role.value].pk)
                for user, role in self.role_adds
            ],
            batch_size=BATCH,
            ignore_conflicts=True,
        )
        # Bulk writes send no signals: tell the DSL team here about anyone who joined it
        # (the import's audit row names every role given and taken away).
        joined = [user for user, role in self.role_adds if role == Role.DSL]
        if joined:
            accounts.tell_dsl_team(joined=joined, by=accounts.acting_actor())

    def audit_data(self) -> dict:
        """Role grants and removals by user id (who may see what is worth a trace)."""
        changes: dict[int, dict[str, list[str]]] = defaultdict(lambda: {"added": [], "removed": []})
        for user, role in self.role_adds:
            changes[user.pk]["added"].append(role.value)
        for user, role in self.role_removes:
            changes[user.pk]["removed"].append(role.value)
        return {"role_changes": {str(pk): change for pk, change in sorted(changes.items())}}
