"""The student file's entry card, written in Python.

records/_entry.html was included once per entry (25 a page): each card spent ~2,300
function calls in template variable look-ups, filters and four to six URL reverses. Here
the same markup is put together directly: links reversed once a process (enigma.links),
values escaped as the template escaped them. tests/test_entry_card.py holds it byte for
byte to the old template (tests/records_entry_reference.html) for every kind of card,
restricted ones above all: a card whose entry may not be read says only that it exists.
"""

from __future__ import annotations

import functools

from django import template
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.urls import get_script_prefix, get_urlconf
from django.utils.encoding import force_str
from django.utils.safestring import mark_safe

from enigma.formatting import LocalDays, escaped
from enigma.links import pk_url
from records.models import Entry
from records.selectors.chronology import CARD_LISTS

register = template.Library()

ASK_DSL_TEMPLATE = "records/_ask_dsl.html"


@functools.lru_cache(maxsize=16)
def _links(prefix: str, urlconf: str):
    # Kept per script prefix and URL configuration: what the links depend on.
    return (
        pk_url("records:entry_detail"),
        pk_url("records:student_file"),
        pk_url("records:attachment_download"),
    )


_e = escaped  # conditional_escape, without its lazy wrapper


def _days(context) -> LocalDays:
    """The dates' time zone and language, looked up once for the page's cards (kept in
    the render context of the template that lists them)."""
    days = context.render_context.get(LocalDays)
    if days is None:
        days = context.render_context[LocalDays] = LocalDays()
    return days


def _date(days: LocalDays, value) -> str:
    """{{ value|date }}: the day's words kept a process (enigma.formatting.day_text)."""
    return _e(days.day(value))


def _time(days: LocalDays, value) -> str:
    """{{ value|time:"H:i" }}, figures only."""
    return days.time(value)


@functools.lru_cache(maxsize=8)
def _choice_words(field_name: str, language: str | None) -> dict:
    """get_FOO_display()'s words for each of the field's values, in a language."""
    field = Entry._meta.get_field(field_name)
    return {value: force_str(label, strings_only=True) for value, label in field.flatchoices}


def _display(days: LocalDays, entry, field_name: str):
    """entry.get_FOO_display(), from the words kept for the language (a choice's value
    where it has no words, as Django gives it)."""
    value = getattr(entry, field_name)
    return _choice_words(field_name, days.language).get(value, value)


def _completion(action):
    try:
        return action.completion
    except ObjectDoesNotExist:
        return None


def _loaded(entry, relation: str):
    """What the timeline page loaded of `relation` as a list (selectors.CARD_LISTS), or
    else the relation's own (prefetched) rows."""
    rows = getattr(entry, CARD_LISTS[relation], None)
    return getattr(entry, relation).all() if rows is None else rows


def _reauth_url(context) -> str:
    url = context.get("reauth_url", "")
    return _e(url() if callable(url) else url)


def _ask_dsl(context) -> str:
    done = context.render_context.get(ASK_DSL_TEMPLATE)
    if done is None:
        done = context.template.engine.get_template(ASK_DSL_TEMPLATE).render(context)
        context.render_context[ASK_DSL_TEMPLATE] = done
    return done


@register.simple_tag(takes_context=True)
def entry_card(context, entry) -> str:
    """{% include "records/_entry.html" %} for `entry`, the same HTML."""
    if not getattr(entry, "show_content", False):
        return mark_safe(_restricted_card(context, entry) + "\n")  # noqa: S308 (escaped by _e)
    return mark_safe(_card(context, entry) + "\n")  # noqa: S308 (every value escaped by _e)


def _restricted_card(context, entry) -> str:
    if getattr(entry, "needs_second_factor", False):
        says = (
            '<p><span class="tag tag--restricted">Restricted</span> A restricted entry. '
            f'<a href="{_reauth_url(context)}">Confirm your second factor</a> to read it.</p>'
        )
    else:
        says = (
            '<p><span class="tag tag--restricted">Restricted</span> A restricted entry is '
            f"here. Ask {_ask_dsl(context)}.</p>"
        )
    return (
        '\n<article class="entry entry--restricted" aria-label="Restricted entry">\n'
        f'  <p class="entry__when">{_date(_days(context), entry.occurred_at)}</p>\n'
        f"  \n  {says}\n  \n</article>\n"
    )


