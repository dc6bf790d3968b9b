"""django-allauth's account forms with our labels and hints (ACCOUNT_FORMS in settings).

The library's forms carry their own Title Case labels, placeholders that repeat the
label, and a "Forgot your password?" link inside the current-password hint; our pages
give the reset link themselves.
"""

from allauth.account import forms as allauth_forms
from django.contrib.auth.password_validation import (
    MinimumLengthValidator,
    get_default_password_validators,
)


def new_password_hint() -> str:
    """The rule people meet, from the validators in settings (not repeated here)."""
    lengths = [
        v.min_length
        for v in get_default_password_validators()
        if isinstance(v, MinimumLengthValidator)
    ]
    least = f"At least {max(lengths)} characters, and n" if lengths else "N"
    return f"{least}ot a common password."


# field name -> (label, hint)
WORDS = {
    "oldpassword": ("Current password", ""),
    "password": ("Your password", ""),
    "password1": ("New password", None),
    "password2": ("New password again", ""),
    "email": ("Email address", ""),
}
CHANGE_EMAIL_WORDS = (
    "New email address",
    "We email it a link. Your sign-in email changes only when the link is opened.",
)


class OurWords:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name in WORDS:
                field.label, hint = WORDS[name]
                field.help_text = new_password_hint() if hint is None else hint
            field.widget.attrs.pop("placeholder", None)


class ChangePasswordForm(OurWords, allauth_forms.ChangePasswordForm):
    pass


class ResetPasswordForm(OurWords, allauth_forms.ResetPasswordForm):
    def clean_email(self):
        email = super().clean_email()
        # Reset links go only to a sign-in email: allauth would also send one to an
        # address still waiting to be confirmed, which would let that address take the
        # account over without ever being confirmed.
        self.users = [u for u in self.users if (u.email or "").lower() == email.lower()]
        return email


class ResetPasswordKeyForm(OurWords, allauth_forms.ResetPasswordKeyForm):
    pass


class ReauthenticateForm(OurWords, allauth_forms.ReauthenticateForm):
    pass


class ChangeEmailForm(OurWords, allauth_forms.AddEmailForm):
    """The new sign-in email (ACCOUNT_CHANGE_EMAIL): it replaces the current one only once
    confirmed from its own inbox, and the current one is told."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label, self.fields["email"].help_text = CHANGE_EMAIL_WORDS

    def save(self, request):
        _vouch_for_sign_in_address(self.user)
        return super().save(request)


def _vouch_for_sign_in_address(user) -> None:
    """The address the school gave someone is their verified, primary address.

    Accounts come from the school (the MIS import, the admin), never from sign-up, so
    their address rows start unverified. allauth's change of email treats any unverified
    row as the pending new one, and would replace the current address with a new one
    nobody has confirmed; marking the current address verified first means only a
    confirmed new address can take its place.
    """
    from allauth.account.models import EmailAddress

    if not user.email:
        return
    current, _ = EmailAddress.objects.get_or_create(
        user=user, email__iexact=user.email, defaults={"email": user.email.lower()}
    )
    EmailAddress.objects.filter(user=user, primary=True).exclude(pk=current.pk).update(
        primary=False
    )
    if not (current.verified and current.primary):
        current.verified = current.primary = True
        current.save(update_fields=["verified", "primary"])
