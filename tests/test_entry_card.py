"""The student file's entry card ({% entry_card %}, written in Python for speed) gives
byte for byte the HTML of the template it replaced (tests/records_entry_reference.html),
for every kind of card, to readers who may and may not read restricted entries."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, engines
from django.urls import reverse
from django.utils import timezone

from records.models import Category, Entry
from records.selectors.chronology import TimelineFilters, timeline
from records.services.attachments import attach_file
from records.services.entries import (
    NewAction,
    amend_entry,
    complete_action,
    record_entry,
    share_entry,
)
from records.views.common import decide_visibility
from tests.conftest import pass_second_factor
from tests.factories import LinkFactory, StudentFactory

pytestmark = pytest.mark.django_db

REFERENCE = Path(__file__).with_name("records_entry_reference.html")
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"


def _category(name):
    return Category.objects.get(name=name)


@pytest.fixture
def school(cora, dina, tom):
    """One student's file with a card of every kind."""
    student = StudentFactory(legal_forename="Amy", legal_surname="Ash")
    other = StudentFactory(legal_forename="Ben", legal_surname="<Bold> & Co")
    hidden = StudentFactory()  # nobody here is linked to this one
    for s in (student, other):
        LinkFactory(student=s, staff=cora)
        LinkFactory(student=s, staff=tom)
    past = timezone.now() - dt.timedelta(days=5)
    today = timezone.localdate()
    plain = record_entry(
        author=cora,
        students=[student, other, hidden],
        kind="concern",
        summary="Upset <at> break & after",
        account="Line one\nline <two>",
        category=_category("Behaviour"),
        occurred_at=past,
        actions=[
            NewAction("Ring home", tom, today),
            NewAction("Check in", cora, today + dt.timedelta(days=2)),
        ],
    )
    complete_action(
        action=plain.actions.get(description="Ring home"), user=tom, outcome="Done <ok>"
    )
    attach_file(
        entry=plain,
        upload=SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf"),
        user=cora,
    )
    record_entry(
        author=cora,
        students=[student],
        kind="contact",
        summary="Phoned mum",
        contact_with="Mum",
        contact_method="phone",
        agreed="Meet on Monday",
    )
    record_entry(
        author=cora,
        students=[student],
        kind="contact",
        summary="Met dad",
        contact_with="Dad",
        contact_method="meeting",
    )
    record_entry(author=tom, students=[student], kind="positive", summary="Good work")
    record_entry(author=cora, students=[student, hidden], kind="positive", summary="Team work")
    secret = record_entry(
        author=dina,
        students=[student, other],
        kind="concern",
        summary="HUSH disclosure",
        account="HUSH details",
        category=_category("Safeguarding"),
        actions=[NewAction("HUSH action", dina, today)],
    )
    amend_entry(author=dina, original=secret, reason="HUSH why", summary="HUSH fixed", account="")
    amend_entry(author=cora, original=plain, reason="Wrong <time>", summary="Corrected", account="")
    hushed = amend_entry(
        author=dina,
        original=plain,
        reason="HUSH reason",
        summary="HUSH correction",
        account="",
        category=_category("Safeguarding"),
    )
    # Shared with the coordinator: she reads these two and not what they are joined to.
    share_entry(entry=secret, shared_by=dina, colleague=cora, reason="Needs to know")
    share_entry(entry=hushed, shared_by=dina, colleague=cora, reason="Needs to know")
    return student


def _cards(client, student):
    response = client.get(reverse("records:student_file", args=[student.pk]))
    assert response.status_code == 200
    context = {name: response.context[name] for name in ("student", "reauth_url", "dsl_team")}
    entries = list(response.context["entries"])
    # The old template reads the entries as the whole timeline loads them (each
    # relation's own prefetch, as the page loaded them before it kept them as lists),
    # decided for the same reader.
    request = response.wsgi_request
    loaded = decide_visibility(request, list(timeline(student, request.user, TimelineFilters())))
    as_before = {entry.pk: entry for entry in loaded}
    reference = engines["django"].from_string(REFERENCE.read_text()).template
    card = engines["django"].from_string("{% load records_timeline %}{% entry_card entry %}")
    pairs = []
    for entry in entries:
        old = reference.render(Context({**context, "entry": as_before[entry.pk]}))
        new = card.template.render(Context({**context, "entry": entry}))
        pairs.append((entry, old, new))
    return response.content.decode(), pairs


@pytest.mark.parametrize("reader", ["cora", "cora_fresh", "dina_fresh", "dina_stale", "tom"])
def test_each_card_is_the_old_templates_html(school, client_for, request, reader):
    name = reader.split("_")[0]
    client = client_for(request.getfixturevalue(name))
    if reader.endswith("_fresh"):
        pass_second_factor(client)
    page, pairs = _cards(client, school)
    assert len(pairs) >= 8
    for entry, old, new in pairs:
        assert new == old, entry.summary
        assert new in page  # the page shows the cards the tag makes
    if reader in ("cora", "tom", "dina_stale"):
        assert "HUSH" not in page
    else:
        assert "HUSH disclosure" in page
    if reader == "cora_fresh":  # shared the original, not its correction
        assert "HUSH fixed" not in page and "HUSH why" not in page


def test_the_cards_cover_every_branch(school, client_for, dina, cora, tom):
    """The fixture's cards take each way through the card (else the comparison above
    would not test them)."""
    client = client_for(dina)
    pass_second_factor(client)
    fresh = "".join(new for _e, _o, new in _cards(client, school)[1])
    stale = "".join(new for _e, _o, new in _cards(client_for(dina), school)[1])
    shared = client_for(cora)
    pass_second_factor(shared)
    other = "".join(new for _e, _o, new in _cards(shared, school)[1])
    teacher = "".join(new for _e, _o, new in _cards(client_for(tom), school)[1])
    for words in (
        "Also involves",
        "tag--done",
        "tag--open",
        "Files:",
        "Corrected later:",
        "Corrects the entry",
        "<dt>Agreed</dt>",
        "Back-dated",
        "tag--restricted",
    ):
        assert words in fresh, words
    assert "other students you do not have access to" in teacher
    assert "Corrects a restricted entry." in other
    assert "A restricted correction" in other and "A restricted entry is here" in other
    # (A correction asking for the second factor on a card that shows needs a readable
    # entry with a restricted correction: restriction spans the thread, so none here.)
    assert "Confirm your second factor" in stale
    assert Entry.objects.count() >= 8
