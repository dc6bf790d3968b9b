"""The referrer's pages: choose a student, the long referral form (saved as you go),
a referral with its history, withdrawing one, and My referrals."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import time_format
from django.views.decorators.http import require_POST

from enigma import audit
from enigma.actor import actor_from
from enigma.capabilities import Capability
from enigma.permissions import get_student_for, requires
from referrals.audit_actions import REFERRAL_VIEWED
from referrals.forms.referral import ReferralForms, StudentSearchForm, WithdrawForm
from referrals.models import Referral
from referrals.selectors import referral as selectors
from referrals.services.referral import (
    can_edit,
    can_withdraw,
    resubmit_referral,
    save_draft,
    start_referral,
    submit_referral,
    why_not_referable,
    withdraw_referral,
)

AUTOSAVE_HEADER = "Enigma-Autosave"
SAVED_HEADER = "Enigma-Saved"


@requires(Capability.REFER)
def my_referrals(request):
    everything = request.GET.get("show") == "all"
    page = selectors.my_referrals_page(
        request.user,
        today=timezone.localdate(),
        everything=everything,
        page_number=request.GET.get("page"),
    )
    return render(
        request,
        "referrals/referral/my_referrals.html",
        {
            "referrals": page.object_list,
            "page": page,
            "everything": everything,
            "query_string": "show=all" if everything else "",
            "recent_weeks": selectors.RECENT_DAYS // 7,
            # Only asked when the current list is empty: is there history to point to?
            "any_referrals": everything
            or bool(page.object_list)
            or selectors.my_referrals(request.user).exists(),
        },
    )


@requires(Capability.REFER)
def referral_start(request):
    if request.method == "POST":
        student = get_student_for(request.user, request.POST.get("student"))
        try:
            referral = start_referral(student=student, referrer=actor_from(request))
        except ValidationError as error:
            mine = selectors.open_referral_of(student)
            if mine is not None and can_edit(request.user, mine):
                messages.info(request, f"You have already started a referral of {student.name}.")
                return redirect("referrals:referral_edit", referral_pk=mine.pk)
            return render(
                request,
                "referrals/referral/start_confirm.html",
                {"student": student, "refused": " ".join(error.messages)},
            )
        messages.success(
            request,
            f"Referral of {student.name} started as a draft: nothing is sent until you "
            "submit it for a decision.",
        )
        return redirect("referrals:referral_edit", referral_pk=referral.pk)

    if request.GET.get("student"):
        student = get_student_for(request.user, request.GET["student"])
        return render(
            request,
            "referrals/referral/start_confirm.html",
            {"student": student, "refused": why_not_referable(student)},
        )
    form = StudentSearchForm(request.GET or None)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    # The room team sees every student: list them only once a search narrows it.
    students = None
    if text or not request.user.can(Capability.READ_ALL_REFERRALS):
        students = list(
            selectors.students_to_refer(request.user, text)[: selectors.STUDENTS_SHOWN + 1]
        )
    return render(
        request,
        "referrals/referral/start.html",
        {
            "form": form,
            "students": students[: selectors.STUDENTS_SHOWN] if students is not None else None,
            "more": students is not None and len(students) > selectors.STUDENTS_SHOWN,
            "searched": bool(text),
        },
    )


@requires(Capability.REFER)
def referral_edit(request, referral_pk):
    referral = selectors.referral_to_edit(request.user, referral_pk)
    autosave = request.method == "POST" and request.headers.get(AUTOSAVE_HEADER) == "1"
    if not can_edit(request.user, referral):
        reason = (
            f"This referral is {referral.get_status_display().lower()}, so it can no longer "
            "be changed."
            if referral.referrer_id == request.user.pk
            else "Only the person who made this referral can change it."
        )
        if autosave:
            return _autosave_status(request, saved=False, problem=reason)
        messages.info(request, reason)
        return redirect("referrals:referral_detail", referral_pk=referral.pk)

    forms = ReferralForms(referral, request.POST if request.method == "POST" else None)
    if request.method != "POST":
        return _edit_page(request, referral, forms)
    try:
        referral = save_draft(referral=referral, by=actor_from(request), **forms.draft())
    except ValidationError as error:
        forms.add_errors(error)
        if autosave:
            return _autosave_status(request, saved=False, problem=" ".join(error.messages))
        return _edit_page(request, referral, forms)
    if autosave:
        return _autosave_status(request, saved=True, partly=forms.typed_wrongly)
    if forms.typed_wrongly:
        messages.warning(
            request, "Saved, apart from the answers marked below: check them and save again."
        )
        return _edit_page(request, referral, forms)

    if request.POST.get("action") != "submit":
        messages.success(
            request, f"Draft saved at {_now()}. You can come back to it from My referrals."
        )
        return redirect("referrals:referral_edit", referral_pk=referral.pk)
    came_back = referral.status == Referral.Status.INFO_REQUESTED
    send = resubmit_referral if came_back else submit_referral
    try:
        send(referral=referral, by=actor_from(request))
    except ValidationError as error:
        forms.add_errors(error)
        return _edit_page(request, referral, forms, not_yet=True)
    messages.success(
        request,
        f"The referral of {referral.student.name} has been sent for a decision. "
        "You will see the decision here.",
    )
    return redirect("referrals:referral_detail", referral_pk=referral.pk)


def _now() -> str:
    return time_format(timezone.localtime(), "H:i")


def _edit_page(request, referral, forms: ReferralForms, *, not_yet=False):
    return render(
        request,
        "referrals/referral/edit.html",
        {
            "referral": referral,
            "student": referral.student,
            **forms.context(),
            "not_yet": not_yet,
            "autosave_header": AUTOSAVE_HEADER,
        },
    )


def _autosave_status(request, *, saved: bool, partly: bool = False, problem: str = ""):
    response = render(
        request,
        "referrals/referral/_autosave_status.html",
        {"saved": saved, "partly": partly, "problem": problem, "at": _now()},
    )
    if saved and not partly:
        # Read by static/js/enigma.js: what was typed up to this request is safe, so
        # leaving the page need not warn about it.
        response[SAVED_HEADER] = "1"
    return response


@requires(Capability.REFER)
def referral_detail(request, referral_pk):
    referral = selectors.referral_detail(request.user, referral_pk)
    audit.read(REFERRAL_VIEWED, actor_from(request), obj=referral, student=referral.student)
    earlier = []
    if request.user.can(Capability.READ_ALL_REFERRALS):
        on = timezone.localdate(referral.submitted_at or referral.created_at)
        earlier = [
            p
            for p in selectors.earlier_placements_this_year(referral.student, on=on)
            if p.referral_id != referral.pk
        ]
    return render(
        request,
        "referrals/referral/detail.html",
        {
            "referral": referral,
            "student": referral.student,
            "placement": getattr(referral, "placement", None),
            "can_edit": can_edit(request.user, referral),
            "can_withdraw": can_withdraw(request.user, referral),
            "withdraw_form": WithdrawForm(),
            "earlier_placements": earlier,
            "is_mine": referral.referrer_id == request.user.pk,
        },
    )


@requires(Capability.REFER)
@require_POST
def referral_withdraw(request, referral_pk):
    referral = selectors.referral_for(request.user, referral_pk)
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        withdraw_referral(referral=referral, by=actor_from(request), reason=reason)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("referrals:referral_detail", referral_pk=referral.pk)
    messages.success(request, f"The referral of {referral.student.name} has been withdrawn.")
    if referral.referrer_id == request.user.pk:
        return redirect("referrals:my_referrals")
    return redirect("referrals:referral_detail", referral_pk=referral.pk)
