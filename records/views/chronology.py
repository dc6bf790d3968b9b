"""The student file: header, timeline (filtered, paginated), print view and CSV export.

Every read is audited: the file itself, each restricted entry shown in full, and every
print or export.
"""

from __future__ import annotations

import functools

from django.shortcuts import render
from django.utils import timezone

from enigma import audit
from enigma.actor import actor_from
from enigma.capabilities import Capability
from enigma.csv_export import csv_response
from enigma.permissions import requires
from records import access
from records.audit_actions import RecordsAction
from records.forms.entries import HAND_KINDS, TimelineFilterForm
from records.models import Entry
from records.selectors import chronology as selectors
from records.selectors import student_file as file_selectors
from records.views.common import (
    audit_restricted_reads,
    decide_visibility,
    mark_actions_readable,
)

# The file's sidebar lists the soonest open actions; the rest are counted.
SIDEBAR_ACTIONS = 8


def _timeline_form(request, student):
    return TimelineFilterForm(request.GET or None, authors=selectors.authors_for(student))


@requires(Capability.VIEW_STUDENTS)
def student_file(request, pk):
    student = file_selectors.student_for_file(request.user, pk)
    form = _timeline_form(request, student)
    file_selectors.give_filter_choices(form, student)
    page = file_selectors.timeline_page(
        student, request.user, form.filters(), request.GET.get("page")
    )
    entries = decide_visibility(request, list(page.object_list))
    sidebar, open_actions_count = file_selectors.file_sidebar_actions(
        student, request.user, SIDEBAR_ACTIONS
    )
    audit.read(
        RecordsAction.FILE_VIEWED,
        actor_from(request),
        obj=student,
        student=student,
        data={"filters": form.query_string(), "page": page.number},
    )
    audit_restricted_reads(request, student, entries)
    sidebar = mark_actions_readable(request, sidebar)
    context = {
        "student": student,
        "form": form,
        "page": page,
        "entries": entries,
        "query_string": form.query_string(),
        "filtered": form.filters().active,
        "kinds": [(k.value, k.label) for k in HAND_KINDS],
        # Asked only if the page shows them (a restricted entry's notice), and once.
        "dsl_team": functools.cache(selectors.dsl_team),
        "open_actions": sidebar,
        "open_actions_count": open_actions_count,
        "needs_second_factor": any(e.needs_second_factor for e in entries),
        "reauth_url": functools.cache(lambda: access.reauthentication_url(request)),
    }
    template = "records/student_file.html"
    if request.htmx and request.htmx.target == "timeline":
        template = "records/_timeline.html"
    return render(request, template, context)


def _export_entries(request, pk, export_format: str):
    """The whole filtered chronology for a print or CSV export, audited as one."""
    student = selectors.student_for_file(request.user, pk)
    form = _timeline_form(request, student)
    entries = decide_visibility(
        request, list(selectors.timeline(student, request.user, form.filters()))
    )
    audit.read(
        RecordsAction.EXPORTED,
        actor_from(request),
        obj=student,
        student=student,
        data={"format": export_format, "filters": form.query_string(), "entries": len(entries)},
    )
    audit_restricted_reads(request, student, entries)
    return student, form, entries


@requires(Capability.VIEW_STUDENTS)
def chronology_print(request, pk):
    student, form, entries = _export_entries(request, pk, "print")
    return render(
        request,
        "records/chronology_print.html",
        {
            "student": student,
            "entries": entries,
            "filters_text": form.query_string(),
            "printed_at": timezone.now(),
            "dsl_team": selectors.dsl_team(),
        },
    )


CSV_HEADER = [
    "Happened",
    "Recorded",
    "Back-dated",
    "Kind",
    "Category",
    "Restricted",
    "Recorded by",
    "Summary",
    "What happened",
    "Contact: who",
    "Contact: how",
    "What was agreed",
    "Amends entry",
    "Why corrected",
    "Amended later",
    "Entry id",
]


def _csv_row(entry: Entry, notice: str) -> list[str]:
    when = timezone.localtime(entry.occurred_at).strftime("%Y-%m-%d %H:%M")
    if not entry.show_content:
        return [when, "", "", "", "", "yes", "", notice] + [""] * 7 + [str(entry.pk)]
    return [
        when,
        timezone.localtime(entry.recorded_at).strftime("%Y-%m-%d %H:%M"),
        "yes" if entry.is_backdated else "",
        entry.get_kind_display(),
        str(entry.category or ""),
        "yes" if entry.is_restricted else "",
        str(entry.author),
        entry.summary,
        entry.account,
        entry.contact_with,
        entry.get_contact_method_display() if entry.contact_method else "",
        entry.agreed,
        str(entry.amends_id or ""),
        entry.amendment_reason,
        "yes" if entry.is_amended else "",
        str(entry.pk),
    ]


@requires(Capability.VIEW_STUDENTS)
def chronology_csv(request, pk):
    student, _filters, entries = _export_entries(request, pk, "csv")
    notice = access.RESTRICTED_NOTICE
    stamp = timezone.localdate().isoformat()
    return csv_response(
        f"chronology-{student.upn}-{stamp}.csv",
        CSV_HEADER,
        (_csv_row(entry, notice) for entry in entries),
    )
