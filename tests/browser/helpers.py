"""What the browser tests do alike: signing in as a person would."""

from __future__ import annotations

import re

from tests.factories import PASSWORD
from tests.totp import fresh_code

TWO_FA_URL = re.compile(r"/accounts/2fa/authenticate/$")


def sign_in(page, base_url: str, user) -> None:
    """The real sign-in form, then the authenticator code, as a person would."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(TWO_FA_URL)
    page.get_by_label("Code").fill(fresh_code(user.totp_secret))
    page.get_by_label("Code").press("Enter")
    page.wait_for_url(lambda url: "/accounts/" not in url)
