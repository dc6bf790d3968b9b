"""The safeguarding queue's two tables, their rows written in Python.

The page lists up to 50 open actions and 100 recent entries; through the template engine
each row cost some 15 variable look-ups, one to three {% url %} reverses (a regex
substitution and a walk of the URL resolvers each) and a date format or two, which was
most of the page's time. Here each table's rows are put together directly: links from
one reverse a process (enigma.links), a day's words kept (enigma.formatting.day_text),
each value escaped as the template escaped it.

The page is the DSL team's alone (Capability.OVERSEE_SAFEGUARDING, with a fresh second
factor); what it lists is chosen by the view and its selector (only restricted entries
and actions on them, only the students the viewer may see) and is only written here.
tests/test_safeguarding_queue_rows.py holds both tags to the old rows
(tests/golden/safeguarding_queue_rows.html), byte for byte.
"""

from __future__ import annotations

import functools
from html import escape

from django import template
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import mark_safe

from enigma.formatting import LocalDays
from enigma.links import pk_url

register = template.Library()


def _e(value) -> str:
    # What the template's autoescape did to these values (text from the database, numbers,
    # names: none of them already safe HTML), without django.utils.html.escape's lazy-string
    # wrapper: html.escape, as records_actions does.
    return escape(str(value))


@functools.lru_cache(maxsize=16)
def _links(prefix: str, urlconf: str | None):
    # Kept per script prefix and URL configuration: what the links depend on.
    return pk_url("records:student_file"), pk_url("records:entry_detail")


def _day(days: LocalDays, value) -> str:
    """{{ value|date }} (DATE_FORMAT, "D j M Y"), a day's words kept."""
    return _e(days.day(value))


_OVERDUE_ROW = ' class="overdue"'
_OVERDUE_TAG = ' <span class="tag tag--overdue">Overdue</span>'
_CORRECTION_TAG = ' <span class="tag tag--grey">Correction</span>'
_NONE_SET = '<span class="tag tag--overdue">None set</span>'


def _names(students, student_file) -> str:
    return ", ".join(f'<a href="{_e(student_file(s.pk))}">{_e(s.name)}</a>' for s in students)


@register.simple_tag(takes_context=True)
def safeguarding_action_rows(context, actions) -> str:
    """The open actions' rows: each action with the students of its entry the viewer
    may see (visible_students) loaded."""
    student_file, entry_detail = _links(get_script_prefix(), get_urlconf())
    today = context["today"]
    days = LocalDays()
    rows = []
    for a in actions:
        due_on = a.due_on
        overdue = due_on < today
        rows.append(
            f"\n      <tr{_OVERDUE_ROW if overdue else ''}>\n"
            f"        <td>{_day(days, due_on)}{_OVERDUE_TAG if overdue else ''}</td>\n"
            f"        <td>{_names(a.visible_students, student_file) or '–'}</td>\n"
            f"        <td>{_e(a.description)}</td>\n"
            f"        <td>{_e(a.assignee)}</td>\n"
            f'        <td><a href="{_e(entry_detail(a.entry_id))}">{_e(a.entry.summary)}</a></td>\n'
            "      </tr>\n    "
        )
    # Safe: every value above went through _e, or is one of the constants above.
    return mark_safe("".join(rows))  # noqa: S308


@register.simple_tag
def safeguarding_recent_rows(entries) -> str:
    """The recent restricted entries' rows: each entry with its listed_students loaded
    and open_actions annotated."""
    student_file, entry_detail = _links(get_script_prefix(), get_urlconf())
    days = LocalDays()
    rows = []
    for e in entries:
        open_actions = e.open_actions
        rows.append(
            "\n      <tr>\n"
            f"        <td>{_day(days, e.recorded_at)}, {days.time(e.recorded_at)}</td>\n"
            f"        <td>{_names(e.listed_students, student_file)}</td>\n"
            f'        <td><a href="{_e(entry_detail(e.pk))}">{_e(e.summary)}</a>'
            f"{_CORRECTION_TAG if e.amends_id else ''}</td>\n"
            f"        <td>{_e(e.author)}</td>\n"
            f"        <td>{_e(open_actions) if open_actions else _NONE_SET}</td>\n"
            "      </tr>\n    "
        )
    # Safe: every value above went through _e, or is one of the constants above.
    return mark_safe("".join(rows))  # noqa: S308
