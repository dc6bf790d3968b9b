"""The deputy head's approvals: referrals waiting for a decision, the room's capacity,
the decision page (approve, ask for more information, decline) and the waiting list.

Only a deputy head decides and keeps the waiting list; the coordinator and the SENCO
may read the approvals page and the waiting list (without the forms). Reads go through
referrals.selectors.decisions and writes through referrals.services.decisions, which lock what
they change: a decision someone else made meanwhile comes back as a ValidationError
without a field, shown as a message.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_POST

from enigma import audit
from enigma.actor import actor_from
from enigma.capabilities import Capability
from enigma.forms.common import add_service_errors
from enigma.permissions import requires
from referrals.audit_actions import REFERRAL_VIEWED
from referrals.forms.decisions import (
    DECISION_FORMS,
    ApproveForm,
    DeclineForm,
    InformationForm,
    PriorityForm,
    RemoveForm,
    StartCheckForm,
    row_form,
)
from referrals.models import Placement, Referral
from referrals.purposes import purpose_labels
from referrals.selectors import decisions as selectors
from referrals.services import decisions, placements
from referrals.services.decisions import RULE_FIELDS

deciders = requires(Capability.DECIDE_REFERRAL)
approvals_readers = requires(Capability.READ_APPROVALS)


def _day(value) -> str:
    return date_format(value, "D j M")


def _service_error(request, form, error: ValidationError) -> bool:
    """Put a service's error on the form; True if it named no field of the form (the
    referral or placement changed meanwhile), in which case it becomes a message."""
    if hasattr(error, "error_dict") and any(name in form.fields for name in error.error_dict):
        add_service_errors(form, error)
        return False
    for text in error.messages:
        messages.error(request, text)
    return True


# --- approvals ---------------------------------------------------------------------------


@approvals_readers
def approvals(request):
    pending = selectors.pending_shown()
    waiting = selectors.waiting_shown()
    return render(
        request,
        "referrals/decisions/approvals.html",
        {
            "pending": pending,
            "waiting": waiting,
            "capacity": selectors.capacity(),
            "purpose_labels": purpose_labels(),
        },
    )


# --- deciding ----------------------------------------------------------------------------


def _approve_form(request, referral: Referral, data=None) -> ApproveForm:
    # The default start reads the calendar: only worked out for a fresh form.
    initial = {} if data is not None else {"start_date": selectors.default_start(referral)}
    return ApproveForm(
        data, purpose=referral.purpose, user=request.user, initial={**initial, "priority": 3}
    )


def _decision_forms(request, referral: Referral, bound=None) -> dict:
    forms = {
        "approve": _approve_form(request, referral),
        "information": InformationForm(),
        "decline": DeclineForm(),
    }
    if bound is not None:
        forms[bound.decision_name] = bound
    return forms


def _outlook_start(referral: Referral, bound) -> dt.date:
    """The start the approve form shows: what was posted (if it is a date), else the
    suggested one."""
    if isinstance(bound, ApproveForm):
        field = bound.fields["start_date"]
        try:
            return field.clean(bound["start_date"].value())
        except ValidationError:
            pass
    return selectors.default_start(referral)


@deciders
def start_outlook(request):
    """The approve form's "Before you approve", again for the start date chosen (htmx,
    as the date changes)."""
    form = StartCheckForm(request.GET)
    if not form.is_valid():
        return render(
            request, "referrals/decisions/_start_outlook.html", {"start_error": form.errors}
        )
    return render(
        request,
        "referrals/decisions/_start_outlook.html",
        {"outlook": selectors.start_outlook(form.cleaned_data["start_date"])},
    )


def _decision_page(request, referral, bound=None, status=200):
    today = timezone.localdate()
    placement = getattr(referral, "placement", None)
    return render(
        request,
        "referrals/decisions/decide.html",
        {
            "referral": referral,
            "student": referral.student,
            "is_pending": referral.status == Referral.Status.SUBMITTED,
            "earlier": list(selectors.earlier_placements_this_year(referral.student, on=today)),
            "capacity": selectors.capacity(),
            "forms": _decision_forms(request, referral, bound),
            "outlook": selectors.start_outlook(_outlook_start(referral, bound), today=today)
            if referral.status == Referral.Status.SUBMITTED
            else None,
            "posted": bound.decision_name if bound is not None else "",
            "placement": placement,
            "placement_rules": placement is not None and referral.purpose in RULE_FIELDS,
        },
        status=status,
    )


@deciders
def referral_decide(request, referral_pk: int):
    referral = selectors.referral_for_decision(referral_pk)
    if request.method != "POST":
        audit.read(REFERRAL_VIEWED, actor_from(request), obj=referral, student=referral.student)
        return _decision_page(request, referral)
    if referral.status != Referral.Status.SUBMITTED:
        messages.error(
            request,
            f"{referral.student.name}'s referral is {referral.get_status_display().lower()}: "
            "it is no longer waiting for a decision, so nothing was changed.",
        )
        return redirect("referrals:approvals")
    form_class = DECISION_FORMS.get(request.POST.get("decision", ""))
    if form_class is None:
        messages.error(request, "Choose a decision: approve, ask for information or decline.")
        return _decision_page(request, referral, status=400)
    if form_class is ApproveForm:
        form = _approve_form(request, referral, request.POST)
    else:
        form = form_class(request.POST)
    if form.is_valid():
        try:
            done = _decide(request, referral, form)
        except ValidationError as error:
            if _service_error(request, form, error):
                return redirect("referrals:approvals")
        else:
            messages.success(request, done)
            return redirect("referrals:approvals")
    return _decision_page(request, referral, bound=form)


def _decide(request, referral: Referral, form) -> str:
    """Carry out the decision; returns what happened, for the message."""
    data = form.cleaned_data
    name = referral.student.name
    if isinstance(form, ApproveForm):
        approval = decisions.approve(
            referral,
            by=actor_from(request),
            start=data["start_date"],
            priority=data["priority"],
            reason=data["note"],
            rules=form.rules(),
        )
        return _approved_message(name, approval)
    if isinstance(form, InformationForm):
        decisions.request_information(referral, by=actor_from(request), request=data["request"])
        return f"More information asked for: {name}'s referral has gone back to its referrer."
    decisions.decline(referral, by=actor_from(request), reason=data["reason"])
    return f"Declined: {name}'s referral. The referrer can see the reason."


def _approved_message(name: str, approval: decisions.Approval) -> str:
    placement = approval.placement
    if placement.state == Placement.State.SCHEDULED:
        text = (
            f"Approved: {name} starts {_day(placement.start_date)}, "
            f"exit {_day(placement.planned_exit)}"
        )
        if placement.shortened_by_summer:
            text += " (ends early for the summer holiday)"
        return text + "."
    text = f"Approved, on the waiting list (position {approval.waiting_position}): "
    if approval.first_full_day:
        text += f"the room is full on {_day(approval.first_full_day)}."
    else:
        text += "the room is full."
    return text + f" {name} will be offered the first place that comes free."


# --- the waiting list --------------------------------------------------------------------


def _waiting_page(request, *, bound=None, status=200):
    """The waiting list; `bound` is (placement pk, form) to show a posted row's form with
    its errors instead of a fresh one."""
    rows = selectors.waiting_page(request.GET.get("page"), showing=bound[0] if bound else None)
    can_decide = request.user.can(Capability.DECIDE_REFERRAL)
    for row in rows:
        if not can_decide:
            continue
        row.priority_form = row_form(PriorityForm, row, initial={"priority": row.priority})
        row.remove_form = row_form(RemoveForm, row)
        if bound and bound[0] == row.pk:
            form = bound[1]
            if isinstance(form, PriorityForm):
                row.priority_form = form
            else:
                row.remove_form = form
    return render(
        request,
        "referrals/decisions/waiting_list.html",
        {"waiting": rows, "page": rows, "capacity": selectors.capacity()},
        status=status,
    )


@approvals_readers
def waiting_list(request):
    return _waiting_page(request)


@deciders
@require_POST
def waiting_priority(request, placement_pk: int):
    placement = selectors.waiting_placement(placement_pk)
    form = row_form(PriorityForm, placement, request.POST)
    if form.is_valid():
        try:
            decisions.set_priority(
                placement, by=actor_from(request), priority=form.cleaned_data["priority"]
            )
        except ValidationError as error:
            if _service_error(request, form, error):
                return redirect("referrals:waiting_list")
        else:
            position = selectors.waiting_position(placement)
            messages.success(
                request,
                f"Priority {form.cleaned_data['priority']} for {placement.student.name}: "
                f"now position {position} on the waiting list.",
            )
            return redirect("referrals:waiting_list")
    return _waiting_page(request, bound=(placement.pk, form), status=400)


@deciders
@require_POST
def waiting_remove(request, placement_pk: int):
    placement = selectors.waiting_placement(placement_pk)
    form = row_form(RemoveForm, placement, request.POST)
    if form.is_valid():
        if placement.state != Placement.State.WAITING:
            # end_early also ends scheduled and active placements: not from this page.
            messages.error(
                request,
                f"{placement.student.name} is no longer on the waiting list "
                f"({placement.get_state_display().lower()}).",
            )
            return redirect("referrals:waiting_list")
        try:
            placements.end_early(
                placement,
                by=actor_from(request),
                end_reason=form.cleaned_data["end_reason"],
                note=form.cleaned_data["note"],
                only_if=(Placement.State.WAITING,),
            )
        except ValidationError as error:
            if _service_error(request, form, error):
                return redirect("referrals:waiting_list")
        else:
            messages.success(
                request, f"{placement.student.name} has been taken off the waiting list."
            )
            return redirect("referrals:waiting_list")
    return _waiting_page(request, bound=(placement.pk, form), status=400)
