"""Small fragments of the placements' state for other pages to load with htmx (the
coordinator's Today page): reviews due, exits this week, the waiting list."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.vary import vary_on_headers

from enigma.capabilities import Capability
from enigma.permissions import requires
from referrals.selectors import decisions
from referrals.selectors import placements as selectors

SHOWN = 6
# For the people who act on what the panels list (the DSL and the school admin do not).
panel_readers = requires(Capability.OVERSEE_ROOM)


@panel_readers
@vary_on_headers("HX-Request")
def reviews_due_panel(request):
    board = selectors.reviews_board()
    return render(
        request,
        "referrals/panels/reviews_due.html",
        {
            "overdue": board.overdue,
            "due": board.due[:SHOWN],
            "more": max(0, len(board.due) - SHOWN),
            "due_by": board.due_by,
            "today": board.today,
        },
    )


@panel_readers
@vary_on_headers("HX-Request")
def exits_panel(request):
    today = timezone.localdate()
    rows = selectors.exits_this_week(today)
    return render(request, "referrals/panels/exits.html", {"rows": rows, "today": today})


@panel_readers
@vary_on_headers("HX-Request")
def waiting_panel(request):
    waiting = decisions.waiting_list()
    return render(
        request,
        "referrals/panels/waiting.html",
        {"waiting": waiting[:SHOWN], "more": max(0, len(waiting) - SHOWN), "total": len(waiting)},
    )
