"""'My actions': each row written in Python. A page holds 50 actions, and the same
markup through the template engine was most of the page's rendering (some 20 variable
lookups, three {% url %} reverses and a date filter per row). What a row shows of a
restricted entry is decided before it gets here (records.views.common.decide_visibility:
entry.show_content, entry.needs_second_factor) and is only read here, as the template
read it; tests/test_my_actions_row.py holds the tag to the old template's markup, byte for
byte (tests/golden/my_actions_row.html).

Every value written is escaped with the standard library's html.escape (what
django.utils.html.escape does, without its lazy-string wrapper). Due dates are the date
filter's "D j M Y", from the words kept per day for the process (enigma.formatting.day_text).
"""

from __future__ import annotations

from html import escape

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.safestring import mark_safe

from enigma.formatting import day_text
from enigma.links import pk_url

register = template.Library()

_CSRF = CsrfTokenNode()


def _e(value) -> str:
    return escape(str(value))


class _Page:
    """What every row of one rendering shares: the links' patterns, the CSRF field, the
    page's own address, the second-factor link and each due date's words."""

    def __init__(self, context):
        self.student_file = pk_url("records:student_file")
        self.entry_detail = pk_url("records:entry_detail")
        self.complete = pk_url("records:action_complete")
        self.csrf = str(_CSRF.render(context))
        request = context.get("request")
        self.next = _e(request.get_full_path()) if request is not None else ""
        self.reauth_url = _e(context.get("reauth_url", ""))
        self.today = context.get("today")
        self.dates: dict = {}

    def due(self, day) -> str:
        words = self.dates.get(day)
        if words is None:
            words = self.dates[day] = _e(day_text(day))
        return words


@register.simple_tag(takes_context=True)
def my_action_row(context, action) -> str:
    """One open action of 'My actions' (the view's context: today, reauth_url, request)."""
    page = context.render_context.get("my_action_row")
    if page is None:
        page = context.render_context["my_action_row"] = _Page(context)
    entry = action.entry
    due_on, today = action.due_on, page.today
    overdue = due_on < today
    tag = ""
    if overdue:
        tag = ' <span class="tag tag--overdue">Overdue</span>'
    elif due_on == today:
        tag = ' <span class="tag">Today</span>'
    students = ", ".join(
        f'<a href="{_e(page.student_file(s.pk))}">{_e(s.name)}</a>' for s in entry.visible_students
    )
    row_class = ' class="overdue"' if overdue else ""
    out = (
        f"\n    <tr{row_class}>\n"
        f"      <td>{page.due(due_on)}{tag}</td>\n"
        f"      <td>{students or '–'}</td>\n      "
    )
    if entry.show_content:
        pk = int(action.pk)
        description = _e(action.description)
        out += (
            f"\n      <td>{description}</td>\n"
            f'      <td><a href="{_e(page.entry_detail(action.entry_id))}">{_e(entry.summary)}'
            "</a></td>\n      <td>\n"
            f'        <form method="post" action="{_e(page.complete(pk))}" class="inline-form">'
            f"{page.csrf}\n"
            f'          <input type="hidden" name="next" value="{page.next}">\n'
            f'          <label for="outcome-{pk}" class="visually-hidden">What came of'
            f" “{description}”</label>\n"
            f'          <input type="text" id="outcome-{pk}" name="outcome" required'
            ' placeholder="What came of it">\n'
            '          <button type="submit" class="button button--quiet">Done</button>\n'
            "        </form>\n      </td>\n      "
        )
    elif entry.needs_second_factor:
        out += (
            '\n      <td colspan="3">An action on a restricted entry. '
            f'<a href="{page.reauth_url}">Confirm your second factor</a> to read it.</td>\n      '
        )
    else:
        out += '\n      <td colspan="3">An action on a restricted entry.</td>\n      '
    # Safe: every value above went through _e (or is a number, or Django's CSRF field).
    return mark_safe(out + "\n    </tr>\n  ")  # noqa: S308
