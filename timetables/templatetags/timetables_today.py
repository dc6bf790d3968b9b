"""Today's "The day" table, its rows written in Python: each lesson of the day with who is
due in the room and who is in class. Through the template engine its ~30 lookups, filters
and links per lesson and per student cost more than the rest of the page's own markup.
tests/test_timetable_today.py holds the tag to the loop it replaced
(tests/golden/today_day_rows.html), byte for byte."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import time as time_filter
from django.utils.safestring import mark_safe

from enigma.formatting import escaped
from enigma.templatetags.enigma_nav import student_url

register = template.Library()

_NO_LESSONS = (
    '\n  <tr><td colspan="4">The school day has no lessons set up: the school admin adds '
    "them on the calendar page.</td></tr>\n  "
)
_NOBODY = '<span class="meta">Nobody</span>'
_OVER = ' <span class="tag tag--overdue">Over capacity</span>'


# {{ value }} under autoescape: safe strings as they are, the rest escaped.
_text = escaped  # conditional_escape, without its lazy wrapper


def _students(dues, note) -> str:
    if not dues:
        return _NOBODY
    return "<br>".join(
        f'<a href="{_text(student_url(due.student))}">{_text(due.student.name)}</a> '
        f'<span class="meta">({_text(due.cell.subject)}{note(due)})</span>'
        for due in dues
    )


def _in_room(dues) -> str:
    if not dues:
        return _NOBODY
    out = []
    for due in dues:
        one_to_one = ", 1:1" if due.cell.mode == "one_to_one" else ""
        text = (
            f'<a href="{_text(student_url(due.student))}">{_text(due.student.name)}</a> '
            f'<span class="meta">({_text(due.cell.subject)}{one_to_one})</span>'
        )
        if due.mark:
            tag = "tag--overdue" if due.absent else "tag--grey"
            text += f' <span class="tag {tag}">{_text(due.mark.get_status_display())}</span>'
        out.append(text)
    return "<br>".join(out)


def _in_class_note(due) -> str:
    return f", {_text(due.cell.room)}" if due.cell.room else ""


@register.simple_tag
def today_rows(page) -> str:
    """The rows of "The day", one per lesson of the day (or the row saying there are none)."""
    if not page.periods:
        return mark_safe(_NO_LESSONS)  # noqa: S308 - fixed markup
    query = f"date={_text(date_filter(page.day, 'Y-m-d'))}&amp;" if page.day != page.today else ""
    out = []
    for view in page.periods:
        period = view.period
        register_row = " today-table__row--register" if view == page.register else ""
        now = " · now" if view.state == "now" else ""
        over_class = "overdue" if view.over else ""
        over_tag = _OVER if view.over else ""
        out.append(
            f'\n  <tr class="today-table__row today-table__row--{_text(view.state)}{register_row}">'
            f'\n    <th scope="row"><a href="?{query}period={_text(period.pk)}#register">'
            f'{_text(period.name)}</a><br><span class="meta">'
            f"{_text(time_filter(period.starts_at, 'H:i'))}–"
            f"{_text(time_filter(period.ends_at, 'H:i'))}{now}</span></th>"
            f"\n    <td>{_in_room(view.in_room)}</td>"
            f'\n    <td><span class="{over_class}">{len(view.in_room)} of '
            f"{_text(view.capacity)}</span>{over_tag}</td>"
            f"\n    <td>{_students(view.in_class, _in_class_note)}</td>"
            "\n  </tr>\n  "
        )
    # Safe: fixed markup, and every value shown escaped.
    return mark_safe("".join(out))  # noqa: S308
