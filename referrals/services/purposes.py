"""Renaming the placement purposes: the school's own words for a fixed list.

A school may rename a purpose, never add one: the codes stay, so every figure means the
same in every school. Each change is written to the audit log in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction

from enigma import audit
from enigma.actor import Actor
from enigma.capabilities import Capability
from referrals.audit_actions import PURPOSES_RENAMED
from referrals.models import Purpose, PurposeName

MAX_LENGTH = PurposeName._meta.get_field("name").max_length


def rename_purposes(*, names: Mapping[str, str], by: Actor) -> dict[str, dict[str, str]]:
    """Set the school's name for each purpose given (blank: back to the standard name).

    Returns what changed, code -> {"old", "new"}. Raises ValidationError keyed by code.
    """
    by = Actor.of(by)
    if by.user is None or not by.user.can(Capability.MANAGE_SCHOOL):
        raise ValidationError("Only the school's administrators can rename the purposes.")
    unknown = set(names) - set(Purpose.values)
    if unknown:
        raise ValidationError(f"Not a purpose: {', '.join(sorted(unknown))}.")
    defaults = dict(Purpose.choices)
    wanted = {code: " ".join((names.get(code) or "").split()) for code in names}
    errors = {
        code: f"Keep the name to {MAX_LENGTH} characters."
        for code, name in wanted.items()
        if len(name) > MAX_LENGTH
    }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        rows = {p.purpose: p for p in PurposeName.objects.select_for_update()}
        current = {
            code: rows[code].name if code in rows else default for code, default in defaults.items()
        }
        after = {**current, **{code: name or defaults[code] for code, name in wanted.items()}}
        by_name: dict[str, list[str]] = {}
        for code in Purpose.values:
            by_name.setdefault(after[code].casefold(), []).append(code)
        for codes in by_name.values():
            if len(codes) > 1:
                for code in [c for c in codes if c in wanted] or codes:
                    errors[code] = f"“{after[code]}” is already the name of another purpose."
        if errors:
            raise ValidationError(errors)
        changes = {}
        for code in wanted:
            if after[code] == current[code]:
                continue
            changes[code] = {"old": current[code], "new": after[code]}
            if after[code] == defaults[code]:
                PurposeName.objects.filter(purpose=code).delete()
            else:
                PurposeName.objects.update_or_create(purpose=code, defaults={"name": after[code]})
        if changes:
            audit.record(PURPOSES_RENAMED, actor=by, data={"changes": changes})
    return changes
