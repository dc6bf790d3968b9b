"""What the apps contribute to each other's pages (enigma.registry): declared once per app,
placed by name (settings.ENIGMA_ORDER), shown to those who may open it."""

from __future__ import annotations

import dataclasses
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from enigma import registry
from enigma.capabilities import Capability
from enigma.registry import Contributions, HomePage, NavLink, Panel, Tab, collect
from enigma.roles import Role
from tests.conftest import make_persona
from tests.factories import LinkFactory, StudentFactory, UserFactory

# Each persona's header after Students, up to the core's own links, and where Home sends
# them. Written from the pages as they were when the apps registered their links with
# position numbers; issue 14 added "Attendance codes" and "Use of force".
HEADER_AND_HOME = {
    "cora": (
        [
            "Today",
            "Placements",
            "Approvals",
            "Work",
            "Attendance codes",
            "My actions",
            "Use of force",
            "Interventions",
            "Timetables",
        ],
        "timetables:today",
    ),
    "sam": (
        [
            "Today",
            "Placements",
            "Approvals",
            "Reviews",
            "Oversight",
            "Work",
            "Attendance codes",
            "My referrals",
            "My actions",
            "Interventions",
        ],
        "referrals:reviews_board",
    ),
    "dee": (
        [
            "Today",
            "Placements",
            "Approvals",
            "Oversight",
            "Work",
            "Attendance codes",
            "My actions",
            "Use of force",
            "Interventions",
            "Retention",
        ],
        "referrals:approvals",
    ),
    "rita": (["My referrals", "My actions"], "referrals:my_referrals"),
    "tom": (["My students", "My actions"], "timetables:my_students"),
    "dina": (
        [
            "Placements",
            "Safeguarding",
            "My actions",
            "Use of force",
            "Interventions",
            "Retention",
            "File transfers",
        ],
        "records:safeguarding_queue",
    ),
    "ada": (
        [
            "Attendance codes",
            "My actions",
            "Interventions",
            "Retention",
            "Timetables",
            "Email problems",
        ],
        "student_directory",
    ),
}
CORE_LINKS = ["Settings", "Calendar", "Imports", "Audit log", "Admin"]


def header_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S).group(0)
    return re.findall(r"<a [^>]*>([^<]+)</a>", nav)


@pytest.mark.django_db
@pytest.mark.parametrize("name", HEADER_AND_HOME)
def test_each_persona_sees_the_apps_links_in_order_and_is_sent_to_their_home(name, client_for):
    links, home = HEADER_AND_HOME[name]
    client = client_for(make_persona(name))
    shown = header_links(client.get(reverse("student_directory")).content.decode())
    assert shown[0] == "Students"
    assert shown[1 : len(links) + 1] == links
    assert shown[len(links) + 1 :] == (CORE_LINKS if name == "ada" else [])
    assert client.get(reverse("home"))["Location"] == reverse(home)


@pytest.mark.django_db
def test_a_name_in_the_directory_opens_the_student_file_with_a_details_tab(client_for, tom):
    student = StudentFactory()
    LinkFactory(student=student, staff=tom)
    client = client_for(tom)
    directory = client.get(reverse("student_directory")).content.decode()
    file_url = reverse("records:student_file", args=[student.pk])
    assert f'href="{file_url}"' in directory
    page = client.get(file_url).content.decode()
    tabs = re.findall(r'<a href="([^"]+)"[^>]*>(Details|Chronology|Timetable)</a>', page)
    assert tabs == [
        (reverse("student_detail", args=[student.pk]), "Details"),
        (file_url, "Chronology"),
        (reverse("timetables:student_timetable", args=[student.pk]), "Timetable"),
    ]
    assert 'aria-current="page">Chronology' in page


# --- collecting: order by name, and mistakes stop the start ------------------------------

LINK_A = NavLink("A", "a:page", Capability.VIEW_STUDENTS)
LINK_B = NavLink("B", "b:page", Capability.VIEW_STUDENTS)
LINK_C = NavLink("C", "c:page", Capability.VIEW_STUDENTS)


