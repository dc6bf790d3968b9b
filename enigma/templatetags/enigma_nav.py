"""Navigation helpers: registered links and a student's tabs (see enigma.extensions)."""

from django import template
from django.urls import reverse

from enigma import extensions

register = template.Library()


@register.simple_tag(takes_context=True)
def is_current(context, prefix: str) -> bool:
    match = getattr(context.get("request"), "resolver_match", None)
    return bool(match and match.view_name.startswith(prefix))


@register.inclusion_tag("enigma/students/_tabs.html", takes_context=True)
def student_tabs(context, student):
    request = context["request"]
    current = request.resolver_match.view_name if request.resolver_match else ""
    tabs = [("Details", "student_detail")] + [
        (tab.label, tab.url_name) for tab in extensions.student_tabs_for(request.user)
    ]
    return {
        "tabs": [
            {"label": label, "url": reverse(name, args=[student.pk]), "current": name == current}
            for label, name in tabs
        ]
    }


@register.inclusion_tag("enigma/students/_panels.html", takes_context=True)
def student_panels(context, student):
    """Placeholders that htmx fills from each registered panel's own URL."""
    user = context["request"].user
    return {
        "urls": [
            reverse(panel.url_name, args=[student.pk])
            for panel in extensions.student_panels_for(user)
        ]
    }


@register.simple_tag
def student_url(student) -> str:
    """The page a student's name links to (see extensions.set_student_landing)."""
    return reverse(extensions.STUDENT_LANDING["url_name"], args=[student.pk])
