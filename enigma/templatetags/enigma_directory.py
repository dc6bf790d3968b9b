"""The student directory's rows, written in Python (a page of 50 pupils spent about a
third of its rendering on the row loop's variable lookups and escaping); byte for byte
what the loop in templates/enigma/students/_results.html wrote (tests/golden/
directory_rows.html holds that loop, tests/test_directory_rows.py compares them)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from enigma.formatting import escaped
from enigma.templatetags.enigma_nav import student_flags, student_url

register = template.Library()


@register.simple_tag(takes_context=True)
def directory_rows(context, students) -> SafeString:
    esc = escaped  # conditional_escape, without its lazy wrapper
    rows = []
    for s in students:
        off_roll = "" if s.on_roll else ' <span class="tag tag--grey">Off roll</span>'
        sen = (
            f'<span class="tag">{esc(s.get_sen_status_display())}</span>'
            if s.sen_status != "N"
            else "–"
        )
        rows.append(
            "\n      <tr>\n"
            f'        <th scope="row"><a href="{esc(student_url(s))}">{esc(s.surname)}, '
            f"{esc(s.forename)}</a>{off_roll}</th>\n"
            f'        <td data-label="Year">{esc(s.year_group)}</td>\n'
            f'        <td data-label="Tutor group">{esc(s.tutor_group)}</td>\n'
            f'        <td class="mono" data-label="UPN">{esc(s.upn)}</td>\n'
            f'        <td data-label="SEN">{sen}</td>\n'
            f"        <td>{student_flags(context, s)}</td>\n"
            "      </tr>\n      "
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped
