"""The case summary's repeated parts written in Python: the targets rated at each review,
the views at each review and the chronology's rows. Through the template engine they were
most of the page's rendering (a dozen lookups, a date filter and a choice's label per row,
up to 200 rows of the chronology). What an entry's row may show is decided before it gets
here (oversight.case: an entry this reader may not read is not among summary.entries, only
counted); the rows only write it. tests/test_case_summary_golden.py holds each tag to the
old template's markup, byte for byte (tests/golden/case_summary_parts.html).

Every value written is escaped with the standard library's html.escape (what
django.utils.html.escape does, without its lazy-string wrapper); dates are the date
filter's "D j M Y" of the local day (enigma.formatting.day_text)."""

from __future__ import annotations

from html import escape

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe

from enigma.formatting import day_text

register = template.Library()


def _e(value) -> str:
    return escape(str(value))


def _day(value) -> str:
    """{{ value|date }}: "" for none, a moment by its local day."""
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and timezone.is_aware(value):
        value = timezone.localtime(value)
    return _e(day_text(value.date() if hasattr(value, "tzinfo") else value))


@register.simple_tag
def case_review_headings(reviews) -> str:
    """The targets table's column headings: each review held, with its date."""
    return mark_safe(  # noqa: S308 - every value in it is escaped
        "".join(
            f'<th scope="col">{_e(review)}<br><span class="meta">{_day(review.held_on)}</span></th>'
            for review in reviews
        )
    )


@register.simple_tag
def case_target_rows(targets, reviews) -> str:
    """The targets table's rows: each target, and its rating at each review."""
    if not targets:
        return mark_safe(  # noqa: S308 - a number only
            f'<tr><td colspan="{len(reviews) + 1}">No targets set.</td></tr>'
        )
    out = []
    for row in targets:
        target = row["target"]
        dropped = "" if target.active else " (dropped)"
        out.append(
            f'<tr><th scope="row">{_e(target.get_area_display())}: {_e(target.description)}'
            f"{dropped}</th>"
        )
        for rating in row["ratings"]:
            if rating:
                comment = f": {_e(rating.comment)}" if rating.comment else ""
                out.append(f"<td>{_e(rating.get_rating_display())}{comment}</td>")
            else:
                out.append("<td>–</td>")
        out.append("</tr>")
    return mark_safe("".join(out))  # noqa: S308 - every value in it is escaped


_VIEWS = """
    <div class="ov-review">
      <h4>{title}, {held_on}{held_by}{signed_off}</h4>
      <dl class="ov-facts">
        <div><dt>The pupil’s view</dt><dd class="pre">{student_view}</dd></div>
        <div><dt>Parents’ or carers’ view</dt><dd class="pre">{parent_view}</dd></div>
        <div><dt>Attendance in the room</dt><dd>{attendance}{engagement}</dd></div>
        <div><dt>Next step</dt><dd class="pre">{next_step}</dd></div>
      </dl>
    </div>
    """


@register.simple_tag
def case_review_views(reviews) -> str:
    """The pupil's and parents' views, attendance and next step agreed at each review."""
    if not reviews:
        return mark_safe("<p>No review has been held yet.</p>")
    return mark_safe(  # noqa: S308 - every value in it is escaped
        "".join(
            _VIEWS.format(
                title=_e(review),
                held_on=_day(review.held_on),
                held_by=f" (held by {_e(review.held_by)})" if review.held_by else "",
                signed_off=(
                    f"; signed off by {_e(review.signed_off_by)}" if review.signed_off_at else ""
                ),
                student_view=_e(review.student_view or "Not recorded"),
                parent_view=_e(review.parent_view or "Not recorded"),
                attendance=_e(review.room_attendance or "–"),
                engagement=(
                    f"; engagement {_e(review.get_engagement_display().lower())}"
                    if review.engagement
                    else ""
                ),
                next_step=_e(review.next_step or "–"),
            )
            for review in reviews
        )
    )


@register.simple_tag
def case_entry_rows(entries) -> str:
    """The chronology's rows: when, what (kind, category, whether restricted, summary)
    and who recorded it, for the entries the reader may read."""
    if not entries:
        return mark_safe('<tr><td colspan="3">No entry to show.</td></tr>')
    out = []
    for entry in entries:
        category = f" · {_e(entry.category)}" if entry.category else ""
        restricted = " · RESTRICTED" if getattr(entry, "is_restricted", False) else ""
        out.append(
            f"<tr><td>{_day(entry.occurred_at)}</td><td>{_e(entry.get_kind_display())}"
            f"{category}{restricted}: {_e(entry.summary)}</td><td>{_e(entry.author)}</td></tr>"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value in it is escaped
