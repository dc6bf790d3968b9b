"""The audit log renders its page of rows lean (issue 15): no variable looked up in vain
per row, and no date format per row, with the same words as before."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from enigma import audit
from enigma.formatting import moment_text
from enigma.models import AuditEvent
from tests.render_costs import render_costs

pytestmark = pytest.mark.django_db
UTC = dt.UTC


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2026, 7, 1, 23, 30, 5, tzinfo=UTC),  # BST: the next day in London
        dt.datetime(2026, 12, 1, 9, 4, 0, tzinfo=UTC),  # GMT
        dt.datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC),  # the hour the clocks go forward
        dt.datetime(2026, 10, 25, 1, 0, 1, tzinfo=UTC),  # and back
    ],
)
def test_a_moment_reads_as_the_date_filter_wrote_it(moment):
    assert moment_text(moment) == date_format(timezone.localtime(moment), "D j M Y, H:i:s")
    assert moment_text(dt.datetime(2026, 7, 1, 23, 30, 5, tzinfo=UTC)) == "Thu 2 Jul 2026, 00:30:05"


def test_the_audit_log_misses_no_variable_and_formats_no_date_per_row(
    client_for, ada, cora, monkeypatch
):
    for n in range(30):
        audit.record(audit.Action.SIGN_IN_FAILED, actor_label=f"who{n}@example.org")
    audit.record(audit.Action.STUDENT_VIEWED, actor=cora, data={"kind": "print view"})
    event = AuditEvent.objects.order_by("-id").first()
    costs, response = render_costs(client_for(ada), reverse("audit_log"), monkeypatch)
    text = response.content.decode()
    assert "who7@example.org" in text and " (print view)</td>" in text
    when = timezone.localtime(event.occurred_at)
    assert f"<td>{date_format(when, 'D j M Y, H:i:s')}</td>" in text
    assert "()" not in text
    assert not costs.misses, costs.misses
    assert costs.date_formats <= 3, costs.date_formats
    assert len(response.context["page"].object_list) >= 31
