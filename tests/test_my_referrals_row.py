"""'My referrals' writes its rows with a tag (referrals/templatetags/referral_rows.py): it
must write what the row template wrote (tests/golden/my_referrals_row.html), byte for
byte, for a referral in every status, with and without a placement, dates near midnight
(shown in the school's time zone) and words that need escaping."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ObjectDoesNotExist
from django.template import engines

OLD_ROWS_TEMPLATE = (Path(__file__).parent / "golden" / "my_referrals_row.html").read_text()
UTC = dt.UTC
LONDON = ZoneInfo("Europe/London")
LONG = " ".join(f"word{n} <&>" for n in range(40))


class _NoPlacement(ObjectDoesNotExist):
    pass


class _Referral(SimpleNamespace):
    """A referral as the row reads it; `placement` raises when there is none (as the
    reverse one-to-one does)."""

    @property
    def placement(self):
        if self.the_placement is None:
            raise _NoPlacement
        return self.the_placement

    def get_status_display(self):
        return {"info_requested": "More information requested"}.get(
            self.status, self.status.replace("_", " ").title() + " <&>"
        )


def _placement(state, start=None, last=None):
    return SimpleNamespace(
        get_state_display=lambda: f"{state} <p>", start_date=start, last_day=last
    )


def _student(pk, name, tutor_group="9R", year_group=9):
    return SimpleNamespace(pk=pk, name=name, tutor_group=tutor_group, year_group=year_group)


def _referral(pk, student, status, **shown):
    """A referral with nothing submitted, decided, said or placed unless `shown` says so."""
    fields = {
        "submitted_at": None,
        "decided_at": None,
        "decision_reason": "",
        "info_request": "",
        "the_placement": None,
    }
    return _Referral(pk=pk, student=student, status=status, **(fields | shown))


def _referrals():
    amy = _student(1, "Amy O'Neil <b>")
    ben = _student(2, "Ben & Co", tutor_group="")
    midnight = dt.datetime(2026, 6, 30, 23, 30, tzinfo=UTC)  # 1 July in London
    sent = {"submitted_at": midnight}
    return [
        _referral(1, amy, "draft"),
        _referral(2, ben, "submitted", **sent),
        _referral(3, amy, "info_requested", **sent, info_request=LONG),
        _referral(4, ben, "info_requested", **sent),
        _referral(
            5,
            amy,
            "approved",
            **sent,
            decided_at=midnight + dt.timedelta(days=2),
            decision_reason="A good fit & <ok>",
            the_placement=_placement("Active", dt.date(2026, 9, 7), dt.date(2026, 10, 16)),
        ),
        _referral(6, ben, "approved", **sent, the_placement=_placement("Waiting")),
        _referral(7, amy, "declined", **sent, decided_at=midnight, decision_reason=LONG),
        _referral(8, ben, "withdrawn", decision_reason="Not shown", info_request="Not shown"),
    ]


@pytest.mark.parametrize("zone", ["Europe/London", "UTC"])
def test_my_referral_row_writes_what_the_row_template_wrote(zone, settings):
    from django.utils import timezone

    django_engine = engines["django"]
    context = {"referrals": _referrals()}
    with timezone.override(ZoneInfo(zone)):
        old = django_engine.from_string(OLD_ROWS_TEMPLATE).render(context)
        new = django_engine.from_string(
            "{% load referral_rows %}  {% for referral in referrals %}"
            "{% my_referral_row referral %}{% endfor %}\n"
        ).render(context)
    assert new == old
    assert "Not shown" not in new and "word35" not in new
    assert ("Wed 1 Jul 2026" in new) is (zone == "Europe/London")
