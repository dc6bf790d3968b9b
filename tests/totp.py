"""Compute the current TOTP code for a secret, as an authenticator app would."""

import time

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))


def fresh_code(secret: str) -> str:
    """The code an authenticator app shows, never one about to expire: the server allows
    no tolerance, so a browser test waits out the last seconds of a period (enough of
    them for the code to be typed and checked on a busy machine)."""
    period = app_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < 6:
        time.sleep(left + 0.2)
    return current_code(secret)
