"""Who may read what in the student file.

- An entry is readable by anyone who may see one of the students it involves
  (Student.objects.visible_to), unless it is restricted.
- A restricted entry's content (account, attachments, actions) is readable only by the
  DSL team and by a colleague a DSL has shared that one entry with, and only after a
  fresh second-factor check (within ENIGMA_RESTRICTED_REAUTH_SECONDS). Everyone else
  sees that a restricted entry exists and whom to ask.
"""

from __future__ import annotations

import time

from allauth.account.authentication import get_authentication_records
from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode

from enigma.models import Student
from enigma.roles import ROOM_TEAM, Role

# A restricted entry shown to someone who may not read it carries only this.
RESTRICTED_NOTICE = "A restricted entry is here. Ask the designated safeguarding lead."


def is_dsl(user) -> bool:
    return Role.DSL in getattr(user, "roles", frozenset())


def may_read_restricted(user, entry) -> bool:
    """The DSL team, or the one colleague this entry was shared with (not yet 2FA-fresh)."""
    if is_dsl(user):
        return True
    shared = getattr(entry, "shared_with_me", None)  # annotated by selectors.chronology
    if shared is not None:
        return bool(shared)
    return entry.shares.filter(shared_with=user).exists()


def may_see_entry(user, entry) -> bool:
    """Whether the entry's students include one the person may see at all."""
    return Student.objects.visible_to(user).filter(chronology_links__entry=entry).exists()


def second_factor_is_fresh(request) -> bool:
    """Has this session passed a second-factor check (or, for an account without 2FA, a
    password check) within the allowed window? Signing in with 2FA counts."""
    from allauth.mfa.utils import is_mfa_enabled

    window = settings.ENIGMA_RESTRICTED_REAUTH_SECONDS
    wanted = "mfa" if is_mfa_enabled(request.user) else None
    now = time.time()
    for record in get_authentication_records(request, request.user):
        if wanted and record.get("method") != wanted:
            continue
        if now - record.get("at", 0) < window:
            return True
    return False


def reauthentication_url(request) -> str:
    """Where to send someone to check their second factor, then back here."""
    from allauth.mfa.utils import is_mfa_enabled

    name = "mfa_reauthenticate" if is_mfa_enabled(request.user) else "account_reauthenticate"
    return f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}"


def may_complete_action(user, action, *, second_factor_fresh: bool) -> bool:
    """Who may mark a follow-up action done: the person it was given to, or the room
    team; on a restricted entry only someone who may read it, with a fresh second factor."""
    entry = action.entry
    if entry.restricted or (entry.category_id and entry.category.restricted):
        return may_read_restricted(user, entry) and second_factor_fresh
    return action.assignee_id == user.pk or bool(user.roles & ROOM_TEAM)
