"""Navigation helpers: the links, tabs and panels the apps contribute (enigma.registry)."""

from django import template
from django.urls import reverse

from enigma import registry

register = template.Library()


@register.simple_tag(takes_context=True)
def is_current(context, prefix: str) -> bool:
    match = getattr(context.get("request"), "resolver_match", None)
    return bool(match and match.view_name.startswith(prefix))


@register.inclusion_tag("enigma/students/_tabs.html", takes_context=True)
def student_tabs(context, student):
    request = context["request"]
    current = request.resolver_match.view_name if request.resolver_match else ""
    return {
        "tabs": [
            {
                "label": tab.label,
                "url": reverse(tab.url_name, args=[student.pk]),
                "current": tab.url_name == current,
            }
            for tab in registry.collected().student_tabs_for(request.user)
        ]
    }


@register.inclusion_tag("enigma/students/_panels.html", takes_context=True)
def student_panels(context, student):
    """Placeholders that htmx fills from each student panel's own URL."""
    panels = registry.collected().student_panels_for(context["request"].user)
    return {"urls": [reverse(panel.url_name, args=[student.pk]) for panel in panels]}


@register.simple_tag
def student_url(student) -> str:
    """The page a student's name links to (the landing tab)."""
    return reverse(registry.collected().student_landing, args=[student.pk])