def _card(context, entry) -> str:
    entry_url, file_url, download_url = _links(
        get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF
    )
    days = _days(context)
    kind = _e(entry.kind)
    pk = int(entry.pk)
    out = [
        f'<article class="entry entry--{kind}" aria-labelledby="entry-{pk}">\n',
        f'  <p class="entry__when">{_date(days, entry.occurred_at)}, '
        f"{_time(days, entry.occurred_at)}</p>\n",
        '  <p class="entry__tags">\n',
        f'    <span class="tag tag--{kind}">{_e(_display(days, entry, "kind"))}</span>\n    ',
    ]
    if entry.category:
        out.append(f'<span class="tag tag--grey">{_e(str(entry.category))}</span>')
    out.append("\n    ")
    if getattr(entry, "is_restricted", False):
        out.append('<span class="tag tag--restricted">Restricted</span>')
    out.append("\n    ")
    if getattr(entry, "is_amended", False):
        out.append('<span class="tag tag--amended">Amended</span>')
    out.append("\n    ")
    if entry.amends_id:
        out.append('<span class="tag tag--grey">Correction</span>')
    out.append("\n    ")
    if entry.is_backdated:
        out.append(
            '<span class="tag tag--grey" title="Recorded more than a day after it happened">'
            "Back-dated</span>"
        )
    out.append("\n  </p>\n")
    out.append(f'  <h3 id="entry-{pk}"><a href="{entry_url(pk)}">{_e(entry.summary)}</a></h3>\n  ')
    if entry.amends_id:
        original = entry.amends
        out.append('<p class="entry__amends">')
        if getattr(original, "show_content", False):
            out.append(
                f'Corrects the entry “<a href="{entry_url(entry.amends_id)}">'
                f"{_e(original.summary)}</a>”."
            )
        else:
            out.append("Corrects a restricted entry.")
        out.append(f" Why: {_e(entry.amendment_reason)}</p>")
    out.append("\n  ")
    if entry.account:
        out.append(f'<div class="entry__account pre">{_e(entry.account)}</div>')
    out.append("\n  ")
    if entry.kind == "contact":
        out.append(
            '\n  <dl class="summary summary--compact">\n'
            f"    <div><dt>Who</dt><dd>{_e(entry.contact_with)}</dd></div>\n"
            f"    <div><dt>How</dt><dd>{_e(_display(days, entry, 'contact_method'))}</dd>"
            "</div>\n    "
        )
        if entry.agreed:
            out.append(f'<div><dt>Agreed</dt><dd class="pre">{_e(entry.agreed)}</dd></div>')
        out.append("\n  </dl>\n  ")
    out.append("\n  ")
    count = getattr(entry, "student_count", None)
    if isinstance(count, int) and count > 1:
        student = context.get("student")
        student_pk = getattr(student, "pk", student)
        visible = entry.visible_students
        others = [s for s in visible if getattr(s, "pk", s) != student_pk]
        names = ", ".join(f'<a href="{file_url(s.pk)}">{_e(s.name)}</a>' for s in others)
        more = " and other students you do not have access to" if len(visible) < count else ""
        out.append(f'\n  <p class="meta">Also involves: {names}{more}</p>\n  ')
    out.append("\n  ")
    actions = _loaded(entry, "actions")
    if actions:
        out.append(
            '\n  <ul class="plain-list entry__actions" aria-label="Follow-up actions">\n    '
        )
        for a in actions:
            done = _completion(a)
            out.append("<li>")
            if done:
                out.append('<span class="tag tag--done">Done</span>')
            else:
                out.append('<span class="tag tag--open">Open</span>')
            out.append(
                f' {_e(a.description)} <span class="meta">– {_e(str(a.assignee))}, '
                f"due {_date(days, a.due_on)}"
            )
            if done:
                out.append(f"; done {_date(days, done.done_at)}: {_e(done.outcome)}")
            out.append("</span></li>")
        out.append("\n  </ul>\n  ")
    out.append("\n  ")
    files = _loaded(entry, "attachments")
    if files:
        links = ", ".join(
            f'<a href="{download_url(f.pk)}">{_e(f.original_name)}</a>' for f in files
        )
        out.append(f'\n  <p class="meta">Files: {links}</p>\n  ')
    out.append("\n  ")
    amendments = _loaded(entry, "amendments")
    if amendments:
        parts = []
        for a in amendments:
            if getattr(a, "show_content", False):
                parts.append(
                    f'<a href="{entry_url(a.pk)}">“{_e(a.summary)}”, {_date(days, a.recorded_at)} '
                    f"{_time(days, a.recorded_at)}</a>"
                )
            elif getattr(a, "needs_second_factor", False):
                parts.append(
                    f"A restricted correction, {_date(days, a.recorded_at)} "
                    f'(<a href="{_reauth_url(context)}">confirm your second factor</a> '
                    "to read it)"
                )
            else:
                parts.append(f"A restricted correction, {_date(days, a.recorded_at)}")
        out.append(
            f'\n  <p class="entry__amended meta">Corrected later: {"; ".join(parts)}</p>\n  '
        )
    out.append(
        f'\n  <p class="entry__by meta">Recorded by {_e(str(entry.author))} on '
        f"{_date(days, entry.recorded_at)} at {_time(days, entry.recorded_at)}</p>\n</article>\n"
    )
    return "\n" + "".join(out)


@register.simple_tag
def file_open_actions(actions, total) -> str:
    """The file's sidebar of open actions, as records/student_file.html's loop wrote it
    (tests/records_sidebar_reference.html; tests/test_file_open_actions.py): an action on
    an entry the reader may not read says only that it is there."""
    if not actions:
        return mark_safe("\n      <p>None open.</p>\n      ")
    entry_url = _links(get_script_prefix(), get_urlconf())[0]
    days = LocalDays()
    items = []
    for a in actions:
        if a.entry.show_content:
            what = f'<a href="{_e(entry_url(a.entry_id))}">{_e(a.description)}</a>'
        else:
            what = "An action on a restricted entry"
        items.append(
            f"\n        <li>{what}<br>\n"
            f'          <span class="meta">{_e(a.assignee)} · due {_date(days, a.due_on)}'
            "</span></li>\n"
            "        "
        )
    more = ""
    if total > len(actions):
        more = f'<p class="meta">And {total - len(actions)} more, due later.</p>'
    return mark_safe(  # noqa: S308 (every value escaped by _e)
        '\n      \n      <ul class="plain-list action-list">\n        '
        + "".join(items)
        + f"\n      </ul>\n      {more}\n      \n      "
    )
