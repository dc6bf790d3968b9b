"""{% password_only_notice %}: warn someone who reads restricted entries that, without an
authenticator app, their password alone opens them (possible only where ENIGMA_REQUIRE_2FA
is off, as in the demo: otherwise nobody reaches a page without one)."""

from django import template

from enigma.middleware import has_totp

register = template.Library()


@register.inclusion_tag("includes/password_only_notice.html", takes_context=True)
def password_only_notice(context):
    request = context["request"]
    return {"show": request.user.is_authenticated and not has_totp(request)}
