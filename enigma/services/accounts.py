"""Changes to who someone is or what they may do, made by someone else.

Roles (group membership), admin-site access, superuser status, deactivation, a password
or sign-in email set by the school admin, and a two-factor reset: each is written to the
audit log in the transaction of the change, naming whose account and what changed
(never a password or secret). The person is told by email, and someone joining the DSL
team is announced to the team already there, once the change commits.

Changes a person makes to their own account go through allauth, whose signals record
them (enigma.signals). Role and account changes reach here from signals too, so a
change made in the admin, the shell or a command is caught alike; the acting person is
the signed-in user of the request in progress (allauth.core.context), or nobody.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from kombu.exceptions import KombuError

from enigma import audit
from enigma.actor import Actor, actor_from
from enigma.after_response import after_response
from enigma.capabilities import Capability, roles_with, users_who_can
from enigma.models import SchoolSettings, User
from enigma.roles import Role

log = logging.getLogger(__name__)

ROLES_CHANGED = "auth.roles_changed"
ACCESS_CHANGED = "auth.access_changed"
PASSWORD_SET = "auth.password_set"  # noqa: S105 - an action name
PASSWORD_RESET = "auth.password_reset"  # noqa: S105 - an action name
TWO_FACTOR_RESET = "auth.2fa_reset"
EMAIL_CHANGED = "auth.email_changed"

# What the audit page calls them (contributed in enigma/contributions.py).
LABELS = {
    ROLES_CHANGED: "Roles changed",
    ACCESS_CHANGED: "Account access changed",
    PASSWORD_SET: "Password set by someone else",
    PASSWORD_RESET: "Password reset from an emailed link",
    TWO_FACTOR_RESET: "Two-factor sign-in reset",
    EMAIL_CHANGED: "Sign-in email changed",
}

# Who acted, when no one signed in did (a management command, the Django shell).
NO_ONE_SIGNED_IN = "No one signed in (a command or the shell)"

# Account fields whose change is a change of who someone is or what they may do.
WATCHED_FIELDS = ("is_active", "is_staff", "is_superuser", "email", "password")
ACCESS_WORDS = {
    ("is_active", False): "deactivated",
    ("is_active", True): "reactivated",
    ("is_staff", True): "given the admin site",
    ("is_staff", False): "admin site taken away",
    ("is_superuser", True): "made a superuser",
    ("is_superuser", False): "no longer a superuser",
}


# --- who is acting -----------------------------------------------------------------------


def acting_actor() -> Actor | None:
    """Who acts in the request in progress (allauth's AccountMiddleware keeps the
    request), or None outside a request (a command or the shell)."""
    from allauth.core import context

    return actor_from(context.request) if context.request is not None else None


def _by_someone_else(user: User, by: Actor | None) -> bool:
    """Whether a change to user's password or email is someone else's doing. A person's
    own changes, and allauth's signed-out flows (a reset or confirmation link), are
    recorded from allauth's signals instead."""
    if by is None:
        return True  # a command or the shell
    return by.user is not None and by.user.pk != user.pk


def _record(action: str, *, user: User, by: Actor | None, data: dict) -> None:
    audit.record(
        action,
        actor=by or Actor(user=None),
        actor_label="" if by is not None else NO_ONE_SIGNED_IN,
        obj=user,
        data={"user": user.email, **data},
    )


def _actor_words(actor) -> str:
    """Who did it, as the notice tells the person."""
    if actor is not None:
        return f"{actor} ({actor.email})"
    return "someone using the server's command line"


# --- notices by email ----------------------------------------------------------------------


