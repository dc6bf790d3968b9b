"""Audit sign-ins, sign-outs, failed sign-ins, 2FA changes, Django-admin changes, and
changes to who someone is or what they may do (enigma.services.accounts)."""

import dataclasses

from allauth.account.signals import email_changed, password_changed, password_reset
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver

from enigma import audit
from enigma.actor import Actor, actor_from
from enigma.middleware import LOGIN_AT_KEY
from enigma.models import User
from enigma.services import accounts


def _person(request, user) -> Actor:
    """`user` (or whoever is signed in) acting from the request's computer."""
    if request is None:
        return Actor(user=user)
    here = actor_from(request)
    return dataclasses.replace(here, user=user or here.user)


@receiver(user_logged_in)
def on_signed_in(sender, request, user, **kwargs):
    import time

    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT_KEY] = time.time()
    audit.record(audit.Action.SIGNED_IN, actor=_person(request, user))


@receiver(user_logged_out)
def on_signed_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(audit.Action.SIGNED_OUT, actor=_person(request, user))


@receiver(user_login_failed)
def on_sign_in_failed(sender, credentials, request=None, **kwargs):
    tried = str(credentials.get("email") or credentials.get("username") or "")[:254]
    audit.record(audit.Action.SIGN_IN_FAILED, actor=_person(request, None), actor_label=tried)


@receiver([authenticator_added, authenticator_removed])
def on_second_factor_changed(sender, signal, request, user, authenticator, **kwargs):
    action = (
        audit.Action.TWO_FACTOR_ENABLED
        if signal is authenticator_added
        else audit.Action.TWO_FACTOR_DISABLED
    )
    audit.record(action, actor=_person(request, user), data={"type": authenticator.type})


@receiver(password_changed)
def on_password_changed(sender, request, user, **kwargs):
    audit.record(audit.Action.PASSWORD_CHANGED, actor=_person(request, user))


@receiver(post_save, sender=LogEntry)
def on_admin_change(sender, instance: LogEntry, created, **kwargs):
    """Every change made in the Django admin is copied into the audit log."""
    if not created:
        return
    kind = {1: "added", 2: "changed", 3: "deleted"}.get(instance.action_flag, "changed")
    audit.record(
        audit.Action.ADMIN_CHANGE,
        actor=instance.user,
        data={
            "kind": kind,
            "model": instance.content_type.model if instance.content_type else "",
            "object_id": instance.object_id or "",
            "object": instance.object_repr,
            "message": instance.get_change_message(),
        },
    )


@receiver(password_reset)
def on_password_reset(sender, request, user, **kwargs):
    accounts.own_password_reset(by=_person(request, user))


@receiver(email_changed)
def on_email_changed(sender, request, user, from_email_address, to_email_address, **kwargs):
    accounts.own_email_changed(
        by=_person(request, user),
        old=from_email_address.email if from_email_address else None,
        new=to_email_address.email,
    )


@receiver(pre_save, sender=User)
def before_user_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if not raw:
        accounts.user_before_save(instance, update_fields)


@receiver(post_save, sender=User)
def after_user_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        accounts.user_after_save(instance)


@receiver(m2m_changed, sender=User.groups.through)
def on_roles_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """Role (group) changes from either side of the relation, by any path: the admin's
    form, user.groups.add() or group.user_set.remove() in the shell."""
    through = User.groups.through
    mine, theirs = ("group_id", "user_id") if reverse else ("user_id", "group_id")
    if action in ("pre_remove", "pre_clear"):
        # Note what is really there, so only real removals are recorded.
        present = through.objects.filter(**{mine: instance.pk})
        if pk_set is not None:
            present = present.filter(**{f"{theirs}__in": pk_set})
        instance._enigma_removing = set(present.values_list(theirs, flat=True))
        return
    if action in ("post_remove", "post_clear"):
        ids, added = instance.__dict__.pop("_enigma_removing", set()), False
    elif action == "post_add":
        ids, added = set(pk_set or ()), True
    else:
        return
    if not ids:
        return
    if reverse:  # one group, some users: newcomers to the DSL team are announced together
        name = instance.name
        users = list(User.objects.filter(pk__in=ids))
        for user in users:
            accounts.roles_changed(
                user, added=[name] if added else [], removed=[] if added else [name], announce=False
            )
        if added and accounts.reads_restricted([name]):
            accounts.tell_dsl_team(joined=users, by=accounts.acting_actor())
    else:  # one user, some groups
        names = list(Group.objects.filter(pk__in=ids).values_list("name", flat=True))
        accounts.roles_changed(
            instance, added=names if added else [], removed=[] if added else names
        )
