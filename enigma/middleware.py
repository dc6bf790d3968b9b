"""Request-level security: session lifetime, 2FA enrolment, capability checks, no caching."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_vary_headers

from enigma.permissions import declared_capabilities, is_project_view, is_public

LOGIN_AT_KEY = "enigma_login_at"
TOUCHED_AT_KEY = "enigma_touched_at"


class SessionLifetimeMiddleware:
    """Sign out after ENIGMA_SESSION_ABSOLUTE_SECONDS, however active the session; and
    keep an active session alive.

    The idle limit is SESSION_COOKIE_AGE, counted from the session's last save. Saving on
    every request would write the session row on every page, so a signed-in request marks
    the session changed (and SessionMiddleware saves it, with a new expiry) only when
    ENIGMA_SESSION_TOUCH_SECONDS have passed since the last time.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(LOGIN_AT_KEY)
            now = time.time()
            if started is None:
                request.session[LOGIN_AT_KEY] = now
            elif now - started > settings.ENIGMA_SESSION_ABSOLUTE_SECONDS:
                logout(request)
                messages.info(request, "You were signed out after 12 hours. Please sign in again.")
                return redirect(f"{reverse('account_login')}?next={request.path}")
            touched = request.session.get(TOUCHED_AT_KEY)
            if touched is None or now - touched >= settings.ENIGMA_SESSION_TOUCH_SECONDS:
                request.session[TOUCHED_AT_KEY] = now
        return self.get_response(request)


class HtmxLoginRedirectMiddleware:
    """An htmx request whose session has expired must reload the page at the sign-in
    screen, not swap the sign-in form into a fragment."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "htmx", False) and response.status_code == 302:
            location = response.get("Location", "")
            if location.startswith(reverse("account_login")):
                response.status_code = 204
                response["HX-Redirect"] = location
                del response["Location"]
        return response


class RequireTwoFactorMiddleware:
    """When ENIGMA_REQUIRE_2FA is on, a signed-in person without an authenticator app
    is sent to set one up before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.ENIGMA_REQUIRE_2FA
            and request.user.is_authenticated
            and not request.path.startswith(("/accounts/", settings.STATIC_URL))
            and not has_totp(request)
        ):
            if getattr(request, "htmx", False):
                from django.http import HttpResponse

                response = HttpResponse(status=204)
                response["HX-Redirect"] = reverse("mfa_activate_totp")
                return response
            messages.info(
                request,
                "Set up two-factor sign-in to continue: it protects the students' records.",
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def has_totp(request) -> bool:
    """Whether the signed-in person has an authenticator app (read once per request)."""
    cached = getattr(request, "_enigma_has_totp", None)
    if cached is None:
        # Loaded with the signed-in person by enigma.auth_backends.
        cached = getattr(request.user, "has_totp_app", None)
    if cached is None:
        from allauth.mfa.models import Authenticator

        cached = Authenticator.objects.filter(
            user=request.user, type=Authenticator.Type.TOTP
        ).exists()
        request._enigma_has_totp = cached
    return cached


class RolePermissionMiddleware:
    """Deny by default: a project view that declares no capability (@requires) is
    refused, and a person who holds none of the capabilities it needs gets 403."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if is_public(view_func) or not is_project_view(view_func):
            return None  # sign-in pages; allauth and admin views guard themselves
        needed = declared_capabilities(view_func)
        if needed is None:
            raise PermissionDenied("This page declares no capability, so nobody may use it.")
        if not request.user.is_authenticated:
            return None  # LoginRequiredMiddleware has already redirected
        if not request.user.can(*needed):
            raise PermissionDenied("Your roles do not include this page.")
        return None


class NoStoreMiddleware:
    """Pages for signed-in people are never stored by browsers or proxies (the back
    button after sign-out must not show a child's record)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated or request.path.startswith("/accounts/"):
            add_never_cache_headers(response)
            response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
        if getattr(request, "htmx", None) is not None:
            patch_vary_headers(response, ("HX-Request",))
        return response
