"""Who may read what in the student file.

- An entry and its corrections form a thread (the first original and every entry that
  corrects it, directly or through other corrections). An entry is restricted now if any
  entry of its thread was recorded restricted or is in a category restricted now. So a
  correction is never less restricted than what it corrects, and correcting an entry into
  a restricted category (how a DSL reclassifies it) restricts the original as well: its
  words are what needed protecting. restricted_now() says so in SQL for every read,
  is_restricted() in Python.
- An entry is readable by anyone who may see one of the students it involves
  (Student.objects.visible_to), unless it is restricted.
- A restricted entry's content (account, attachments, actions) is readable only by the
  DSL team and by a colleague a DSL has shared that one entry with, and only after a
  fresh second-factor check (within ENIGMA_RESTRICTED_REAUTH_SECONDS). Everyone else
  sees that a restricted entry exists and whom to ask.
- A record of the use of reasonable force (kind FORCE) is always recorded restricted, and
  its thread holds only force records (records.services.force), so besides the DSL team
  it is read by those who may read force records (the coordinator and the deputy head),
  under the same fresh second-factor check. Everyone else sees only the notice.
"""

from __future__ import annotations

import time

from allauth.account.authentication import get_authentication_records
from django.conf import settings
from django.db.models import BooleanField, Expression, F
from django.urls import reverse
from django.utils.http import urlencode

from enigma.capabilities import Capability, has_capability
from enigma.models import Student
from records.models import Category, Entry

# A restricted entry shown to someone who may not read it carries only this.
RESTRICTED_NOTICE = "A restricted entry is here. Ask the designated safeguarding lead."


class RestrictedNow(Expression):
    """Whether the entry with this id is restricted now (see the module docstring).

    Walks up the entry's corrections to the first original, then down from it to every
    correction of the thread (recursive queries over the indexed amends column; an entry
    only ever amends an older one, so both walks end), and asks whether any entry of the
    thread was recorded restricted or is in a category restricted now. Most entries have
    no corrections, and most restricted ones say so themselves: the entry's own flag and
    category are asked first, and the walk runs only for an entry that is part of a thread
    (it corrects one or is corrected), so listing many entries or actions costs an index
    lookup or two each rather than two recursive queries each.
    """

    output_field = BooleanField()

    def __init__(self, entry_id):
        super().__init__()
        self.entry_id = F(entry_id) if isinstance(entry_id, str) else entry_id

    def get_source_expressions(self):
        return [self.entry_id]

    def set_source_expressions(self, exprs):
        (self.entry_id,) = exprs

    # Only quoted table names and the compiled column go into it; values are parameters.
    template = (
        "EXISTS (SELECT 1 FROM %(entries)s s LEFT JOIN %(categories)s sk"
        " ON sk.id = s.category_id WHERE s.id = (%(entry_id)s) AND (s.restricted"
        " OR sk.restricted IS TRUE OR ((s.amends_id IS NOT NULL"
        " OR EXISTS (SELECT 1 FROM %(entries)s a WHERE a.amends_id = s.id)) AND "
        "EXISTS (WITH RECURSIVE thread_up (id, amends_id) AS ("
        " SELECT e.id, e.amends_id FROM %(entries)s e WHERE e.id = s.id"
        " UNION SELECT o.id, o.amends_id FROM %(entries)s o"
        " JOIN thread_up u ON o.id = u.amends_id),"
        " thread (id, restricted, category_id) AS ("
        " SELECT r.id, r.restricted, r.category_id FROM %(entries)s r"
        " JOIN thread_up u ON r.id = u.id WHERE u.amends_id IS NULL"
        " UNION SELECT c.id, c.restricted, c.category_id FROM %(entries)s c"
        " JOIN thread t ON c.amends_id = t.id)"
        " SELECT 1 FROM thread t LEFT JOIN %(categories)s k ON k.id = t.category_id"
        " WHERE t.restricted OR k.restricted))))"
    )

    def as_sql(self, compiler, connection):
        entry_id, params = compiler.compile(self.entry_id)
        sql = self.template % {
            "entry_id": entry_id,
            "entries": connection.ops.quote_name(Entry._meta.db_table),
            "categories": connection.ops.quote_name(Category._meta.db_table),
        }
        return sql, params


def restricted_now(entry_id="pk") -> RestrictedNow:
    """The annotation every read uses: restricted_now() on entries,
    restricted_now("entry_id") on rows that point to one."""
    return RestrictedNow(entry_id)


def is_restricted(entry: Entry) -> bool:
    """Whether this entry is restricted now. Uses the is_restricted annotation of a
    selector when there is one; otherwise asks (no query when the entry itself says so)."""
    known = getattr(entry, "is_restricted", None)
    if known is not None:
        return bool(known)
    if entry.restricted or (entry.category_id and entry.category.restricted):
        return True
    return (
        Entry.objects.filter(pk=entry.pk)
        .annotate(restricted_now=restricted_now())
        .values_list("restricted_now", flat=True)
        .get()
    )


def may_read_restricted(user, entry) -> bool:
    """The DSL team, or the one colleague this entry was shared with (not yet 2FA-fresh)."""
    if has_capability(user, Capability.READ_RESTRICTED):
        return True
    if entry.kind == Entry.Kind.FORCE and has_capability(user, Capability.READ_FORCE_RECORDS):
        return True
    shared = getattr(entry, "shared_with_me", None)  # annotated by selectors.chronology
    if shared is not None:
        return bool(shared)
    return entry.shares.filter(shared_with=user).exists()


def may_see_entry(user, entry) -> bool:
    """Whether the entry's students include one the person may see at all."""
    return Student.objects.visible_to(user).filter(chronology_links__entry=entry).exists()


def _mfa_enabled(user) -> bool:
    """Whether the person has a second factor. TOTP is the only one (MFA_SUPPORTED_TYPES:
    recovery codes come with it), and the signed-in person's is loaded with them
    (enigma.auth_backends); asked otherwise."""
    known = getattr(user, "has_totp_app", None)
    if known is not None:
        return bool(known)
    from allauth.mfa.utils import is_mfa_enabled

    return is_mfa_enabled(user)


def second_factor_is_fresh(request) -> bool:
    """Has this session passed a second-factor check (or, for an account without 2FA, a
    password check) within the allowed window? Signing in with 2FA counts."""
    window = settings.ENIGMA_RESTRICTED_REAUTH_SECONDS
    wanted = "mfa" if _mfa_enabled(request.user) else None
    now = time.time()
    for record in get_authentication_records(request, request.user):
        if wanted and record.get("method") != wanted:
            continue
        if now - record.get("at", 0) < window:
            return True
    return False


def reauthentication_url(request) -> str:
    """Where to send someone to check their second factor, then back here."""
    name = "mfa_reauthenticate" if _mfa_enabled(request.user) else "account_reauthenticate"
    return f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}"


def may_complete_action(user, action, *, second_factor_fresh: bool) -> bool:
    """Who may mark a follow-up action done: the person it was given to, or those who may
    complete anyone's (the room team); on a restricted entry only someone who may read
    it, with a fresh second factor."""
    if is_restricted(action.entry):
        return may_read_restricted(user, action.entry) and second_factor_fresh
    return action.assignee_id == user.pk or has_capability(user, Capability.COMPLETE_ANY_ACTION)
