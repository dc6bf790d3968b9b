"""Today: the coordinator's home page. Each lesson of the day, who is due in the room and
who is in class, the room's use, the register (one tap per student, with htmx or
without), alerts for absences, and side panels loaded from their own apps' URLs.

The room team reads it; the coordinator and the SENCO take the register.
"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, get_urlconf, resolve, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from enigma.actor import actor_from
from enigma.capabilities import Capability
from enigma.inputs import parse_int, query_date, shift
from enigma.permissions import declared_capabilities, requires
from timetables.models import PlanCell, RegisterMark, lesson_started
from timetables.selectors import today as selectors
from timetables.services import register

register_takers = requires(Capability.TAKE_REGISTER)
# Loaded with htmx from their own apps' URLs.
SIDE_PANELS = (
    "referrals:panel_reviews_due",
    "referrals:panel_exits",
    "timetables:work_panel",
    "referrals:panel_waiting",
)


def _period(request) -> int | None:
    return parse_int(request.GET.get("period", "") or request.POST.get("period", ""), minimum=1)


@requires(Capability.READ_PLACEMENTS)
def today(request):
    day = query_date(request, "date")
    page = selectors.today_page(day, period_pk=_period(request))
    return render(
        request,
        "timetables/today/today.html",
        {
            "page": page,
            "can_mark": request.user.can(Capability.TAKE_REGISTER) and page.can_mark,
            # No link to a day outside the dates Enigma shows (see enigma.inputs).
            "previous_day": shift(page.day, -3 if page.day.weekday() == 0 else -1),
            "next_day": shift(page.day, 3 if page.day.weekday() == 4 else 1),
            "statuses": RegisterMark.Status.choices,
            "works": RegisterMark.Work.choices,
            "scores": range(1, 6),
            "side_panels": _side_panels(request.user),
        },
    )


def _side_panels(user) -> list[str]:
    """The panels this person may open (each declares what it needs)."""
    return [
        url
        for url, needed in _panels(get_script_prefix(), get_urlconf())
        if needed and user.can(*needed)
    ]


@functools.lru_cache(maxsize=16)
def _panels(prefix: str, urlconf) -> tuple[tuple[str, frozenset | None], ...]:
    """Each side panel's URL and the capabilities its view declares: kept per script
    prefix and URL configuration, what they depend on (reversing and resolving the four
    on every view of the page cost as much as a query)."""
    return tuple(
        (url, declared_capabilities(resolve(url, urlconf).func))
        for url in (reverse(name, urlconf) for name in SIDE_PANELS)
    )


def _engagement(raw: str) -> int | None:
    return int(raw) if raw in {"1", "2", "3", "4", "5"} else None


def _back(cell: PlanCell):
    url = reverse("timetables:today")
    query = f"?period={cell.period_id}"
    if cell.date != timezone.localdate():
        query += f"&date={cell.date:%Y-%m-%d}"
    return redirect(f"{url}{query}#register-{cell.pk}")


@register_takers
@require_POST
@vary_on_headers("HX-Request")
def register_mark(request, cell_pk: int):
    due = _row(cell_pk)
    cell = due.cell
    status = request.POST.get("status") or request.POST.get("current_status", "")
    error = ""
    try:
        register.mark(
            cell.placement,
            cell.date,
            cell.period,
            by=actor_from(request),
            status=status,
            engagement=_engagement(request.POST.get("engagement", "")),
            work_completed=request.POST.get("work_completed", ""),
            note=request.POST.get("note", ""),
        )
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if request.htmx:
        # A pupil newly marked present is done with: the page moves on to the next pupil
        # not yet marked. Late and Absent stay in the row, for a note or a concern, and
        # so does a change to a mark already made.
        advance = not error and due.mark is None and request.POST.get("status") == "present"
        return _render_row(
            request, cell_pk, error=error, typed=request.POST if error else None, advance=advance
        )
    if error:
        messages.error(request, f"{cell.placement.student.name}: {error}")
    return _back(cell)


@register_takers
@require_POST
@vary_on_headers("HX-Request")
def register_concern(request, cell_pk: int):
    """An absence from the room, recorded as a concern in the student's file in one step."""
    due = _row(cell_pk)
    error = ""
    if due.mark is None:
        error = "Mark the student absent first."
    else:
        try:
            register.record_absence_concern(due.mark, by=actor_from(request))
        except ValidationError as exc:
            error = " ".join(exc.messages)
    if request.htmx:
        # The button pressed is gone with the prompt: keep focus in the row, on "Absent".
        return _render_row(request, cell_pk, error=error, focus="absent")
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request, f"The absence is recorded as a concern in {due.student.name}'s file."
        )
    return _back(due.cell)


def _row(cell_pk: int) -> selectors.Due:
    try:
        return selectors.register_row(cell_pk)
    except PlanCell.DoesNotExist:
        raise Http404 from None


def _render_row(
    request, cell_pk: int, *, error: str = "", typed=None, focus: str = "", advance=False
):
    """The row again, with "Needs attention" (so that it never sends the coordinator to
    a student just marked) and "The day" (so its marks are the ones just saved), both
    out of band, as the page shows them for this lesson."""
    due = selectors.register_row(cell_pk)
    return render(
        request,
        "timetables/today/_register_row.html",
        {
            "due": due,
            # A refused mark keeps its form, so nothing typed is lost.
            "can_mark": typed is not None or lesson_started(due.cell.date, due.cell.period),
            "focus": focus,
            "advance": advance,
            "fresh": True,  # sent back after a change: enigma.js says what was saved
            "alerts_page": selectors.today_page(due.cell.date, period_pk=due.cell.period_id),
            "error": error,
            "typed": typed,
            "statuses": RegisterMark.Status.choices,
            "works": RegisterMark.Work.choices,
            "scores": range(1, 6),
        },
    )
