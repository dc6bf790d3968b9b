"""A work request's status tag, written in Python: My students shows it on every lesson
(a hundred or more on a busy page), and as an included template each cost more than the
row around it. tests/test_timetable_work.py holds it to the markup the template wrote."""

from __future__ import annotations

from html import escape

from django import template
from django.utils.safestring import mark_safe

from enigma.templatetags.enigma_words import field_errors, is_check, says_optional

register = template.Library()


def _text(value) -> str:
    """{{ value }} under autoescape: safe strings as they are, the rest escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape(str(value))


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


@register.simple_tag
def work_field(field) -> str:
    """One field of a "Set the work" form, as includes/field.html writes it (My students
    shows a form for each lesson that needs work, and the include cost as much again as
    the widgets). tests/test_timetable_work.py holds it to includes/field.html."""
    check = is_check(field)
    auto_id = escape(str(field.auto_id))
    label = f'<label for="{escape(str(field.id_for_label))}">{_text(field.label)}'
    out = [f'<div class="field{" field--error" if field.errors else ""}">\n  ']
    if check:
        out.append(f'\n  <div class="field__check">{field}{label}</label></div>\n  ')
    else:
        optional = (
            ' <span class="field__optional">(optional)</span>' if says_optional(field) else ""
        )
        out.append(f"\n  {label}{optional}</label>\n  ")
    out.append("\n  ")
    if field.help_text:
        out.append(f'<p class="field__hint" id="{auto_id}_helptext">{_text(field.help_text)}</p>')
    out.append("\n  ")
    for error in field_errors(field):
        out.append(
            f'<p class="field__error" id="{auto_id}_error"><span class="visually-hidden">'
            f"Error:</span> {_text(error)}</p>"
        )
    out.append("\n  ")
    if not check:
        out.append(str(field))
    # Safe: the widget's own markup, and every other value escaped.
    return mark_safe("".join(out) + "\n</div>\n")  # noqa: S308
