"""allauth adapters: accounts are made by the school; SSO matches on provider ids."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from enigma.audit import client_address


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False  # staff accounts come from the MIS import or the school admin

    def format_email_subject(self, subject):
        return str(subject)  # our subjects name the room; no "[domain]" prefix

    def send_mail(self, template_prefix, email, context):
        from enigma.models import SchoolSettings

        school = SchoolSettings.load()
        context = {"room_name": school.room_name, "school_name": school.school_name, **context}
        if getattr(self, "_sending_notice", False):
            from enigma.services.accounts import send_after_commit

            message = self.render_mail(template_prefix, email, context)
            send_after_commit(subject=message.subject, body=message.body, to=list(message.to))
            return
        super().send_mail(template_prefix, email, context)

    def send_notification_mail(self, *args, **kwargs):
        # Notices (password changed, email changed, two-factor changed: no links, no
        # secrets) go once the change commits, through the worker when there is one, so
        # no request waits on the mail server. Emails with a link (a reset, a new address
        # to confirm) are sent in the request as before: no link is kept in the broker.
        self._sending_notice = True
        try:
            super().send_notification_mail(*args, **kwargs)
        finally:
            self._sending_notice = False

    def get_client_ip(self, request):
        # One rule for the client's address everywhere (allauth's per-address rate
        # limits, its emails, our audit rows): X-Forwarded-For only from TRUSTED_PROXIES.
        address = client_address(request)
        if not address:
            raise PermissionDenied("The client's address could not be determined.")
        return address

    def _get_login_attempts_cache_key(self, request, **credentials):
        # Count failures per (email, address): a typo-prone colleague is slowed down, the
        # staffroom sharing the school's one public address is not.
        login = credentials.get("email", credentials.get("username", "")).lower()
        return f"{login}|{client_address(request) or '-'}"


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on with Microsoft Entra ID or Google Workspace.

    A provider account is accepted only if it is already connected to a staff account
    (matched on the provider's account id: Entra's oid, Google's sub). Nobody is signed
    up, and nobody is joined to an account because an email address matches.
    """

    def is_open_for_signup(self, request, sociallogin):
        return False

    def pre_social_login(self, request, sociallogin):
        provider = sociallogin.account.provider
        if provider == "google" and settings.ENIGMA_GOOGLE_WORKSPACE_DOMAIN:
            hd = (sociallogin.account.extra_data or {}).get("hd", "")
            if hd.lower() != settings.ENIGMA_GOOGLE_WORKSPACE_DOMAIN.lower():
                messages.error(request, "That Google account is not one of the school's.")
                raise ImmediateHttpResponse(redirect("account_login"))
        if not sociallogin.is_existing and not request.user.is_authenticated:
            messages.error(
                request,
                "That account is not connected to Enigma yet. Sign in with your password, "
                "then connect it under Account → Connected accounts.",
            )
            raise ImmediateHttpResponse(redirect("account_login"))