def send_notice(template: str, *, to: Iterable[str], context: dict) -> None:
    """Render a notice now and send it once the transaction commits.

    With a worker (REDIS_URL) the worker sends it, so no request waits on the mail
    server; without one it is sent in-process. Notices carry no links and no secrets.
    """
    recipients = sorted({address for address in to if address})
    if not recipients:
        return
    school = SchoolSettings.load()
    context = {
        "room_name": school.room_name,
        "school_name": school.school_name,
        "when": date_format(timezone.localtime(), "D j M Y, H:i"),
        **context,
    }
    subject = render_to_string(f"enigma/email/{template}_subject.txt", context)
    subject = " ".join(subject.split())
    body = render_to_string(f"enigma/email/{template}_message.txt", context)
    send_after_commit(subject=subject, body=body, to=recipients)


def send_after_commit(*, subject: str, body: str, to: list[str]) -> None:
    """One message per recipient (colleagues do not see each other's addresses), handed
    to a worker once the change has committed and the response has gone: a hung or
    stopped Redis never holds up the page of a change that was made."""

    def send():
        for address in to:
            _send_notice(subject=subject, body=body, address=address)

    transaction.on_commit(lambda: after_response(send))


def _send_notice(*, subject: str, body: str, address: str) -> None:
    """Queue the notice for a worker (broker timeouts are short, no retries); if the
    broker cannot take it, send it from here rather than lose it. A notice that cannot
    be sent at all is logged: the change it tells of has been made and audited."""
    from enigma.tasks import send_email

    kwargs = {"subject": subject, "body": body, "to": [address]}
    if not send_email.app.conf.task_always_eager:
        try:
            send_email.apply_async(kwargs=kwargs, retry=False)
            return
        except KombuError as error:
            log.warning("Could not queue the notice %r (%s): sending it from here", subject, error)
    try:
        send_email.run(**kwargs)
    except (smtplib.SMTPException, OSError):
        log.exception("Could not send the notice %r to %s", subject, address)


# --- roles ---------------------------------------------------------------------------------


def _role_words(names: Iterable[str]) -> str:
    labels = []
    for name in sorted(names):
        labels.append(Role(name).label if name in Role.values else f"group “{name}”")
    return ", ".join(labels)


def roles_changed(
    user: User, *, added: Iterable[str], removed: Iterable[str], announce: bool = True
) -> None:
    """Record the roles a person gained and lost; tell the DSL team about a new member
    (unless announce is False: the caller tells it about several newcomers at once)."""
    added, removed = sorted(set(added)), sorted(set(removed))
    if not added and not removed:
        return
    by = acting_actor()
    words = []
    if added:
        words.append(f"added {_role_words(added)}")
    if removed:
        words.append(f"removed {_role_words(removed)}")
    _record(
        ROLES_CHANGED,
        user=user,
        by=by,
        data={"kind": "; ".join(words), "added": added, "removed": removed},
    )
    if announce and reads_restricted(added):
        tell_dsl_team(joined=[user], by=by)


def reads_restricted(role_names: Iterable[str]) -> bool:
    """Whether any of these roles (group names) lets its holders read restricted entries:
    joining one is announced to the DSL team."""
    roles = {Role(name) for name in role_names if name in Role.values}
    return bool(roles & roles_with(Capability.READ_RESTRICTED))


def tell_dsl_team(*, joined: list[User], by: Actor | None = None) -> None:
    """Tell the DSL team already in place that someone joined it: they can read every
    restricted entry from now on, and the team should know who can."""
    joined_ids = {u.pk for u in joined}
    team = list(
        users_who_can(Capability.READ_RESTRICTED)
        .exclude(pk__in=joined_ids)
        .values_list("email", flat=True)
    )
    for person in joined:
        send_notice(
            "dsl_team_joined",
            to=team,
            context={"person": person, "by": _actor_words(by.user if by else None)},
        )


# --- account fields ------------------------------------------------------------------------


def user_before_save(user: User, update_fields) -> None:
    """Note which watched fields this save changes (called from pre_save)."""
    if user._state.adding or user.pk is None:
        return
    fields = [f for f in WATCHED_FIELDS if update_fields is None or f in update_fields]
    if not fields:
        return
    before = User._base_manager.filter(pk=user.pk).values(*fields).first()
    if before is None:
        return
    changed = {f: before[f] for f in fields if before[f] != getattr(user, f)}
    if changed:
        user._enigma_before = changed


