"""Placements after approval: the placement page and its actions (start, move the exit,
end early, hold and sign off reviews, measures, the exit and follow-up checks), the
coordinator's Placements board, the SENCO's Reviews page and the placement panel on a
student's file.

The room team reads placements; the coordinator, SENCO and deputy head change them; only
the SENCO signs off reviews. Reads go through referrals.selectors.placements, writes
through referrals.services.decisions and referrals.services.placements.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from enigma import audit
from enigma.actor import actor_from
from enigma.capabilities import Capability
from enigma.forms.common import add_service_errors
from enigma.permissions import get_student_for, requires
from referrals import dates, hooks
from referrals.forms.placements import (
    CompleteForm,
    EndEarlyForm,
    ExitForwardForm,
    FollowUpForm,
    MeasuresForm,
    ReviewForm,
    SignOffForm,
)
from referrals.models import Measure, Placement
from referrals.purposes import purpose_problems
from referrals.selectors import placements as selectors
from referrals.services import placements

readers = requires(Capability.READ_PLACEMENTS)
placement_write = requires(Capability.MANAGE_PLACEMENTS)
PLACEMENT_VIEWED = "referrals.placement_viewed"


def _to_placement(placement_pk: int):
    return redirect("referrals:placement_detail", placement_pk=placement_pk)


def _refuse(request, placement_pk: int, text: str):
    """A page that does not apply now: back to the placement, saying why."""
    messages.info(request, text)
    return _to_placement(placement_pk)


def _say(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _state(placement: Placement) -> str:
    return placement.get_state_display().lower()


# --- pages ----------------------------------------------------------------------------


@readers
def placement_detail(request, placement_pk: int):
    page = selectors.placement_page(placement_pk)
    audit.read(
        PLACEMENT_VIEWED,
        actor_from(request),
        obj=page.placement,
        student=page.placement.student,
    )
    return render(
        request,
        "referrals/placements/detail.html",
        {
            "page": page,
            "placement": page.placement,
            "student": page.placement.student,
            "can_start": page.placement.state == Placement.State.SCHEDULED
            and page.placement.start_date <= page.today,
            "purpose_problems": purpose_problems(page.placement),
        },
    )


@readers
def placements_board(request):
    return render(
        request,
        "referrals/placements/board.html",
        {"board": selectors.placements_board()},
    )


@readers
def reviews_board(request):
    older = request.GET.get("sign_off") == "older"
    board = selectors.reviews_board(older=older, page_number=request.GET.get("page"))
    return render(
        request,
        "referrals/placements/reviews.html",
        {
            "board": board,
            "page": board.awaiting_sign_off,
            "query_string": "sign_off=older" if older else "",
        },
    )


@requires(Capability.VIEW_STUDENTS)
def student_placements(request, pk: int):
    """The panel on a student's file: the room team sees the live placement in full and
    earlier ones with their outcome; linked staff see states and dates only."""
    student = get_student_for(request.user, pk)
    return render(
        request,
        "referrals/placements/_student_panel.html",
        {
            "student": student,
            "history": selectors.placement_history(student),
        },
    )


# --- moving a placement ---------------------------------------------------------------


@placement_write
@require_POST
def placement_start(request, placement_pk: int):
    placement = selectors.placement_for(placement_pk)
    try:
        placements.start(placement, by=actor_from(request))
    except ValidationError as exc:
        messages.error(request, _say(exc))
    else:
        messages.success(request, f"The placement of {placement.student.name} has started.")
    return _to_placement(placement.pk)


@placement_write
def placement_exit_forward(request, placement_pk: int):
    placement = selectors.placement_for(placement_pk)
    if placement.state not in Placement.HOLDING:
        return _refuse(
            request, placement.pk, f"The exit of a {_state(placement)} placement cannot move."
        )
    form = ExitForwardForm(request.POST or None, placement=placement)
    if request.method == "POST" and form.is_valid():
        try:
            placements.bring_exit_forward(
                placement,
                by=actor_from(request),
                new_exit=form.cleaned_data["new_exit"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"The exit is now {dates.day_text(form.cleaned_data['new_exit'])}; "
                "the reviews still to hold have been replanned.",
            )
            return _to_placement(placement.pk)
    return render(
        request,
        "referrals/placements/exit_forward.html",
        {"form": form, "placement": placement, "limit_reason": selectors.limit_reason(placement)},
    )


@placement_write
def placement_end_early(request, placement_pk: int):
    placement = selectors.placement_for(placement_pk)
    if placement.state not in Placement.LIVE:
        return _refuse(request, placement.pk, f"This placement is already {_state(placement)}.")
    form = EndEarlyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            placements.end_early(
                placement,
                by=actor_from(request),
                end_reason=form.cleaned_data["end_reason"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "The placement has ended early; the reason is recorded.")
            return _to_placement(placement.pk)
    return render(
        request, "referrals/placements/end_early.html", {"form": form, "placement": placement}
    )


@placement_write
def placement_complete(request, placement_pk: int):
    """The exit flow: outcome, the summary for colleagues and parents, the last day."""
    placement = selectors.placement_for(placement_pk)
    if placement.state != Placement.State.ACTIVE:
        return _refuse(
            request,
            placement.pk,
            f"Only an active placement can be completed; this one is {_state(placement)}.",
        )
    today = timezone.localdate()
    form = CompleteForm(request.POST or None, placement=placement, today=today)
    if request.method == "POST" and form.is_valid():
        try:
            placements.complete(placement, by=actor_from(request), today=today, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                "The placement is complete. Follow-up checks are planned, and any place "
                "freed has been offered to the waiting list.",
            )
            return _to_placement(placement.pk)
    exit_review = placement.reviews.filter(kind="exit").select_related("signed_off_by").first()
    return render(
        request,
        "referrals/placements/complete.html",
        {
            "form": form,
            "placement": placement,
            "exit_review": exit_review,
            "exit_measures_taken": placement.measures.filter(stage="exit").exists(),
        },
    )


# --- reviews --------------------------------------------------------------------------


@requires(Capability.HOLD_REVIEW)
def review_hold(request, review_pk: int):
    review = selectors.review_for(review_pk)
    placement = review.placement
    if review.held_on:
        return _refuse(
            request, placement.pk, f"This review was held on {dates.day_text(review.held_on)}."
        )
    if placement.state != Placement.State.ACTIVE:
        return _refuse(
            request,
            placement.pk,
            f"Reviews are held while the placement is active; this one is {_state(placement)}.",
        )
    form = ReviewForm(
        request.POST or None,
        initial=hooks.review_initial(placement, review),
        review=review,
        targets=selectors.active_targets(placement),
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        try:
            placements.hold_review(review, by=actor_from(request), **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            text = f"{review.get_kind_display()} {review.number} is recorded."
            if review.needs_sign_off:
                text += " It now waits for the SENCO's sign-off."
            messages.success(request, text)
            return _to_placement(placement.pk)
    earliest = placements.earliest_hold_day(review)
    return render(
        request,
        "referrals/placements/review_hold.html",
        {
            "form": form,
            "review": review,
            "placement": placement,
            "earliest": earliest,
            "too_early": timezone.localdate() < earliest,
            "chart": selectors.rating_chart(placement, form.targets),
        },
    )


@requires(Capability.SIGN_OFF_REVIEW)
def review_sign_off(request, review_pk: int):
    review = selectors.review_for(review_pk)
    placement = review.placement
    kind = review.get_kind_display().lower()
    if not review.needs_sign_off:
        return _refuse(
            request,
            placement.pk,
            f"A {kind} does not need the SENCO's sign-off: only the mid-point and exit reviews do.",
        )
    if review.held_on is None:
        return _refuse(
            request,
            placement.pk,
            f"The {kind} has not been held yet (due {dates.day_text(review.due_on)}). It can be "
            "signed off once the coordinator has held it.",
        )
    if review.signed_off_at is not None:
        return _refuse(
            request, placement.pk, f"The {kind} was already signed off by {review.signed_off_by}."
        )
    form = SignOffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            placements.sign_off(review, by=actor_from(request), note=form.cleaned_data["note"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{review.get_kind_display()} {review.number} signed off.")
            return _to_placement(placement.pk)
    page = selectors.placement_page(placement.pk)
    return render(
        request,
        "referrals/placements/sign_off.html",
        {
            "form": form,
            "review": next(r for r in page.reviews if r.pk == review.pk),
            "placement": page.placement,
            "page": page,
        },
    )


# --- measures and follow-ups ----------------------------------------------------------


@placement_write
def placement_measures(request, placement_pk: int):
    placement = selectors.placement_for(placement_pk)
    stage = request.GET.get("stage") or Measure.Stage.ENTRY
    if stage not in Measure.Stage.values:
        raise Http404
    label = Measure.Stage(stage).label
    taken = placement.measures.filter(stage=stage).first()
    if taken is not None:
        return _refuse(
            request,
            placement.pk,
            f"{label} measures were taken on {dates.day_text(taken.taken_on)}; "
            "they are taken once.",
        )
    if placement.state not in selectors.MEASURE_STATES[stage]:
        return _refuse(
            request,
            placement.pk,
            f"{label} measures cannot be taken now: the placement is {_state(placement)}.",
        )
    form = MeasuresForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            placements.record_measures(
                placement, by=actor_from(request), stage=stage, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{label} measures saved.")
            return _to_placement(placement.pk)
    return render(
        request,
        "referrals/placements/measures.html",
        {"form": form, "placement": placement, "stage": stage, "stage_label": label},
    )


@placement_write
def follow_up_record(request, follow_up_pk: int):
    follow_up = selectors.follow_up_for(follow_up_pk)
    placement = follow_up.placement
    if follow_up.recorded_at is not None:
        return _refuse(
            request,
            placement.pk,
            f"This check was already recorded: {follow_up.get_result_display().lower()}.",
        )
    form = FollowUpForm(request.POST or None, forename=placement.student.forename)
    if request.method == "POST" and form.is_valid():
        try:
            placements.record_follow_up(follow_up, by=actor_from(request), **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Follow-up check recorded.")
            return _to_placement(placement.pk)
    return render(
        request,
        "referrals/placements/follow_up.html",
        {
            "form": form,
            "follow_up": follow_up,
            "placement": placement,
            "not_yet_due": follow_up.due_on > timezone.localdate(),
            "re_referred": selectors.referred_again(placement),
        },
    )
