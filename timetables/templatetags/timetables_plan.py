"""The plan editor's cell, written in Python: a plan runs to a few hundred lessons, and
the same markup through an included template cost most of the page's rendering (each of
some 25 variables a cell shows looked up through the template engine, once per lesson).
The grid and a cell's htmx reply both use this tag, so the two cannot drift apart;
tests/test_timetable_plan.py holds it to the markup the template wrote, byte for byte.

Every value written is escaped here with the standard library's html.escape (what
django.utils.html.escape does, without its lazy-string wrapper, which cost more than the
rest of the cell)."""

from __future__ import annotations

from html import escape

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils.safestring import mark_safe

register = template.Library()

_CSRF = CsrfTokenNode()


def _e(value) -> str:
    return escape(str(value))


def _once(context) -> tuple[str, str, str]:
    """The cell URL's two halves (reversed once per render, the lesson's number goes
    between them) and the CSRF field (the same for every cell of a page)."""
    cache = context.render_context
    found = cache.get("plan_cell")
    if found is None:
        head, _, tail = reverse("timetables:plan_cell", args=[0]).rpartition("/0/")
        found = cache["plan_cell"] = (_e(head + "/"), _e("/" + tail), str(_CSRF.render(context)))
    return found


@register.simple_tag(takes_context=True)
def plan_cell(context) -> str:
    """One lesson of the plan: `view` (a CellView) and `can_edit`; for a cell's htmx reply
    also `warning` (with the `wanted` place), `error` and `focus`."""
    return mark_safe(  # noqa: S308 (_cell escapes every value it writes)
        _cell(
            context["view"],
            context.get("can_edit"),
            context.get("warning"),
            context.get("wanted", ""),
            context.get("error"),
            context.get("focus"),
            *_once(context),
        )
    )


@register.simple_tag(takes_context=True)
def plan_rows(context, week) -> str:
    """A week's rows of the grid (`week.rows`: each period with its lessons, None where
    there is none), as the plan page's loop wrote them with its plain cells (no warning,
    error or focus: those are for a cell's htmx reply)."""
    can_edit = context.get("can_edit")
    head, tail, csrf = _once(context)
    out = ["\n    "]
    for period, row in week.rows:
        out.append(
            f'\n      <tr><th scope="row">{_e(period.name)}<br><span class="meta">'
            f"{period.starts_at:%H:%M}</span></th>\n      "
        )
        for view in row:
            if view:
                cell = _cell(view, can_edit, "", "", "", False, head, tail, csrf)
                out.append(f"<td>{cell}</td>")
            else:
                out.append("<td></td>")
        out.append("\n      </tr>\n    ")
    # Safe: the period's name escaped, its time in figures, and the cells from _cell.
    return mark_safe("".join(out) + "\n    ")  # noqa: S308


def _cell(view, can_edit, warning, wanted, error, focus, head, tail, csrf) -> str:
    """plan_cell's markup, every value escaped."""
    pk = int(view.pk)
    url = f"{head}{pk}{tail}"
    subject, mode_label = _e(view.subject), _e(view.mode_label)
    full = view.full
    out = f'<div class="plan-cell plan-cell--{_e(view.mode)}{" plan-cell--full" if full else ""}" id="cell-{pk}">\n  '  # noqa: E501
    if can_edit and view.editable:
        out += (
            f'\n  <form method="post" action="{url}" hx-post="{url}" hx-target="#cell-{pk}"'
            f' hx-swap="outerHTML">\n    {csrf}\n'
            f'    <button type="submit" class="plan-cell__button" id="cell-button-{pk}"'
            f"{' autofocus' if focus else ''}>\n"
            f'      <span class="plan-cell__subject">{subject}</span>\n'
            f'      <span class="plan-cell__mode">{mode_label}</span>\n'
            f'      <span class="visually-hidden">, {_e(view.day_label)} {_e(view.period_name)}.'
            " Press to change.</span>\n    </button>\n  </form>\n  "
        )
    else:
        locked = ""
        if can_edit and view.locked and view.upcoming:
            locked = (
                ' <span class="plan-cell__locked">Locked<span class="visually-hidden">: '
                f"{_e(view.locked)}</span></span>"
            )
        out += (
            f'\n  <span class="plan-cell__static"><span class="plan-cell__subject">{subject}'
            f'</span> <span class="plan-cell__mode">{mode_label}</span>{locked}</span>\n  '
        )
    out += "\n  "
    if view.mode != "class" and view.upcoming:
        out += (
            f'<span class="plan-cell__use{" plan-cell__use--full" if full else ""}">'
            f"{int(view.room_count)} of {int(view.capacity)} in room</span>"
        )
    out += "\n  "
    if view.work_missing:
        out += '<span class="tag tag--overdue">No work set</span>'
    elif view.mode == "room" and view.work_status == "set":
        out += '<span class="tag tag--done">Work set</span>'
    out += "\n  "
    if warning:
        out += (
            f'\n  <div class="plan-cell__warning" role="alert">\n    <p>{_e(warning)}</p>\n'
            f'    <form method="post" action="{url}" hx-post="{url}" hx-target="#cell-{pk}"'
            ' hx-swap="outerHTML">\n'
            f'      {csrf}<input type="hidden" name="mode" value="{_e(wanted)}">'
            '<input type="hidden" name="confirm" value="1">\n'
            '      <button type="submit" class="button button--small">Overfill anyway</button>\n'
            "    </form>\n  </div>\n  "
        )
    out += "\n  "
    if error:
        out += f'<p class="field__error" role="alert">{_e(error)}</p>'
    # Every value above went through _e (or is a number, or Django's CSRF field).
    return out + "\n</div>\n"
