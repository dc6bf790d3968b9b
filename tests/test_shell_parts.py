"""The header's links are rendered once per process for each combination of roles and
page (enigma_nav.shell_part), byte for byte what the inline markup wrote, and one role's
links never reach another's page."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import resolve

from enigma import registry
from enigma.capabilities import Can
from enigma.roles import ALL_ROLES, Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The header as base.html wrote it before the parts (its three places, in order, split at |).
INLINE = (Path(__file__).parent / "golden" / "header_inline.html").read_text()
PARTS = """{% load enigma_nav %}
      {% shell_part "enigma/shell/nav.html" %}
|        {% shell_part "enigma/shell/record.html" %}
|            {% shell_part "enigma/shell/account_links.html" %}
"""


def _pages() -> list[str]:
    """A page under every link the header can mark as current, and a few it never marks."""
    collected = registry.collected()
    paths = ["/students/", "/settings/", "/calendar/", "/imports/", "/audit/", "/"]
    paths += [
        resolve_path
        for resolve_path in (_path_of(link.url_name) for link in collected.nav_links)
        if resolve_path
    ]
    return list(dict.fromkeys(paths))


def _path_of(url_name: str) -> str:
    from django.urls import reverse

    return reverse(url_name)


def _render(source: str, user, path: str) -> str:
    request = RequestFactory().get(path)
    request.user = user
    request.resolver_match = resolve(path)
    context = {
        "user": user,
        "request": request,
        "can": Can(user),
        "nav_links": registry.collected().nav_links_for(user),
    }
    return Template(source).render(Context(context))


def _people():
    people = [UserFactory(roles=[role]) for role in ALL_ROLES]
    people.append(UserFactory(roles=[Role.COORDINATOR, Role.SCHOOL_ADMIN, Role.DSL]))
    people.append(UserFactory(roles=[]))
    return people


def test_the_parts_write_what_the_inline_header_wrote_for_every_role_and_page(settings):
    settings.DEBUG = False  # the cached parts, as in production
    people = _people()
    pages = _pages()
    assert len(pages) >= 8
    for person, path in itertools.product(people, pages):
        inline = _render(INLINE, person, path).split("|")
        parts = _render(PARTS, person, path).split("|")
        # The parts give their markup without the indentation and line end around them.
        assert [p.strip() for p in parts] == [p.strip() for p in inline], (person.roles, path)


def test_one_roles_links_never_reach_another_roles_page(settings):
    settings.DEBUG = False
    admin = UserFactory(roles=[Role.SCHOOL_ADMIN])
    teacher = UserFactory(roles=[Role.CLASS_TEACHER])
    for first, second in ((admin, teacher), (teacher, admin)):
        _render(PARTS, first, "/students/")  # fills the cache with the first one's links
        html = _render(PARTS, second, "/students/")
        assert ('href="/school-admin/"' in html) is (second is admin)
        assert ('href="/audit/"' in html) is (second is admin)
    # The page marked current follows the page, not the first page cached.
    assert 'href="/settings/" aria-current="page"' in _render(PARTS, admin, "/settings/")
    assert 'href="/settings/">' in _render(PARTS, admin, "/students/")


def test_the_parts_see_no_person():
    from enigma.templatetags.enigma_nav import _shell_part

    person = UserFactory(roles=[Role.COORDINATOR], first_name="Zebedee", last_name="Quartermain")
    request = RequestFactory().get("/students/")
    request.resolver_match = resolve("/students/")
    html = Template('{% load enigma_nav %}{% shell_part "enigma/shell/nav.html" %}').render(
        Context({"user": person, "request": request})
    )
    assert "Zebedee" not in html and "Quartermain" not in html
    assert _shell_part.cache_info().currsize >= 1
