"""'My referrals': each row written in Python. A page holds up to 25 referrals, and the
same markup through the template engine (two {% url %} reverses, an include, some 30
lookups and up to four date filters a row) was most of the page's rendering. The rows
are the referrer's own referrals; nothing restricted is on them. tests/test_my_referrals_
row.py holds the tag to the old row template's markup, byte for byte
(tests/golden/my_referrals_row.html).

Every value written is escaped with the standard library's html.escape (what
django.utils.html.escape does). Dates are the date filter's "D j M Y"
(enigma.formatting.day_text; a moment in the local time zone, as the filter shows it).
"""

from __future__ import annotations

import datetime as dt
from html import escape

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.template.defaultfilters import truncatewords
from django.utils import timezone
from django.utils.safestring import mark_safe

from enigma.formatting import day_text
from enigma.links import pk_url

register = template.Library()

_TAG_CLASS = {
    "approved": " tag--green",
    "submitted": " tag--blue",
    "info_requested": " tag--amended",
    "draft": " tag--open",
}


def _e(value) -> str:
    return escape(str(value))


def _day(value) -> str:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return _e(day_text(value))


class _Links:
    def __init__(self):
        self.detail = pk_url("referrals:referral_detail")
        self.edit = pk_url("referrals:referral_edit")


@register.simple_tag(takes_context=True)
def my_referral_row(context, referral) -> str:
    """One referral of 'My referrals', as the row template wrote it."""
    links = context.render_context.get("my_referral_row")
    if links is None:
        links = context.render_context["my_referral_row"] = _Links()
    student = referral.student
    name = _e(student.name)
    status = referral.status
    group = f", {_e(student.tutor_group)}" if student.tutor_group else ""
    out = (
        f'\n    <tr>\n      <td><a href="{_e(links.detail(referral.pk))}">{name}</a><br>'
        f'<span class="meta">Year {_e(student.year_group)}{group}</span></td>\n'
        f'      <td><span class="tag{_TAG_CLASS.get(status, " tag--grey")}">'
        f"{_e(referral.get_status_display())}</span>\n"
    )
    if status in ("draft", "info_requested"):
        out += f'<br><a href="{_e(links.edit(referral.pk))}">'
        if status == "draft":
            out += f'Continue<span class="visually-hidden"> the referral of {name}</span>'
        else:
            out += f'Add the information<span class="visually-hidden"> for {name}</span>'
        out += "</a>"
    out += "</td>\n      <td>"
    if referral.submitted_at:
        out += _day(referral.submitted_at)
    else:
        out += '<span class="meta">Not sent yet</span>'
    out += "</td>\n      <td>"
    if status in ("approved", "declined"):
        out += _e(referral.get_status_display())
        if referral.decided_at:
            out += f" on {_day(referral.decided_at)}"
        if referral.decision_reason:
            out += f": {_e(truncatewords(referral.decision_reason, 30))}"
    elif status == "info_requested":
        out += "More information asked for"
        if referral.info_request:
            out += f": {_e(truncatewords(referral.info_request, 30))}"
    else:
        out += "–"
    out += "</td>\n      <td>"
    try:
        placement = referral.placement
    except ObjectDoesNotExist:
        placement = None
    if placement:
        out += _e(placement.get_state_display())
        if placement.start_date:
            out += (
                f'<br><span class="meta">{_day(placement.start_date)} to '
                f"{_day(placement.last_day)}</span>"
            )
    else:
        out += "–"
    # Safe: every value above went through _e (or is fixed markup).
    return mark_safe(out + "</td>\n    </tr>\n  ")  # noqa: S308
