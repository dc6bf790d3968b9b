"""Staff accounts, matched by MIS id then email. Roles (optional) map onto the groups
named after enigma.roles.Role. New accounts get an unusable password: staff set one
through "forgotten password" or sign in with the school's SSO. is_staff and
is_superuser are never touched."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from enigma import services_accounts
from enigma.models import User
from enigma.roles import Role

from . import fields
from .common import (
    BATCH,
    MISSING,
    Plan,
    Row,
    apply_values,
    bulk_update,
    mark_duplicates,
    mark_same_target,
    max_length,
)
from .headers import HeaderMap, normalise
from .parsing import ParsedFile
from .result import Change, PlannedRow, RowError

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


def _username(email: str, taken: set[str]) -> str:
    base = email.lower()[:150]
    name, n = base, 1
    while name.casefold() in taken:
        n += 1
        suffix = f"-{n}"
        name = base[: 150 - len(suffix)] + suffix
    taken.add(name.casefold())
    return name


def plan(parsed: ParsedFile, hmap: HeaderMap) -> Plan:
    result = Plan()
    users = list(User.objects.all())
    by_mis = {u.mis_id: u for u in users if u.mis_id}
    by_email = {u.email.casefold(): u for u in users if u.email}
    usernames = {u.username.casefold() for u in users}
    current_roles: dict[int, set[Role]] = defaultdict(set)
    for user_id, name in User.groups.through.objects.filter(
        group__name__in=Role.values
    ).values_list("user_id", "group__name"):
        current_roles[user_id].add(Role(name))

    rows: list[tuple[Row, dict[str, Any]]] = []
    emails: dict[str, list[tuple[int, str]]] = defaultdict(list)
    mis_ids: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for line, cells in parsed.rows:
        row = Row(line, cells, hmap)
        values = read_values(row)
        if values.get("email"):
            emails[values["email"].casefold()].append((line, row.column("email")))
        if values.get("mis_id"):
            mis_ids[values["mis_id"]].append((line, row.column("mis_id")))
        if result.take_row(row):
            rows.append((row, values))
    bad = mark_duplicates(result, emails, "email address")
    bad |= mark_duplicates(result, mis_ids, "MIS id")

    matched: list[tuple[Row, dict[str, Any], User | None]] = []
    targets: dict[int, list[int]] = defaultdict(list)
    for row, values in rows:
        if row.line in bad:
            continue
        by_m = by_mis.get(values.get("mis_id") or "")
        by_e = by_email.get(values["email"].casefold())
        if by_m and by_e and by_m.pk != by_e.pk:
            result.errors.append(
                RowError(
                    row.line,
                    row.column("email"),
                    f"{values['email']} is already the email of another member of staff "
                    "(not the one with this MIS id).",
                )
            )
            continue
        if by_e and not by_m and values.get("mis_id") and by_e.mis_id:
            result.errors.append(
                RowError(
                    row.line,
                    row.column("mis_id"),
                    f"{values['email']} belongs to a member of staff whose MIS id is "
                    f"{by_e.mis_id}, not {values['mis_id']}.",
                )
            )
            continue
        target = by_m or by_e
        if target is not None:
            targets[target.pk].append(row.line)
        matched.append((row, values, target))
    bad |= mark_same_target(
        result, targets, "This row and line {others} match the same member of staff."
    )

    groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
    role_adds: list[tuple[User, Role]] = []
    role_removes: list[tuple[User, Role]] = []
    email_changes: list[tuple[User, str]] = []
    for row, values, user in matched:
        if row.line in bad:
            continue
        roles = values.pop("roles", None)
        label = f"{values['last_name']}, {values['first_name']} ({values['email']})"
        if user is None:
            if not values.get("mis_id"):
                values["mis_id"] = None
            if not values.get("display_name"):
                values["display_name"] = " ".join(
                    p for p in (values.get("title", ""), values["last_name"]) if p
                )
            if not values.get("initials"):
                values["initials"] = (values["first_name"][:1] + values["last_name"][:1]).upper()
            new = User(username=_username(values["email"], usernames), is_active=True, **values)
            new.set_unusable_password()
            result.creates.append(new)
            role_adds.extend((new, r) for r in roles or ())
            result.planned.append(
                PlannedRow(
                    row.line,
                    "create",
                    label,
                    [Change("Roles", "–", _roles_text(roles or ()), "roles")],
                )
            )
            continue
        if not values.get("mis_id"):
            values.pop("mis_id", None)
        old_email = user.email
        changes = apply_values(user, values)
        if any(c.name == "email" for c in changes) and old_email:
            email_changes.append((user, old_email))
        if roles is not None:
            have = current_roles.get(user.pk, set())
            want = set(roles)
            if Role.SCHOOL_ADMIN in have and Role.SCHOOL_ADMIN not in want:
                want.add(Role.SCHOOL_ADMIN)
                result.warnings.append(
                    RowError(
                        row.line,
                        row.column("roles"),
                        "The school admin role is kept: remove it in the admin site, "
                        "not by import.",
                    )
                )
            if want != have:
                changes.append(Change("Roles", _roles_text(have), _roles_text(want), "roles"))
                role_adds.extend((user, r) for r in want - have)
                role_removes.extend((user, r) for r in have - want)
        if not changes:
            result.unchanged += 1
            continue
        result.updates.append((user, frozenset(c.name for c in changes if c.name != "roles")))
        result.planned.append(PlannedRow(row.line, "update", label, changes))
    result.extra.update(
        groups=groups, role_adds=role_adds, role_removes=role_removes, email_changes=email_changes
    )
    return result


def write(result: Plan) -> None:
    User.objects.bulk_create(result.creates, batch_size=BATCH)
    by_fields: dict[frozenset[str], list[User]] = defaultdict(list)
    for user, changed in result.updates:
        if changed:
            by_fields[changed].append(user)
    for changed, users in by_fields.items():
        bulk_update(User, users, changed)
    for user, old_email in result.extra["email_changes"]:
        # allauth signs people in by its own address rows too: drop the old address.
        EmailAddress.objects.filter(user=user, email__iexact=old_email).delete()
    groups = result.extra["groups"]
    through = User.groups.through
    for user, role in result.extra["role_removes"]:
        through.objects.filter(user_id=user.pk, group=groups[role.value]).delete()
    through.objects.bulk_create(
        [
            through(user_id=user.pk, group_id=groups[role.value].pk)
            for user, role in result.extra["role_adds"]
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    # Bulk writes send no signals: tell the DSL team here about anyone who joined it (the
    # import's audit row names every role given and taken away).
    joined = [user for user, role in result.extra["role_adds"] if role == Role.DSL]
    if joined:
        services_accounts.tell_dsl_team(joined=joined, request=services_accounts.acting_request())


def audit_data(result: Plan) -> dict:
    """Role grants and removals by user id (who may see what is worth a trace)."""
    changes: dict[int, dict[str, list[str]]] = defaultdict(lambda: {"added": [], "removed": []})
    for user, role in result.extra["role_adds"]:
        changes[user.pk]["added"].append(role.value)
    for user, role in result.extra["role_removes"]:
        changes[user.pk]["removed"].append(role.value)
    return {"role_changes": {str(pk): change for pk, change in sorted(changes.items())}}
