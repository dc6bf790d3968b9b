"""Audit sign-ins, sign-outs, failed sign-ins, 2FA changes and Django-admin changes."""

from allauth.account.signals import password_changed
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.contrib.admin.models import LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from enigma import audit
from enigma.middleware import LOGIN_AT_KEY


@receiver(user_logged_in)
def on_signed_in(sender, request, user, **kwargs):
    import time

    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT_KEY] = time.time()
    audit.record(audit.Action.SIGNED_IN, request=request, actor=user)


@receiver(user_logged_out)
def on_signed_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(audit.Action.SIGNED_OUT, request=request, actor=user)


@receiver(user_login_failed)
def on_sign_in_failed(sender, credentials, request=None, **kwargs):
    tried = str(credentials.get("email") or credentials.get("username") or "")[:254]
    audit.record(audit.Action.SIGN_IN_FAILED, request=request, actor_label=tried)


@receiver(authenticator_added)
def on_2fa_added(sender, request, user, authenticator, **kwargs):
    audit.record(
        audit.Action.TWO_FACTOR_ENABLED,
        request=request,
        actor=user,
        data={"type": authenticator.type},
    )


@receiver(authenticator_removed)
def on_2fa_removed(sender, request, user, authenticator, **kwargs):
    audit.record(
        audit.Action.TWO_FACTOR_DISABLED,
        request=request,
        actor=user,
        data={"type": authenticator.type},
    )


@receiver(password_changed)
def on_password_changed(sender, request, user, **kwargs):
    audit.record(audit.Action.PASSWORD_CHANGED, request=request, actor=user)


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
