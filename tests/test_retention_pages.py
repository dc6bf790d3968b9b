"""The disposal review page: what falls due (paged, held records left out), restricted
words never shown, and the two halves of a disposal by two people through the pages."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from records.models import Category, DisposalLog, Entry
from records.retention import years_after
from records.services import entries as services
from records.services import retention as services_retention
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db

REVIEW = reverse("records:retention_review")


def old_student(**kwargs):
    return StudentFactory(date_of_birth=years_after(timezone.localdate(), -40), **kwargs)


def record(author, student, *, restricted=False, summary):
    category = Category.objects.get(name="Safeguarding" if restricted else "Behaviour")
    return services.record_entry(
        author=author,
        students=[student],
        kind=Entry.Kind.CONCERN,
        category=category,
        summary=summary,
        account="In full.",
    )


@pytest.mark.parametrize("persona", ["dee", "ada", "dina"])
def test_the_review_page_never_shows_restricted_words(persona, personas, client_for):
    cora = personas["cora"]
    amy = old_student()
    record(cora, amy, restricted=True, summary="Disclosure about her uncle")
    record(cora, amy, summary="Kicked a door")
    page = client_for(personas[persona]).get(REVIEW).content.decode()
    main = page[page.index("<main") :]  # the DSL's menu has a "Safeguarding" link
    assert "Disclosure about her uncle" not in page
    assert "Safeguarding" not in main
    assert "restricted" in page and "Kicked a door" in page
    assert "Child-protection record: date of birth + 25 years" in page


def test_held_records_are_left_out_and_counted(client_for, cora, dina):
    amy, ben = old_student(), old_student()
    record(cora, amy, summary="Amy's record")
    record(cora, ben, summary="Ben's record")
    services_retention.place_hold(student=ben, by=dina, reason="Civil claim")
    page = client_for(dina).get(REVIEW).content.decode()
    assert "Amy&#x27;s record" in page and "Ben&#x27;s record" not in page
    assert "1 record due but kept by a legal hold is not listed" in page


def test_the_due_list_is_paged(client_for, cora, dina):
    amy = old_student()
    for n in range(51):
        record(cora, amy, summary=f"Record {n}")
    response = client_for(dina).get(REVIEW)
    assert response.context["page"].paginator.count == 51
    assert len(response.context["page"].object_list) == 50
    assert "Page 1 of 2" in response.content.decode()


def test_the_dsl_proposes_and_the_school_admin_approves_through_the_pages(
    client_for, cora, dina, ada
):
    entry = record(cora, old_student(), summary="To go")
    dsl, admin = client_for(dina), client_for(ada)
    dsl.post(reverse("records:retention_propose"), {"entry": entry.pk})
    proposal = entry.disposal_proposals.get()
    refused = dsl.post(reverse("records:retention_decide"), {"proposal": proposal.pk})
    assert refused.status_code == 403
    assert "Approve and dispose of" in admin.get(REVIEW + "?show=proposed").content.decode()
    admin.post(
        reverse("records:retention_decide"), {"proposal": proposal.pk, "decision": "approve"}
    )
    assert DisposalLog.objects.filter(entry=entry).exists()
    page = admin.get(REVIEW + "?show=disposed").content.decode()
    assert "To go" not in page and "Concern" in page


def test_a_hold_without_a_reason_is_refused_next_to_the_field(client_for, dina):
    amy = old_student()
    url = reverse("records:retention_holds", args=[amy.pk])
    response = client_for(dina).post(url, {"reason": "   "})
    assert response.status_code == 400
    assert "Say why the file is held" in response.content.decode()
    client_for(dina).post(url, {"reason": "Police request"})
    assert amy.legal_holds.get().reason == "Police request"


def test_one_record_is_held_from_the_due_list_and_the_rest_still_falls_due(client_for, cora, dina):
    amy = old_student()
    secret = record(cora, amy, restricted=True, summary="Disclosure about her uncle")
    other = record(cora, amy, summary="Kicked a door")
    dsl = client_for(dina)
    due = dsl.get(REVIEW).content.decode()
    link = reverse("records:retention_holds", args=[amy.pk]) + f"?entry={secret.pk}"
    assert f'href="{link}"' in due
    form = dsl.get(link).content.decode()
    assert "Hold one record" in form and "(restricted)" in form
    assert "Disclosure about her uncle" not in form
    response = dsl.post(
        reverse("records:retention_holds", args=[amy.pk]),
        {"entry": secret.pk, "reason": "Police inquiry"},
    )
    assert response.status_code == 302
    hold = amy.legal_holds.get()
    assert hold.entry == secret
    rows = client_for(dina).get(REVIEW).context["page"].object_list
    assert [e.pk for e in rows] == [other.pk]  # the held one is left out, the other is not


def test_a_record_from_another_file_cannot_be_held_through_this_one(client_for, cora, dina):
    amy, ben = old_student(), old_student()
    bens = record(cora, ben, summary="Ben's record")
    url = reverse("records:retention_holds", args=[amy.pk])
    assert client_for(dina).get(url + f"?entry={bens.pk}").status_code == 404
    assert client_for(dina).post(url, {"entry": bens.pk, "reason": "x"}).status_code == 404
    assert not ben.legal_holds.exists() and not amy.legal_holds.exists()
