"""My referrals: what each row says, its query count, and the referrer's link and home."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from enigma import registry
from enigma.capabilities import roles_with
from enigma.roles import Role
from referrals.models import Referral
from referrals.services.referral import resubmit_referral, start_referral
from tests.db import queries
from tests.test_referral_services import (
    approved_with_placement,
    ask_for_more,
    linked_student,
    submitted_referral,
)

pytestmark = pytest.mark.django_db

R = Referral.Status
MY_REFERRALS = reverse("referrals:my_referrals")


def grow(referrer, decider, n: int) -> None:
    """n referrals by `referrer` in every state, some approved with a placement."""
    start = timezone.localdate()
    for i in range(n):
        student = linked_student(referrer)
        kind = i % 4
        if kind == 0:
            start_referral(student=student, referrer=referrer)
        elif kind == 1:
            submitted_referral(referrer, student=student)
        elif kind == 2:
            placement = approved_with_placement(
                student, referrer, decider, state="scheduled", start=start
            )
            Referral.objects.filter(pk=placement.referral_id).update(
                decided_by=decider, decided_at=timezone.now(), decision_reason="A good fit."
            )
        else:
            Referral.objects.create(
                student=student,
                referrer=referrer,
                status=R.DECLINED,
                decided_by=decider,
                decision_reason="Try the reading group first.",
            )


def test_my_referrals_lists_only_mine_with_status_decision_and_placement(rita, dee, client_for):
    grow(rita, dee, 4)
    submitted_referral(dee)  # someone else's
    page = client_for(rita).get(MY_REFERRALS)
    assert page.status_code == 200
    assert {r.referrer for r in page.context["referrals"]} == {rita}
    assert len(page.context["referrals"]) == 4
    text = page.content.decode()
    for words in [
        "Draft",
        "Waiting for a decision",
        "Approved",
        "A good fit.",
        "Declined",
        "Try the reading group first.",
        "Scheduled",
        date_format(timezone.localdate(), "D j M Y"),
        "Refer a student",
    ]:
        assert words in text, words


def test_an_empty_list_says_so(rita, client_for):
    text = client_for(rita).get(MY_REFERRALS).content.decode()
    assert "You have not referred anyone yet." in text


def test_my_referrals_runs_the_same_queries_for_3_or_30(rita, dee, client_for):
    client = client_for(rita)
    grow(rita, dee, 3)
    few = queries(client, MY_REFERRALS)
    grow(rita, dee, 27)
    assert queries(client, MY_REFERRALS) == few


def test_the_referral_page_runs_the_same_queries_however_long_its_history(rita, dee, client_for):
    short = submitted_referral(rita)
    long = submitted_referral(rita)
    for _ in range(5):
        long = ask_for_more(long, dee)
        long = resubmit_referral(referral=long, by=rita)
    client = client_for(rita)
    assert queries(client, reverse("referrals:referral_detail", args=[short.pk])) == queries(
        client, reverse("referrals:referral_detail", args=[long.pk])
    )


def test_the_start_page_runs_the_same_queries_for_few_or_many_students(rita, client_for):
    client = client_for(rita)
    for _ in range(3):
        linked_student(rita)
    few = queries(client, reverse("referrals:referral_start"))
    for _ in range(20):
        submitted_referral(rita)
    assert queries(client, reverse("referrals:referral_start")) == few


def test_referrers_and_the_senco_have_the_link_and_referrers_land_on_the_page():
    link = next(
        link for link in registry.collected().nav_links if link.url_name == "referrals:my_referrals"
    )
    assert link.label == "My referrals"
    assert roles_with(link.capability) == {Role.REFERRER, Role.SENCO}
    referrer = SimpleNamespace(is_authenticated=True, roles=frozenset({Role.REFERRER}))
    assert registry.collected().home_url_name_for(referrer) == "referrals:my_referrals"


def test_the_page_is_the_referrers_home_and_marks_the_link_current(rita, client_for):
    client = client_for(rita)
    assert client.get(reverse("home"))["Location"] == MY_REFERRALS
    text = client.get(MY_REFERRALS).content.decode()
    assert f'<a href="{MY_REFERRALS}" aria-current="page">My referrals</a>' in text


def test_dates_are_shown_the_uk_way(rita, client_for):
    referral = submitted_referral(rita)
    text = client_for(rita).get(MY_REFERRALS).content.decode()
    sent = timezone.localdate(referral.submitted_at)
    assert date_format(sent, "D j M Y") in text
    assert sent.isoformat() not in text
