"""Navigation helpers: the links, tabs and panels the apps contribute (enigma.registry)."""

import functools

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

from enigma import registry
from enigma.links import pk_url

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
    """The page a student's name links to (the landing tab): reversed once, each row's
    link its own number in the same string (enigma.links.pk_url; a page of 50 names
    spent 50 reverses)."""
    landing = registry.collected().student_landing
    return _landing_link(landing, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)(
        student.pk
    )


@functools.lru_cache(maxsize=16)
def _landing_link(name: str, prefix: str, urlconf: str):
    # Kept per URL name, script prefix and URL configuration: what the link depends on.
    return pk_url(name)


FLAGS_TEMPLATE = "enigma/students/_flags.html"


@register.simple_tag(takes_context=True)
def student_flags(context, student) -> str:
    """{% include "enigma/students/_flags.html" with student=student %}, rendered once per
    combination of the four flags in a page (a list of 50 pupils included it 50 times:
    over half the rows' rendering), each later row given the same HTML."""
    flags = (student.looked_after, student.pupil_premium, student.free_school_meals, student.eal)
    done = context.render_context.setdefault(FLAGS_TEMPLATE, {})
    if flags not in done:
        template = context.template.engine.get_template(FLAGS_TEMPLATE)
        with context.push(student=student):
            done[flags] = template.render(context)
    return done[flags]