def test_items_appear_in_the_order_named_whatever_app_declares_them():
    found = [
        ("a", Contributions(nav_links=(LINK_A, LINK_C))),
        ("b", Contributions(nav_links=(LINK_B,))),
    ]
    collected = collect(found, {"nav_links": ["c:page", "b:page", "a:page"]})
    assert collected.nav_links == (LINK_C, LINK_B, LINK_A)
    collected = collect(found, {"nav_links": ["a:page", "b:page", "c:page"]})
    assert collected.nav_links == (LINK_A, LINK_B, LINK_C)


def test_checks_and_summaries_run_in_the_apps_order_and_the_collection_is_frozen():
    def first(placement, day):
        return ["first"]

    def second(placement, day):
        return ["second"]

    found = [
        ("a", Contributions(exit_checks=(first,))),
        ("b", Contributions(exit_checks=(second,))),
    ]
    collected = collect(found, {})
    assert collected.exit_checks == (first, second)
    with pytest.raises(dataclasses.FrozenInstanceError):
        collected.nav_links = ()
    assert isinstance(collected.nav_links, tuple)


@pytest.mark.parametrize(
    ("found", "order", "message"),
    [
        ([("a", Contributions(nav_links=(LINK_A,)))], {}, "a:page (from a) has no place"),
        (
            [("a", Contributions(nav_links=(LINK_A,)))],
            {"nav_links": ["a:page", "gone:page"]},
            "names what no app declares: gone:page",
        ),
        (
            [("a", Contributions(nav_links=(LINK_A,))), ("b", Contributions(nav_links=(LINK_A,)))],
            {"nav_links": ["a:page"]},
            "declared twice (a, b)",
        ),
        (
            [
                (
                    "a",
                    Contributions(
                        student_tabs=(
                            Tab("One", "a:one", Capability.VIEW_STUDENTS, landing=True),
                            Tab("Two", "a:two", Capability.VIEW_STUDENTS, landing=True),
                        )
                    ),
                )
            ],
            {"student_tabs": ["a:one", "a:two"]},
            "Only one student tab may be the landing",
        ),
        ([], {"nav_link": []}, "no such kind: nav_link"),
        ([("a", {"nav_links": ()})], {}, "a.contributions.CONTRIBUTIONS is not a Contributions"),
    ],
    ids=["unplaced", "undeclared", "twice", "two landings", "unknown kind", "not contributions"],
)
def test_a_mistake_in_the_declarations_or_the_order_stops_the_start(found, order, message):
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        collect(found, order)


def test_the_project_collects_without_a_mistake_and_every_placed_name_is_used(settings):
    collected = registry.collected()
    for kind, names in settings.ENIGMA_ORDER.items():
        assert [item.url_name for item in getattr(collected, kind)] == names, kind
    assert collected.student_landing == "records:student_file"
    with pytest.raises(ImproperlyConfigured, match="has no place"):
        collect(registry.discover(), {**settings.ENIGMA_ORDER, "nav_links": []})


def test_without_a_landing_a_students_name_opens_the_first_tab():
    found = [("a", Contributions(student_tabs=(Tab("One", "a:one", Capability.VIEW_STUDENTS),)))]
    assert collect(found, {"student_tabs": ["a:one"]}).student_landing == "a:one"


# --- what is shown, to whom ----------------------------------------------------------------


def swap(monkeypatch, **changes) -> None:
    """Use the project's registry with some kinds replaced."""
    changed = dataclasses.replace(registry.collected(), **changes)
    monkeypatch.setattr(registry, "collected", lambda: changed)


