"""The core's extension points: what the apps register shows where it should, to whom."""

from __future__ import annotations

import pytest
from django.urls import reverse

from enigma import extensions
from enigma.capabilities import Capability
from enigma.roles import Role
from tests.factories import LinkFactory, StudentFactory

pytestmark = pytest.mark.django_db


def test_navigation_shows_each_role_its_links(client_for, dina, tom):
    dsl_page = client_for(dina).get(reverse("student_directory")).content.decode()
    teacher_page = client_for(tom).get(reverse("student_directory")).content.decode()
    safeguarding = reverse("records:safeguarding_queue")
    assert f'href="{safeguarding}"' in dsl_page
    assert f'href="{safeguarding}"' not in teacher_page
    assert f'href="{reverse("records:my_actions")}"' in teacher_page


def test_a_name_in_the_directory_opens_the_student_file_with_a_details_tab(client_for, tom):
    student = StudentFactory()
    LinkFactory(student=student, staff=tom)
    client = client_for(tom)
    directory = client.get(reverse("student_directory")).content.decode()
    file_url = reverse("records:student_file", args=[student.pk])
    assert f'href="{file_url}"' in directory
    page = client.get(file_url).content.decode()
    assert f'href="{reverse("student_detail", args=[student.pk])}"' in page
    assert 'aria-current="page">Chronology' in page


def test_registered_student_panels_load_from_their_own_url(client_for, cora, monkeypatch):
    student = StudentFactory()
    monkeypatch.setattr(
        extensions,
        "STUDENT_PANELS",
        [extensions.StudentPanel("records:chronology_print", Capability.RUN_ROOM)],
    )
    page = client_for(cora).get(reverse("records:student_file", args=[student.pk]))
    url = reverse("records:chronology_print", args=[student.pk])
    assert f'hx-get="{url}"' in page.content.decode()


def test_home_sends_a_person_with_several_capabilities_to_the_first_registered_home(
    client_for, monkeypatch
):
    from tests.factories import UserFactory

    both = UserFactory(roles=[Role.SENCO, Role.DSL])
    monkeypatch.setattr(
        extensions,
        "HOME_PAGES",
        [
            extensions.HomePage(Capability.OVERSEE_SAFEGUARDING, "records:safeguarding_queue", 40),
            extensions.HomePage(Capability.SIGN_OFF_REVIEW, "records:my_actions", 20),
        ],
    )
    assert client_for(both).get(reverse("home"))["Location"] == reverse("records:my_actions")


def test_every_link_home_tab_and_panel_opens_for_everyone_it_is_shown_to():
    """Whoever is shown a registered link, home page, tab or panel may open it: its
    capability is held only by roles that the page's own declaration lets in."""
    from enigma.capabilities import roles_with
    from enigma.permissions import declared_capabilities
    from referrals import hooks
    from tests.test_role_matrix import project_patterns

    views = {name: pattern.callback for name, pattern in project_patterns().items()}
    registered = [
        *extensions.NAV_LINKS,
        *extensions.HOME_PAGES,
        *extensions.STUDENT_TABS,
        *extensions.STUDENT_PANELS,
        *hooks.PLACEMENT_PANELS,
    ]
    assert len(registered) > 20
    for item in registered:
        allowed = roles_with(*declared_capabilities(views[item.url_name]))
        assert roles_with(item.capability) <= allowed, item
