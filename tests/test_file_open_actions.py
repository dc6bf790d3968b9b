"""The student file's sidebar of open actions ({% file_open_actions %}, written in Python
for speed) gives byte for byte the HTML of the template loop it replaced
(tests/records_sidebar_reference.html): with none open, with fewer than the eight shown
and with more, and an action on a restricted entry says only that it is there to a
reader who may not read it now."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.template import Context, engines
from django.urls import reverse
from django.utils import timezone

from records.models import Category
from records.services.entries import NewAction, record_entry
from tests.conftest import pass_second_factor
from tests.factories import LinkFactory, StudentFactory

pytestmark = pytest.mark.django_db

REFERENCE = Path(__file__).with_name("records_sidebar_reference.html")
AWKWARD = 'Ring <b>Mum</b> & ask about "Tom\'s" bag'


def _sidebars(client, student) -> tuple[str, str, str]:
    """The page, its sidebar as the tag wrote it, and as the old loop writes it from the
    same context."""
    response = client.get(reverse("records:student_file", args=[student.pk]))
    assert response.status_code == 200
    context = {
        "open_actions": response.context["open_actions"],
        "open_actions_count": response.context["open_actions_count"],
    }
    django = engines["django"]
    old = django.from_string(REFERENCE.read_text()).template.render(Context(context))
    new = django.from_string(
        "{% load records_timeline %}      {% file_open_actions open_actions open_actions_count %}\n"
    ).template.render(Context(context))
    return response.content.decode(), new, old


@pytest.fixture
def busy(personas):
    """One pupil with eleven open actions (three on restricted entries, one awkwardly
    worded, held by a person whose name needs escaping) and one with none."""
    cora, dina = personas["cora"], personas["dina"]
    dina.last_name, dina.display_name = "O'Neill", "Ms O'Neill <DSL>"
    dina.save()
    today = timezone.localdate()
    student, quiet = StudentFactory(), StudentFactory()
    for pupil in (student, quiet):  # the class teacher's pupils
        LinkFactory(student=pupil, staff=personas["tom"])
    for i in range(8):
        record_entry(
            author=cora,
            students=[student],
            kind="concern",
            category=Category.objects.get(name="Behaviour"),
            summary=f"Concern {i}",
            actions=[NewAction(AWKWARD if i == 2 else f"Step {i}", cora, today + dt.timedelta(i))],
        )
    record_entry(
        author=dina,
        students=[student],
        kind="concern",
        category=Category.objects.get(name="Safeguarding"),
        summary="Disclosure",
        actions=[NewAction(f"Refer {n}", dina, today + dt.timedelta(n)) for n in range(3)],
    )
    return student, quiet


@pytest.mark.parametrize("reader", ["cora", "dina", "dina, second factor fresh", "tom"])
def test_the_sidebar_is_the_old_loops_html(busy, personas, client_for, reader):
    student, quiet = busy
    client = client_for(personas[reader.split(",")[0]])
    if reader.endswith("fresh"):
        pass_second_factor(client)
    for pupil, shown in ((student, 8), (quiet, 0)):
        page, new, old = _sidebars(client, pupil)
        assert new == old
        assert new in page
        if shown:
            assert new.count("<li>") == shown and "And 3 more, due later." in new
            assert "Ms O&#x27;Neill &lt;DSL&gt;" in new
        else:
            assert "<p>None open.</p>" in new
    page, new, _old = _sidebars(client, student)
    if reader == "dina, second factor fresh":
        assert "Refer 0" in new and "An action on a restricted entry" not in new
        assert "Ring &lt;b&gt;Mum&lt;/b&gt; &amp; ask about &quot;Tom&#x27;s&quot; bag" in new
    else:
        assert "Refer" not in new
        assert new.count("An action on a restricted entry") == 3


def test_fewer_than_eight_say_no_more(personas, client_for):
    cora = personas["cora"]
    student = StudentFactory()
    record_entry(
        author=cora,
        students=[student],
        kind="concern",
        category=Category.objects.get(name="Behaviour"),
        summary="One",
        actions=[NewAction("Only step", cora, timezone.localdate())],
    )
    page, new, old = _sidebars(client_for(cora), student)
    assert new == old and new in page
    assert new.count("<li>") == 1 and "more, due later" not in new
