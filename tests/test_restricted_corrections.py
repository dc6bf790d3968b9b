"""Corrections and restriction: a correction is never less restricted than what it corrects,
and a restricted correction never shows its text, on its original's page or in a timeline,
to anyone who may not read it (nor a correction the text of an original they may not read)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from records import access
from records.models import Category, Entry, EntryShare
from records.selectors import chronology as selectors
from records.services.entries import amend_entry, record_entry, share_entry
from tests.conftest import PERSONAS, pass_second_factor
from tests.factories import LinkFactory, StudentFactory

pytestmark = pytest.mark.django_db

SECRET = "HUSH"
NOT_DSL = [p for p in PERSONAS if p != "dina"]


def _body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _category(name: str) -> Category:
    return Category.objects.get(name=name)


@pytest.fixture
def student(personas):
    """A student every persona may see, so only restriction stands in the way."""
    student = StudentFactory()
    for name in PERSONAS:
        LinkFactory(student=student, staff=personas[name])
    return student


def _file_urls(student, *entries) -> list[str]:
    return [
        reverse("records:student_file", args=[student.pk]),
        reverse("records:chronology_print", args=[student.pk]),
        reverse("records:chronology_csv", args=[student.pk]),
        *(reverse("records:entry_detail", args=[e.pk]) for e in entries),
    ]


# --- a DSL corrects an entry into the Safeguarding category ---------------------------


@pytest.fixture
def reclassified(personas, student):
    original = record_entry(
        author=personas["cora"],
        students=[student],
        kind="concern",
        category=_category("Behaviour"),
        summary="Upset at lunch",
        account="Left the hall in tears.",
    )
    correction = amend_entry(
        author=personas["dina"],
        original=original,
        reason=f"{SECRET}-reason",
        summary=f"{SECRET}-summary",
        account=f"{SECRET}-account",
        category=_category("Safeguarding"),
    )
    return original, correction


@pytest.mark.parametrize("persona", NOT_DSL)
def test_a_correction_into_safeguarding_shows_on_its_original_only_as_a_notice(
    persona, personas, student, reclassified, client_for
):
    original, correction = reclassified
    assert correction.restricted
    client = client_for(personas[persona])
    pass_second_factor(client)
    for url in _file_urls(student, original):
        assert SECRET not in _body(client.get(url)), (persona, url)
    if persona == "nora":
        return  # no role: no student file at all
    # Reclassifying restricts the original too: its words are what needed protecting.
    detail = client.get(reverse("records:entry_detail", args=[original.pk]))
    assert detail.status_code == 403
    assert "Upset at lunch" not in detail.content.decode()
    assert "Left the hall in tears" not in detail.content.decode()
    timeline = client.get(reverse("records:student_file", args=[student.pk])).content.decode()
    assert "Upset at lunch" not in timeline and "Left the hall in tears" not in timeline
    assert "A restricted entry is here" in timeline


def test_reclassifying_restricts_the_whole_thread_for_the_selectors(personas, reclassified):
    original, correction = reclassified
    assert access.is_restricted(Entry.objects.get(pk=original.pk))
    flags = dict(
        Entry.objects.filter(pk__in=[original.pk, correction.pk])
        .annotate(now=access.restricted_now())
        .values_list("pk", "now")
    )
    assert flags == {original.pk: True, correction.pk: True}


def test_an_open_correction_of_an_open_entry_leaves_both_open(personas, student):
    original = record_entry(
        author=personas["cora"],
        students=[student],
        kind="concern",
        category=_category("Behaviour"),
        summary="Late to lesson",
    )
    fix = amend_entry(
        author=personas["cora"],
        original=original,
        reason="Wrong period",
        summary="Late to period 2",
        account="",
    )
    flags = dict(
        Entry.objects.filter(pk__in=[original.pk, fix.pk])
        .annotate(now=access.restricted_now())
        .values_list("pk", "now")
    )
    assert flags == {original.pk: False, fix.pk: False}


def test_the_dsl_reads_the_correction_on_the_original_once_the_second_factor_is_fresh(
    personas, reclassified, client_for
):
    original, _correction = reclassified
    client = client_for(personas["dina"])
    url = reverse("records:entry_detail", args=[original.pk])
    stale = client.get(url)  # the original is restricted now too: check the factor first
    assert stale.status_code == 302 and "reauthenticate" in stale["Location"]
    assert SECRET not in stale.content.decode()
    pass_second_factor(client)
    fresh = client.get(url).content.decode()
    assert f"{SECRET}-summary" in fresh and f"{SECRET}-reason" in fresh


# --- a correction is never less restricted than its original ------------------------


def test_a_colleague_cannot_correct_a_shared_entry_into_an_open_one(personas, student, client_for):
    """The original became restricted when the admin restricted its category; a DSL
    shared it with sam, who corrects it into an unrestricted category."""
    family = _category("Family")
    original = record_entry(
        author=personas["cora"],
        students=[student],
        kind="concern",
        category=family,
        summary=f"{SECRET}-original",
    )
    Category.objects.filter(pk=family.pk).update(restricted=True)
    original = Entry.objects.get(pk=original.pk)
    share_entry(entry=original, shared_by=personas["dina"], colleague=personas["sam"], reason="x")

    sam = client_for(personas["sam"])
    pass_second_factor(sam)
    correct = {
        "reason": "Wrong place",
        "occurred_at": "2026-01-05T10:00",
        "category": _category("Attendance").pk,
        "summary": f"{SECRET}-corrected",
        "account": f"{SECRET}-corrected-account",
    }
    url = reverse("records:entry_amend", args=[original.pk])
    refused = sam.post(url, correct)
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    assert not Entry.objects.filter(amends=original).exists()
    # The service holds the line too, whatever category a caller passes.
    correction = amend_entry(
        author=personas["sam"],
        original=original,
        reason=correct["reason"],
        summary=correct["summary"],
        account=correct["account"],
        category=_category("Attendance"),
    )
    assert correction.restricted
    # On the page, the category it has (now restricted) is offered.
    accepted = sam.post(url, {**correct, "category": family.pk, "summary": f"{SECRET}-again"})
    assert accepted.status_code == 302
    assert accepted["Location"] == url.replace("correct/", "")  # back to what sam may read
    assert Entry.objects.get(summary=f"{SECRET}-again").restricted

    for persona in ("cora", "tom", "ada"):
        client = client_for(personas[persona])
        pass_second_factor(client)
        for url in _file_urls(student, correction):
            assert SECRET not in _body(client.get(url)), (persona, url)


def test_the_amend_page_offers_only_restricted_categories_for_a_restricted_entry(
    personas, student, client_for
):
    family = _category("Family")
    original = record_entry(
        author=personas["dina"], students=[student], kind="concern", category=family, summary="x"
    )
    Category.objects.filter(pk=family.pk).update(restricted=True)
    client = client_for(personas["dina"])
    pass_second_factor(client)
    form = client.get(reverse("records:entry_amend", args=[original.pk])).context["form"]
    offered = set(form.fields["category"].queryset)
    assert family in offered and _category("Safeguarding") in offered
    assert _category("Attendance") not in offered


def test_corrections_follow_their_original_when_its_category_is_restricted_later(
    personas, student, client_for
):
    """Written when nothing was restricted; the admin then restricts the original's
    category: the correction, and the correction of the correction, are restricted now."""
    family = _category("Family")
    original = record_entry(
        author=personas["cora"],
        students=[student],
        kind="concern",
        category=family,
        summary="First account",
    )
    correction = amend_entry(
        author=personas["cora"],
        original=original,
        reason=f"{SECRET}-why",
        summary=f"{SECRET}-second",
        account="",
        category=_category("Attendance"),
    )
    again = amend_entry(
        author=personas["cora"],
        original=correction,
        reason=f"{SECRET}-why-again",
        summary=f"{SECRET}-third",
        account="",
    )
    assert not any(e.is_restricted for e in selectors.chronology(student))
    Category.objects.filter(pk=family.pk).update(restricted=True)

    for persona in ("cora", "tom"):
        client = client_for(personas[persona])
        pass_second_factor(client)
        for url in _file_urls(student, original):
            assert SECRET not in _body(client.get(url)), (persona, url)
        assert client.get(reverse("records:entry_detail", args=[again.pk])).status_code == 403
    shown = {e.pk: e.is_restricted for e in selectors.chronology(student)}
    assert shown == {original.pk: True, correction.pk: True, again.pk: True}
    assert access.is_restricted(correction) and access.is_restricted(again)


def test_a_correction_recorded_by_the_service_is_restricted_when_its_original_is(personas, student):
    family = _category("Family")
    original = record_entry(
        author=personas["cora"], students=[student], kind="concern", category=family, summary="x"
    )
    Category.objects.filter(pk=family.pk).update(restricted=True)
    original.refresh_from_db()
    correction = amend_entry(
        author=personas["dina"],
        original=original,
        reason="Wrong category",
        summary="y",
        account="",
        category=_category("Attendance"),
    )
    assert correction.restricted  # fixed at writing, whatever the admin does next
    Category.objects.filter(pk=family.pk).update(restricted=False)
    assert access.is_restricted(correction)


# --- the original's text on a correction ---------------------------------------------


@pytest.fixture
def shared_correction(personas, student):
    """A restricted entry and its correction; the correction alone is shared with sam."""
    dina = personas["dina"]
    original = record_entry(
        author=dina,
        students=[student],
        kind="concern",
        category=_category("Safeguarding"),
        summary=f"{SECRET}-original",
        account=f"{SECRET}-original-account",
    )
    correction = amend_entry(
        author=dina,
        original=original,
        reason="Wrong date",
        summary="Corrected date",
        account="The date was wrong.",
    )
    share_entry(entry=correction, shared_by=dina, colleague=personas["sam"], reason="Early help")
    return original, correction


def test_a_shared_correction_does_not_show_the_original_it_corrects(
    personas, student, shared_correction, client_for
):
    _original, correction = shared_correction
    sam = client_for(personas["sam"])
    pass_second_factor(sam)
    detail = sam.get(reverse("records:entry_detail", args=[correction.pk]))
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "The date was wrong." in html  # sam reads what was shared
    assert SECRET not in html
    assert "corrects a restricted entry" in html
    for url in _file_urls(student):
        body = _body(sam.get(url))
        assert SECRET not in body, url
    timeline = sam.get(reverse("records:student_file", args=[student.pk])).content.decode()
    assert "Corrected date" in timeline


def test_a_colleague_shared_the_original_does_not_read_its_correction_there(
    personas, student, client_for
):
    dina = personas["dina"]
    original = record_entry(
        author=dina,
        students=[student],
        kind="concern",
        category=_category("Safeguarding"),
        summary="Shared original",
    )
    amend_entry(
        author=dina,
        original=original,
        reason=f"{SECRET}-reason",
        summary=f"{SECRET}-summary",
        account=f"{SECRET}-account",
    )
    share_entry(entry=original, shared_by=dina, colleague=personas["tom"], reason="Tutor")
    assert EntryShare.objects.filter(shared_with=personas["tom"]).count() == 1
    tom = client_for(personas["tom"])
    pass_second_factor(tom)
    detail = tom.get(reverse("records:entry_detail", args=[original.pk])).content.decode()
    assert "Shared original" in detail and "A restricted correction" in detail
    assert SECRET not in detail
    for url in _file_urls(student):
        assert SECRET not in _body(tom.get(url)), url
