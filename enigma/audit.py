"""Writing to the audit log. Every service that must leave a trace calls record()."""

from __future__ import annotations

import functools
import ipaddress
from typing import Any

from django.conf import settings
from django.db import models

from enigma import registry
from enigma.actor import Actor
from enigma.models import AuditEvent, User


class Action:
    """The namespaced actions the core writes. Other apps add their own strings."""

    SIGNED_IN = "auth.signed_in"
    SIGNED_OUT = "auth.signed_out"
    SIGN_IN_FAILED = "auth.sign_in_failed"
    TWO_FACTOR_ENABLED = "auth.2fa_enabled"
    TWO_FACTOR_DISABLED = "auth.2fa_disabled"
    PASSWORD_CHANGED = "auth.password_changed"  # noqa: S105 - an action name
    STUDENT_VIEWED = "students.viewed"
    DIRECTORY_EXPORTED = "students.exported"
    IMPORT_PREVIEWED = "imports.previewed"
    IMPORT_APPLIED = "imports.applied"
    SETTINGS_CHANGED = "settings.changed"
    CALENDAR_CHANGED = "calendar.changed"
    ADMIN_CHANGE = "admin.changed"
    AUDIT_SEARCHED = "audit.searched"


# What each of the core's actions means, in the words the audit page shows, and the groups
# it filters by (action prefix -> words). The core contributes them (enigma/contributions.py)
# as the apps contribute theirs; label() and groups() answer from all of them.
LABELS: dict[str, str] = {
    Action.SIGNED_IN: "Signed in",
    Action.SIGNED_OUT: "Signed out",
    Action.SIGN_IN_FAILED: "Sign-in failed",
    Action.TWO_FACTOR_ENABLED: "Two-factor sign-in set up",
    Action.TWO_FACTOR_DISABLED: "Two-factor sign-in removed",
    Action.PASSWORD_CHANGED: "Password changed",
    Action.STUDENT_VIEWED: "Viewed a student's page",
    Action.DIRECTORY_EXPORTED: "Downloaded the student list",
    Action.IMPORT_PREVIEWED: "Checked an MIS import",
    Action.IMPORT_APPLIED: "Applied an MIS import",
    Action.SETTINGS_CHANGED: "Changed the school settings",
    Action.CALENDAR_CHANGED: "Changed the calendar",
    Action.ADMIN_CHANGE: "Changed something in the admin",
    Action.AUDIT_SEARCHED: "Searched the audit log",
}

GROUPS: dict[str, str] = {
    "auth.": "Sign-ins and accounts",
    "students.": "Student pages and downloads",
    "imports.": "MIS imports",
    "settings.": "School settings",
    "calendar.": "Calendar",
    "admin.": "Admin changes",
    "audit.": "Audit log",
}


def label(action: str) -> str:
    """The plain-English name of an action; unknown actions show as they are stored."""
    return registry.collected().audit_labels.get(action, action)


def groups() -> dict[str, str]:
    """The groups of actions the audit page filters by: action prefix -> words."""
    return dict(registry.collected().audit_groups)


def client_address(request) -> str | None:
    """The address of the person's computer, for rate limits and the audit log.

    The direct peer (REMOTE_ADDR), unless the peer is one of settings.ENIGMA_TRUSTED_PROXIES:
    then the right-most X-Forwarded-For address that is not itself a trusted proxy (each
    proxy appends the address it saw, so everything left of that was written by the
    client and may be forged). From any other peer, X-Forwarded-For is ignored.
    """
    if request is None:
        return None
    peer = _parse_address(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return None
    proxies = _networks(tuple(settings.ENIGMA_TRUSTED_PROXIES))
    if not _is_proxy(peer, proxies):
        return str(peer)
    client = peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([h for h in forwarded.split(",") if h.strip()]):
        address = _parse_address(hop)
        if address is None:
            break  # not an address: believe nothing to the left of it
        client = address
        if not _is_proxy(address, proxies):
            break
    return str(client)


@functools.lru_cache(maxsize=8)
def _networks(values: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip())


def _is_proxy(address, proxies) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def _parse_address(text: str):
    """An IP address from a header value: "203.0.113.5", "2001:db8::1", "[2001:db8::1]:443"
    or "203.0.113.5:443"; None if it is none of these."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def record(
    action: str,
    *,
    actor: Actor | User | None = None,
    actor_label: str = "",
    obj: models.Model | None = None,
    student=None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Called inside the caller's transaction, so it commits with it.

    `actor` is an enigma.actor.Actor (the person, their address and browser) or, where no
    request is known, the person alone; None for Enigma itself (say who in actor_label).
    """
    return _write(action, Actor.of(actor), actor_label, obj, student, data)


def read(
    action: str,
    by: Actor,
    *,
    obj: models.Model | None = None,
    student=None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record that `by` was shown or exported something (a file, a referral, a CSV): the
    one way a page records a read, since only the page knows what it showed (which page
    of a file, with which filters, how many rows). Writes go through a service, which
    records its own change."""
    return _write(action, Actor.of(by), "", obj, student, data)


def _write(action, by: Actor, actor_label, obj, student, data) -> AuditEvent:
    actor = by.user
    if not actor_label and actor is not None:
        actor_label = actor.email or str(actor)
    if student is None and obj is not None and obj._meta.label == "enigma.Student":
        student = obj
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_label=actor_label[:254],
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=_object_repr(obj),
        student=student,
        ip_address=by.address,
        user_agent=by.user_agent[:300],
        data=data or {},
    )


def _object_repr(obj: models.Model | None) -> str:
    if obj is None:
        return ""
    return _neutral_label(obj._meta.label, str(obj.pk)) or str(obj)[:200]


# Objects whose words may be restricted (a chronology entry's summary, a file's name) are
# named in their audit rows by a noun and their id and nothing else, and data keys that
# may carry such words are never shown: the apps contribute both (private_objects and
# private_data, see enigma.registry; the core knows nothing of them).


def private_objects() -> frozenset[str]:
    """The model labels of the objects named by kind and id only."""
    return frozenset(registry.collected().private_objects)


def _neutral_label(object_type: str, object_id: str) -> str | None:
    noun = registry.collected().private_objects.get(object_type)
    return f"{noun} {object_id}" if noun else None


def object_label(event: AuditEvent) -> str:
    """How the audit page and the admin name an event's object. A private object is
    named from its type and id, whatever the row holds (rows written before its app
    registered it may hold its words)."""
    neutral = _neutral_label(event.object_type, event.object_id)
    if neutral:
        return neutral
    return event.object_repr or str((event.data or {}).get("object", ""))


def shown_data(event: AuditEvent) -> dict[str, Any]:
    """An event's data without the keys that may carry private words."""
    hidden = registry.collected().private_data.get(event.action, ())
    return {k: v for k, v in (event.data or {}).items() if k not in hidden}
