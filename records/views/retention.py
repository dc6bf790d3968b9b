"""The disposal review page, proposing and deciding disposals, and legal holds.

Restricted words never appear here: a due or proposed record is shown by kind, date,
category (or "Restricted") and rule; its summary only when it is not restricted.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from enigma.actor import actor_from
from enigma.capabilities import Capability
from enigma.permissions import get_student_for, requires
from records.forms.retention import ReasonForm
from records.models import DisposalProposal, Entry, LegalHold
from records.selectors import retention as selectors
from records.services import retention as services

PAGE_SIZE = 50
SHOWS = {"due": "Due for disposal", "proposed": "Awaiting approval", "disposed": "Disposed of"}


def _reason(request) -> tuple[str, list[str]]:
    """The posted reason, cleaned, or the messages that say what is wrong with it."""
    form = ReasonForm(request.POST)
    if form.is_valid():
        return form.cleaned_data["reason"], []
    return "", form.errors.get("reason", [])


def _errors(error: ValidationError) -> list[str]:
    return (
        [m for messages_ in error.message_dict.values() for m in messages_]
        if hasattr(error, "error_dict")
        else error.messages
    )


@requires(Capability.REVIEW_DISPOSAL)
def retention_review(request):
    today = timezone.localdate()
    show = request.GET.get("show", "due")
    if show not in SHOWS:
        show = "due"
    rows = {
        "due": lambda: selectors.due_entries(today),
        "proposed": selectors.open_proposals,
        "disposed": selectors.disposal_log,
    }[show]()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    entries = [getattr(row, "entry", row) for row in page.object_list]
    students = selectors.students_of(entries)
    rules = {r.pk: r for r in selectors.rules_in_force()}
    for row in page.object_list:
        entry = getattr(row, "entry", row)
        row.involved = students.get(entry.pk, [])
        row.rule_shown = rules.get(getattr(row, "rule_id", None)) or getattr(row, "rule", None)
    return render(
        request,
        "records/retention/review.html",
        {
            "show": show,
            "shows": SHOWS,
            "show_label": SHOWS[show],
            "page": page,
            "query_string": f"show={show}",
            "rules": list(rules.values()),
            "held_count": selectors.held_due_count(today) if show == "due" else None,
            "today": today,
        },
    )


@requires(Capability.PROPOSE_DISPOSAL)
@require_POST
def retention_propose(request):
    entry = get_object_or_404(Entry, pk=_number(request.POST.get("entry")))
    try:
        services.propose_disposal(entry=entry, by=actor_from(request))
    except ValidationError as error:
        for message in _errors(error):
            messages.error(request, message)
    else:
        messages.success(
            request,
            "Proposed for disposal: it now needs the head's or the school admin's approval.",
        )
    return redirect("records:retention_review")


@requires(Capability.APPROVE_DISPOSAL)
@require_POST
def retention_decide(request):
    proposal = get_object_or_404(
        DisposalProposal.objects.select_related("entry"), pk=_number(request.POST.get("proposal"))
    )
    approve = request.POST.get("decision") == "approve"
    reason, problems = _reason(request)
    if problems:
        for message in problems:
            messages.error(request, f"Why it should be kept: {message}")
        return redirect(f"{_url('records:retention_review')}?show=proposed")
    try:
        services.decide_disposal(
            proposal=proposal, by=actor_from(request), approve=approve, reason=reason
        )
    except ValidationError as error:
        for message in _errors(error):
            messages.error(request, message)
        return redirect(f"{_url('records:retention_review')}?show=proposed")
    messages.success(request, "Disposed of." if approve else "Rejected: the record is kept.")
    return redirect(f"{_url('records:retention_review')}?show=proposed")


@requires(Capability.PLACE_LEGAL_HOLD)
def retention_holds(request, pk):
    student = get_student_for(request.user, pk)
    entry = None
    entry_id = _number(request.POST.get("entry") or request.GET.get("entry"))
    if entry_id:
        entry = selectors.entry_in_file(student, entry_id)
        if entry is None:
            raise Http404("That record is not in this student's file.")
    errors, reason = [], ""
    if request.method == "POST":
        reason, errors = _reason(request)
        if not errors:
            try:
                services.place_hold(
                    student=student, by=actor_from(request), reason=reason, entry=entry
                )
            except ValidationError as error:
                errors = _errors(error)
        if errors:
            reason = request.POST.get("reason", "").replace("\x00", "")
        else:
            messages.success(
                request,
                "Legal hold placed: this record will not be disposed of."
                if entry
                else "Legal hold placed: nothing in this file will be disposed of.",
            )
            return redirect("records:retention_holds", pk=student.pk)
    holds = list(selectors.holds_on(student)[:PAGE_SIZE])
    return render(
        request,
        "records/retention/holds.html",
        {"student": student, "entry": entry, "holds": holds, "errors": errors, "reason": reason},
        status=400 if errors else 200,
    )


@requires(Capability.PLACE_LEGAL_HOLD)
@require_POST
def retention_hold_release(request):
    hold = get_object_or_404(LegalHold, pk=_number(request.POST.get("hold")))
    student = get_student_for(request.user, hold.student_id)
    reason, problems = _reason(request)
    if problems:
        for message in problems:
            messages.error(request, f"Why it is released: {message}")
        return redirect("records:retention_holds", pk=student.pk)
    try:
        services.release_hold(hold=hold, by=actor_from(request), reason=reason)
    except ValidationError as error:
        for message in _errors(error):
            messages.error(request, message)
    else:
        messages.success(request, "Legal hold released.")
    return redirect("records:retention_holds", pk=student.pk)


def _number(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)
