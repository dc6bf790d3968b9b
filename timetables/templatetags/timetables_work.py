"""A work request's status tag, written in Python: My students shows it on every lesson
(a hundred or more on a busy page), and as an included template each cost more than the
row around it. tests/test_timetable_work.py holds it to the markup the template wrote."""

from __future__ import annotations

from html import escape

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

_FIXED = {
    "set": '<span class="tag tag--blue">Work set</span>',
    "completed": '<span class="tag tag--green">Done in the room</span>',
    "returned": '<span class="tag tag--grey">Returned to you</span>',
}


@register.simple_tag
def work_status(work) -> str:
    status = work.status
    if status == "requested":
        if getattr(work, "overdue", False):
            text = '<span class="tag tag--overdue">Work overdue</span>'
        else:
            text = '<span class="tag tag--open">Work to set</span>'
    else:
        text = _FIXED.get(status) or (
            f'<span class="tag tag--grey">{escape(str(work.get_status_display()))}</span>'
        )
    # Safe: fixed markup, and the one value shown (the status's label) escaped.
    return mark_safe(text + "\n")  # noqa: S308