def user_after_save(user: User) -> None:
    """Record what user_before_save noted (called from post_save, in the same
    transaction: User.save is atomic)."""
    before = user.__dict__.pop("_enigma_before", None)
    if not before:
        return
    by = acting_actor()
    access = {f: [before[f], getattr(user, f)] for f in before if f.startswith("is_")}
    if access:
        _record(
            ACCESS_CHANGED,
            user=user,
            by=by,
            data={
                "kind": "; ".join(ACCESS_WORDS[(f, new)] for f, (_old, new) in access.items()),
                "changes": access,
            },
        )
    if not _by_someone_else(user, by):
        return
    by_words = _actor_words(by.user if by else None)
    if "password" in before:
        turned_off = user.password.startswith(UNUSABLE_PASSWORD_PREFIX)
        kind = "password sign-in turned off" if turned_off else "new password set"
        _record(PASSWORD_SET, user=user, by=by, data={"kind": kind})
        send_notice(
            "password_set",
            to=[user.email],
            context={"person": user, "by": by_words, "turned_off": turned_off},
        )
    if "email" in before:
        old = before["email"]
        _record(
            EMAIL_CHANGED,
            user=user,
            by=by,
            data={"kind": "by someone else", "from": old, "to": user.email},
        )
        _forget_address(user, old)
        send_notice(
            "email_changed_by_admin",
            to=[old],
            context={"person": user, "old": old, "new": user.email, "by": by_words},
        )


def _forget_address(user: User, address: str) -> None:
    """allauth signs people in, and sends reset links, by its own address rows too: the
    address someone else replaced must stop working for this account."""
    from allauth.account.models import EmailAddress

    if address:
        EmailAddress.objects.filter(user=user, email__iexact=address).delete()


# --- two-factor reset ----------------------------------------------------------------------


def two_factor_reset(*, actor: Actor | None, user: User) -> bool:
    """Remove all of a person's second factors (authenticator app and recovery codes),
    so they enrol afresh at their next sign-in. Audited; the person is told. Returns
    whether there was anything to reset."""
    from allauth.mfa.models import Authenticator

    actor = Actor.of(actor)
    with transaction.atomic():
        factors = Authenticator.objects.select_for_update().filter(user=user)
        types = sorted({a.type for a in factors})
        if not types:
            return False
        factors.delete()
        audit.record(
            TWO_FACTOR_RESET,
            actor=actor,
            obj=user,
            data={"user": user.email, "kind": "second factors removed", "types": types},
        )
        send_notice(
            "two_factor_reset",
            to=[user.email],
            context={"person": user, "by": _actor_words(actor.user)},
        )
    return True


# --- a person's own changes, from allauth's signals -----------------------------------------


def own_email_changed(*, by: Actor, old: str | None, new: str) -> None:
    """`by` is the person who changed their own sign-in email."""
    user = by.user
    audit.record(
        EMAIL_CHANGED,
        actor=by,
        obj=user,
        data={"user": new, "kind": "by the person", "from": old or "", "to": new},
    )


def own_password_reset(*, by: Actor) -> None:
    """`by` is the person who reset their own password from an emailed link (not signed in
    while they did it, so the caller names them)."""
    audit.record(PASSWORD_RESET, actor=by, obj=by.user, data={"user": by.user.email})


SYSTEM_USERNAME = "enigma-automatic"


def system_user():
    """The account scheduled tasks act as (a placement starting on its day, reminders).

    It has no password and is not active, so nobody can sign in as it; the chronology and
    transition logs name it as "Enigma (automatic)".
    """
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={
            "email": "automatic@enigma.invalid",
            "first_name": "Enigma",
            "last_name": "(automatic)",
            "display_name": "Enigma (automatic)",
            "is_active": False,
        },
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def system_actor() -> Actor:
    """The system account as the actor of a scheduled task or a command."""
    return Actor(user=system_user())
