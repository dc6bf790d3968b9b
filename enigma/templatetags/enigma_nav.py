"""Navigation helpers: the links, tabs and panels the apps contribute (enigma.registry)."""

import functools
from types import SimpleNamespace

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe

from enigma import registry
from enigma.capabilities import Can
from enigma.links import pk_url

register = template.Library()


@register.simple_tag(takes_context=True)
def is_current(context, prefix: str) -> bool:
    match = getattr(context.get("request"), "resolver_match", None)
    return bool(match and match.view_name.startswith(prefix))


@register.simple_tag(takes_context=True)
def shell_part(context, template_name: str) -> SafeString:
    """A part of every page's header (templates/enigma/shell/) that depends only on what
    the person may do and which page this is: rendered once per process for each
    combination of roles, page and navigation links, then given as it stands.

    The part sees no person and no request: only `can` (asked of the roles alone),
    `nav_links` and `request.resolver_match` (the page's view name, URL name and
    namespace), so nothing of one person's can reach another's page. Rendering the
    header's links and their 18 reversed URLs on every page took about 1.5 ms.
    """
    user = context.get("user")
    match = getattr(context.get("request"), "resolver_match", None)
    links = registry.collected().nav_links
    # In development a template edited while the server runs shows at once.
    render = _shell_part.__wrapped__ if settings.DEBUG else _shell_part
    return render(
        template_name,
        frozenset(getattr(user, "roles", ())) if getattr(user, "is_authenticated", False) else None,
        links,
        (match.view_name, match.url_name, match.namespace) if match else None,
        get_script_prefix(),
        get_urlconf() or settings.ROOT_URLCONF,
    )


@functools.lru_cache(maxsize=512)
def _shell_part(template_name, roles, links, page, prefix, urlconf) -> SafeString:
    # Everything the part may read is in the arguments (the cache's key).
    from django.template.loader import get_template

    person = SimpleNamespace(is_authenticated=roles is not None, roles=roles or frozenset())
    match = None
    if page is not None:
        view_name, url_name, namespace = page
        match = SimpleNamespace(view_name=view_name, url_name=url_name, namespace=namespace)
    request = SimpleNamespace(resolver_match=match)
    nav_links = [link for link in links if Can(person)[link.capability]]
    context = {"can": Can(person), "nav_links": nav_links, "request": request}
    html = get_template(template_name).render(context)
    return mark_safe(html.strip())  # noqa: S308 - rendered by the template engine, escaped there


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
