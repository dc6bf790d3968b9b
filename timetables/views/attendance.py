"""The room register as attendance codes: a CSV per day or week, and the lessons where
the register and the plan disagree (timetables.selectors.attendance)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from enigma import audit
from enigma.actor import actor_from
from enigma.capabilities import Capability
from enigma.csv_export import csv_response
from enigma.permissions import requires
from timetables.audit_actions import ATTENDANCE_EXPORTED
from timetables.forms.attendance import AttendanceRangeForm
from timetables.selectors import attendance as selectors

HEADER = ["UPN", "Date", "Session", "Code", "Minutes in the room", "Note"]
PAGE_SIZE = 50


def _form(request) -> AttendanceRangeForm:
    return AttendanceRangeForm(request.GET or None, today=timezone.localdate())


@requires(Capability.EXPORT_ATTENDANCE)
def attendance(request):
    form = _form(request)
    start, end = form.range()
    page = Paginator(
        selectors.disagreements(start, end, until=timezone.localdate()), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "timetables/attendance.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "page": page,
            "codes": [
                ("Present in the room", "/ (AM), \\ (PM)"),
                ("Late to the room", "L"),
                ("Absent from the room", selectors.TO_CHECK),
                ("In class instead", "none: the class register applies"),
                ("Part-time timetable, no lesson planned that session", "C2"),
            ],
        },
    )


@requires(Capability.EXPORT_ATTENDANCE)
def attendance_csv(request):
    form = _form(request)
    start, end = form.range()
    rows = selectors.attendance_rows(start, end)
    audit.read(
        ATTENDANCE_EXPORTED,
        actor_from(request),
        data={"from": start.isoformat(), "to": end.isoformat(), "rows": len(rows)},
    )
    return csv_response(
        f"room-attendance-{start.isoformat()}-to-{end.isoformat()}.csv",
        HEADER,
        ([r.upn, r.date.isoformat(), r.session, r.code, r.minutes, r.note] for r in rows),
    )
