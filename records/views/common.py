"""What the records pages share: deciding, per entry, what the viewer may read, and
auditing the restricted entries they were shown."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from enigma import audit
from enigma.actor import actor_from
from records import access
from records.audit_actions import RecordsAction
from records.models import Entry
from records.selectors.chronology import CARD_LISTS


def decide_visibility(request, entries: list[Entry]) -> list[Entry]:
    """Mark each entry with show_content / needs_second_factor for the templates, and
    the same on the entry each one corrects and on its corrections, where loaded: a
    correction and its original may each be restricted, and read, apart.

    An unrestricted entry is shown. A restricted one is shown only to a reader (DSL, or
    the colleague it was shared with) whose second factor is fresh; a reader who is not
    fresh is asked to confirm it; anyone else sees only that it exists.
    """
    fresh = None

    def decide(entry: Entry) -> None:
        nonlocal fresh
        entry.needs_second_factor = False
        if not access.is_restricted(entry):
            entry.show_content = True
            return
        if not access.may_read_restricted(request.user, entry):
            entry.show_content = False
            return
        if fresh is None:
            fresh = access.second_factor_is_fresh(request)
        entry.show_content = fresh
        entry.needs_second_factor = not fresh

    for entry in entries:
        decide(entry)
        for related in _related(entry):
            decide(related)
    return entries


def _related(entry: Entry) -> list[Entry]:
    """The entry this one corrects and its corrections, where a selector loaded them
    (selectors.with_original, selectors.corrections: into the relation's cache, or as
    the timeline page's list)."""
    related = []
    if entry.amends_id is not None and Entry.amends.is_cached(entry):
        original = entry.amends
        for name in ("is_restricted", "shared_with_me"):
            if hasattr(entry, f"amends_{name}"):
                setattr(original, name, getattr(entry, f"amends_{name}"))
        related.append(original)
    related.extend(getattr(entry, "_prefetched_objects_cache", {}).get("amendments", ()))
    related.extend(getattr(entry, CARD_LISTS["amendments"], ()))
    return related


def mark_actions_readable(request, actions) -> list:
    """Actions carry their entry's restriction: decide per action what may be shown
    (actions come from selectors annotated with entry_restricted and shared_with_me)."""
    actions = list(actions)
    for action in actions:
        action.entry.is_restricted = action.entry_restricted
        action.entry.shared_with_me = action.shared_with_me
    decide_visibility(request, [a.entry for a in actions])
    return actions


def audit_restricted_reads(request, student, entries: list[Entry], also_shown=()) -> None:
    """One audit row naming the restricted entries whose words the page shows: those of
    `entries` shown in full, and the ids in `also_shown` (restricted entries shown in
    part, such as an open action's entry summary)."""
    shown = [e.pk for e in entries if e.is_restricted and e.show_content]
    shown += [pk for pk in dict.fromkeys(also_shown) if pk not in shown]
    if shown:
        audit.read(
            RecordsAction.RESTRICTED_READ,
            actor_from(request),
            student=student,
            data={"entries": shown},
        )


def entry_for(request, entry_pk, queryset=None) -> Entry:
    """An entry the person may know exists (one of its students is visible to them, or it
    was shared with them), or 404."""
    qs = queryset if queryset is not None else Entry.objects.all()
    try:
        entry = get_object_or_404(qs, pk=int(entry_pk))
    except (TypeError, ValueError):
        raise Http404 from None
    if access.may_see_entry(request.user, entry):
        return entry
    if entry.shares.filter(shared_with=request.user).exists():
        return entry
    raise Http404
