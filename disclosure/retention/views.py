"""The room records' disposal review page, with the chronology's own review summed up at
its head (the records app's page lists the entries; records imports nothing from here),
and the two halves of a disposal.

A room record is shown by whose it is, when it was referred, its placement's dates and
state, and its rule: never a referral's or a placement's words.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from disclosure.models import PupilRecordProposal, RoomRecordProposal
from disclosure.retention import selectors, services
from enigma.actor import actor_from
from enigma.capabilities import Capability
from enigma.models import Student
from enigma.permissions import requires
from records.forms.retention import ReasonForm
from records.selectors import retention as entry_selectors

PAGE_SIZE = 50
SHOWS = {"due": "Due for disposal", "proposed": "Awaiting approval", "disposed": "Disposed of"}


def _number(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [m for found in error.message_dict.values() for m in found]
    return error.messages


def _back(show: str) -> str:
    return f"{reverse('disclosure:room_retention')}?show={show}"


def _listed(request, lists: dict) -> tuple[str, object, dict]:
    """Which list is asked for (due, proposed or disposed), its page, and the rules in
    force by id; each due row is given the rule it falls under (rule_shown)."""
    show = request.GET.get("show", "due")
    if show not in SHOWS:
        show = "due"
    page = Paginator(lists[show](), PAGE_SIZE).get_page(request.GET.get("page"))
    rules = {r.pk: r for r in entry_selectors.rules_in_force()}
    if show == "due":
        for row in page.object_list:
            row.rule_shown = rules.get(row.rule_id)
    return show, page, rules


def _list_context(show: str, page) -> dict:
    return {
        "show": show,
        "shows": SHOWS,
        "show_label": SHOWS[show],
        "page": page,
        "query_string": f"show={show}",
    }


def _propose(request, propose, **target) -> None:
    """The first person's half of either kind, with its outcome as a message."""
    try:
        propose(**target, by=actor_from(request))
    except ValidationError as error:
        for message in _messages(error):
            messages.error(request, message)
    else:
        messages.success(
            request,
            "Proposed for disposal: it now needs the head's or the school admin's approval.",
        )


@requires(Capability.REVIEW_DISPOSAL)
def room_retention(request):
    today = timezone.localdate()
    show, page, rules = _listed(
        request,
        {
            "due": lambda: selectors.due_room_records(today),
            "proposed": selectors.open_room_proposals,
            "disposed": selectors.room_disposals,
        },
    )
    if show == "proposed":
        referrals = selectors.referrals_by_number(p.referral_number for p in page.object_list)
        for row in page.object_list:
            row.referral = referrals.get(row.referral_number)
    return render(
        request,
        "disclosure/room_retention.html",
        {
            **_list_context(show, page),
            "rules": [r for r in rules.values() if r.basis in ("sen", "pupil")],
            "held_count": selectors.held_due_room_records_count(today) if show == "due" else None,
            "entries_due": entry_selectors.due_entries(today).count(),
            "entries_proposed": entry_selectors.open_proposals().count(),
        },
    )


@requires(Capability.PROPOSE_DISPOSAL)
@require_POST
def room_retention_propose(request):
    number = _number(request.POST.get("referral"))
    referral, disposed = selectors.referral_to_dispose(number)
    if referral is None:
        if not disposed:
            raise Http404("No such referral.")
        messages.error(request, "This record has already been disposed of.")
        return redirect(_back("due"))
    _propose(request, services.propose_room_disposal, referral=referral)
    return redirect(_back("due"))


@requires(Capability.APPROVE_DISPOSAL)
@require_POST
def room_retention_decide(request):
    return _decide(
        request, RoomRecordProposal, services.decide_room_disposal, "disclosure:room_retention"
    )


def _decide(request, model, decide, page: str):
    """The second person's half of either kind: approve, or keep with a reason."""
    proposal = get_object_or_404(model, pk=_number(request.POST.get("proposal")))
    approve = request.POST.get("decision") == "approve"
    back = reverse(page)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        for message in form.errors.get("reason", []):
            messages.error(request, f"Why it should be kept: {message}")
        return redirect(f"{back}?show=proposed")
    try:
        decide(
            proposal=proposal,
            by=actor_from(request),
            approve=approve,
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        for message in _messages(error):
            messages.error(request, message)
        return redirect(f"{back}?show=proposed")
    messages.success(request, "Disposed of." if approve else "Rejected: the record is kept.")
    return redirect(f"{back}?show={'disposed' if approve else 'proposed'}")


# --- the pupil's remaining record ----------------------------------------------------------

PUPIL_PAGE = "disclosure:pupil_retention"


@requires(Capability.REVIEW_DISPOSAL)
def pupil_retention(request):
    today = timezone.localdate()
    show, page, rules = _listed(
        request,
        {
            "due": lambda: selectors.due_pupil_records(today),
            "proposed": selectors.open_pupil_proposals,
            "disposed": selectors.pupil_disposals,
        },
    )
    return render(
        request,
        "disclosure/pupil_retention.html",
        {
            **_list_context(show, page),
            "rules": sorted(rules.values(), key=lambda r: r.years_after_birth),
            "held_count": selectors.held_due_pupil_records_count(today) if show == "due" else None,
        },
    )


@requires(Capability.PROPOSE_DISPOSAL)
@require_POST
def pupil_retention_propose(request):
    student = get_object_or_404(Student, pk=_number(request.POST.get("student")))
    _propose(request, services.propose_pupil_disposal, student=student)
    return redirect(f"{reverse(PUPIL_PAGE)}?show=due")


@requires(Capability.APPROVE_DISPOSAL)
@require_POST
def pupil_retention_decide(request):
    return _decide(request, PupilRecordProposal, services.decide_pupil_disposal, PUPIL_PAGE)