@pytest.mark.django_db
def test_a_student_panel_loads_from_its_own_url(client_for, cora, monkeypatch):
    student = StudentFactory()
    print_panel = Panel("records:chronology_print", Capability.RUN_ROOM)
    swap(monkeypatch, student_panels=(print_panel,))
    page = client_for(cora).get(reverse("records:student_file", args=[student.pk]))
    url = reverse("records:chronology_print", args=[student.pk])
    assert f'hx-get="{url}"' in page.content.decode()


@pytest.mark.django_db
def test_a_panel_is_left_out_for_those_without_its_capability(client_for, tom, monkeypatch):
    student = StudentFactory()
    LinkFactory(student=student, staff=tom)
    swap(monkeypatch, student_panels=(Panel("records:chronology_print", Capability.RUN_ROOM),))
    page = client_for(tom).get(reverse("records:student_file", args=[student.pk]))
    url = reverse("records:chronology_print", args=[student.pk])
    assert f'hx-get="{url}"' not in page.content.decode()


@pytest.mark.django_db
def test_home_sends_a_person_with_several_capabilities_to_the_first_home_page(
    client_for, monkeypatch
):
    both = UserFactory(roles=[Role.SENCO, Role.DSL])
    swap(
        monkeypatch,
        home_pages=(
            HomePage("records:my_actions", Capability.SIGN_OFF_REVIEW),
            HomePage("records:safeguarding_queue", Capability.OVERSEE_SAFEGUARDING),
        ),
    )
    assert client_for(both).get(reverse("home"))["Location"] == reverse("records:my_actions")


def test_every_link_home_tab_and_panel_opens_for_everyone_it_is_shown_to():
    """Whoever is shown a contributed link, home page, tab or panel may open it: its
    capability is held only by roles that the page's own declaration lets in."""
    from enigma.capabilities import roles_with
    from enigma.permissions import declared_capabilities
    from tests.test_role_matrix import project_patterns

    views = {name: pattern.callback for name, pattern in project_patterns().items()}
    collected = registry.collected()
    contributed = [
        *collected.nav_links,
        *collected.home_pages,
        *collected.student_tabs,
        *collected.student_panels,
        *collected.placement_panels,
    ]
    assert len(contributed) == 31  # issue 14: "Attendance codes", "Use of force", "Oversight"
    for item in contributed:
        allowed = roles_with(*declared_capabilities(views[item.url_name]))
        assert roles_with(item.capability) <= allowed, item


# --- the audit log's words ---------------------------------------------------------------


def test_audit_words_from_every_app_are_merged_in_app_order_and_cannot_change():
    found = [
        (
            "a",
            Contributions(
                audit_labels={"a.x": "Did X"},
                audit_groups={"a.": "A things"},
                private_objects={"a.Note": "Note"},
                private_data={"a.x": ("reason",)},
            ),
        ),
        ("b", Contributions(audit_groups={"b.": "B things"}, private_data={"a.x": ("name",)})),
    ]
    collected = collect(found, {})
    assert list(collected.audit_groups.items()) == [("a.", "A things"), ("b.", "B things")]
    assert collected.audit_labels == {"a.x": "Did X"}
    assert collected.private_objects == {"a.Note": "Note"}
    assert collected.private_data == {"a.x": ("reason", "name")}
    with pytest.raises(TypeError):
        collected.audit_labels["a.y"] = "Did Y"


def test_the_audit_page_filters_by_the_cores_groups_then_each_apps():
    from enigma import audit

    assert list(audit.groups()) == [
        "auth.",
        "students.",
        "imports.",
        "settings.",
        "calendar.",
        "admin.",
        "audit.",
        "backups.",
        "records.",
        "referrals.",
        "notifications.",
        "timetables.",
        "timetables.work_",
        "disclosure.",
        "oversight.",
    ]
    assert audit.label("auth.roles_changed") == "Roles changed"
    assert audit.label("timetables.feed_made") == "Made a calendar link"
    assert audit.label("records.entry_shared") == "Shared a restricted entry"
    assert audit.label("backups.restored") == "Restored the database from a backup"
    assert audit.private_objects() >= {"records.Entry", "records.Attachment"}
