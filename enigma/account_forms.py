"""django-allauth's password forms with our labels and hints (ACCOUNT_FORMS in settings).

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
    pass


class ResetPasswordKeyForm(OurWords, allauth_forms.ResetPasswordKeyForm):
    pass


class ReauthenticateForm(OurWords, allauth_forms.ReauthenticateForm):
    pass
