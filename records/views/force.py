"""Use of reasonable force: record one for a pupil, correct it or add its debrief, and
the list of them. For those who may read force records, after a fresh second factor."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from enigma.actor import actor_from
from enigma.capabilities import Capability
from enigma.forms.common import add_service_errors
from enigma.permissions import requires
from records import access
from records.forms.force import ForceForm, ForceListFilter, initial_from
from records.models import Entry
from records.selectors import chronology as chronology_selectors
from records.selectors import force as selectors
from records.services.force import record_force
from records.views.common import audit_restricted_reads, entry_for


def _fresh_or_redirect(request):
    if access.second_factor_is_fresh(request):
        return None
    return redirect(access.reauthentication_url(request))


@requires(Capability.RECORD_FORCE)
def force_add(request, pk):
    student = chronology_selectors.student_for_file(request.user, pk)
    data = request.POST if request.method == "POST" else None
    form = ForceForm(
        data,
        user=request.user,
        student=student,
        initial={
            "occurred_at": timezone.localtime().replace(second=0, microsecond=0),
            "staff": [request.user.pk],
            "parents_told": "not_yet",
        },
    )
    if data is not None and form.is_valid():
        try:
            record = record_force(
                by=actor_from(request), students=form.students(), details=form.details()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, "Recorded. The record is restricted to those who may read it."
            )
            return redirect("records:entry_detail", entry_pk=record.entry_id)
    return render(request, "records/force/form.html", {"student": student, "form": form})


@requires(Capability.RECORD_FORCE)
def force_amend(request, entry_pk):
    refused = _fresh_or_redirect(request)
    if refused is not None:
        return refused
    entry = entry_for(request, entry_pk, queryset=Entry.objects.filter(kind=Entry.Kind.FORCE))
    if not access.may_read_restricted(request.user, entry):
        raise Http404
    latest = selectors.latest_of_thread(entry)
    if latest.pk != entry.pk:
        messages.info(request, "This record was corrected since: here is the latest.")
        return redirect("records:force_amend", entry_pk=latest.pk)
    if latest.disposed_at is not None:
        raise Http404
    data = request.POST if request.method == "POST" else None
    form = ForceForm(data, user=request.user, correcting=True, initial=initial_from(latest))
    if data is not None and form.is_valid():
        try:
            record = record_force(
                by=actor_from(request),
                students=[],
                details=form.details(),
                amends=latest,
                amendment_reason=form.cleaned_data["amendment_reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Correction recorded. The earlier record stays as it was.")
            return redirect("records:entry_detail", entry_pk=record.entry_id)
    return render(request, "records/force/form.html", {"entry": latest, "form": form})


@requires(Capability.READ_FORCE_RECORDS)
def force_list(request):
    refused = _fresh_or_redirect(request)
    if refused is not None:
        return refused
    filters = ForceListFilter(request.GET or None)
    date_from, date_to = filters.dates()
    page = Paginator(
        selectors.force_list(request.user, date_from=date_from, date_to=date_to),
        selectors.FORCE_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    records = list(page.object_list)
    for record in records:
        record.entry.is_restricted = True
        record.entry.show_content = True
    audit_restricted_reads(request, None, [r.entry for r in records])
    return render(
        request,
        "records/force/list.html",
        {"page": page, "records": records, "filters": filters},
    )
