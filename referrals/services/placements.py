"""A placement after approval: its start, an exit brought forward or an early end, its
reviews and their sign-off, its targets, the entry and exit measures, the exit itself and
the follow-up checks after it.

Each function checks the placement's state under a row lock (select_for_update) in one
transaction, refuses what the rules forbid with a ValidationError a person can act on
(naming the field at fault where there is one), and writes an event into the student's
chronology. Changes of state go through referrals.services.transitions.move_placement,
which also logs who, when and why.

Lock order, the same everywhere so two writers never deadlock: the room (lock_room), then
the placement, then its review or follow-up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from enigma.actor import Actor
from enigma.capabilities import Capability
from enigma.formatting import day_text as _day
from records.services.entries import record_event
from referrals import dates, hooks
from referrals.models import FollowUp, Measure, Placement, Review, Target, TargetArea, TargetRating
from referrals.places import lock_room
from referrals.selectors.placements import MEASURE_STATES, concerns_in_previous_six_weeks
from referrals.services.scheduling import offer_free_places, schedule_reviews
from referrals.services.transitions import move_placement

P = Placement.State

# A review may be held up to this many school days before it is due (a trip, an INSET
# day or a parent who can only come earlier), never sooner.
EARLY_SCHOOL_DAYS = 2
MAX_LESSONS_A_WEEK = Decimal(60)


def _when(day: dt.date, today: dt.date) -> dt.datetime:
    """When something dated `day` happened: now if it is today, else the end of that
    school day (the chronology then shows it was recorded later)."""
    if day >= today:
        return timezone.now()
    return timezone.make_aware(dt.datetime.combine(day, dt.time(15, 30)))


def _locked(placement: Placement) -> Placement:
    return Placement.objects.select_for_update().select_related("student").get(pk=placement.pk)


def _locked_review(review: Review) -> tuple[Placement, Review]:
    """The review's placement and then the review, both locked. A review replanned away
    (the exit was brought forward meanwhile) is refused rather than half-saved."""
    placement = _locked(Placement(pk=review.placement_id))
    try:
        review = Review.objects.select_for_update().get(pk=review.pk)
    except Review.DoesNotExist:
        raise ValidationError(
            "This review was replanned while you were working (the exit moved). "
            "Open the placement again to see its reviews."
        ) from None
    review.placement = placement
    return placement, review


# --- starting, moving the exit, ending early ------------------------------------------


def start(placement: Placement, *, by: Actor, today: dt.date | None = None) -> Placement:
    """Scheduled -> active, on or after its start date (the daily task, or on demand)."""
    by = Actor.of(by)
    today = today or timezone.localdate()
    with transaction.atomic():
        placement = _locked(placement)
        if placement.state != P.SCHEDULED:
            raise ValidationError(
                f"Only a scheduled placement can start; this one is "
                f"{placement.get_state_display().lower()}."
            )
        if placement.start_date > today:
            raise ValidationError(f"It starts on {_day(placement.start_date)}, not before.")
        move_placement(placement, P.ACTIVE, by=by, on=_started_at(placement.start_date, today))
    return placement


def _started_at(day: dt.date, today: dt.date) -> dt.datetime:
    """When an event dated `day` happened: now if it is today, else 08:30 that day."""
    if day >= today:
        return timezone.now()
    return timezone.make_aware(dt.datetime.combine(day, dt.time(8, 30)))


def start_due(*, by: Actor, today: dt.date | None = None) -> list[Placement]:
    """Start every scheduled placement whose start date has come. Safe to run twice."""
    by = Actor.of(by)
    today = today or timezone.localdate()
    started = []
    due = Placement.objects.filter(state=P.SCHEDULED, start_date__lte=today).order_by("pk")
    for placement in due:
        try:
            started.append(start(placement, by=by, today=today))
        except ValidationError:
            continue  # started (or changed) by someone else meanwhile
    return started


def bring_exit_forward(
    placement: Placement, *, by: Actor, new_exit: dt.date, reason: str
) -> Placement:
    """Move the planned exit earlier (never past the limit), replan reviews, free places."""
    by = Actor.of(by)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the exit moves."})
    with transaction.atomic():
        room = lock_room()
        placement = _locked(placement)
        if placement.state not in Placement.HOLDING:
            raise ValidationError("Only a scheduled or active placement's exit can move.")
        if new_exit > placement.latest_exit:
            raise ValidationError(
                {
                    "new_exit": f"The exit can never be after {_day(placement.latest_exit)}: "
                    f"a placement lasts at most {dates.weeks_text(room.placement_weeks)}."
                }
            )
        if new_exit < placement.start_date:
            raise ValidationError({"new_exit": "The exit cannot be before the start."})
        calendar = dates.calendar_for(placement.start_date)
        if not calendar.is_school_day(new_exit):
            raise ValidationError({"new_exit": f"{_day(new_exit)} is not a school day."})
        if new_exit == placement.planned_exit:
            raise ValidationError({"new_exit": "That is already the planned exit."})
        old = placement.planned_exit
        placement.planned_exit = new_exit
        move_placement(
            placement,
            placement.state,
            by=by,
            reason=reason.strip(),
            summary=f"Exit moved from {_day(old)} to {_day(new_exit)}",
            changed=("planned_exit",),
        )
        schedule_reviews(placement, room, calendar)
        offer_free_places(by=by, room=room)
    return placement


def end_early(
    placement: Placement,
    *,
    by: Actor,
    end_reason: str,
    note: str = "",
    today=None,
    only_if: tuple[str, ...] = Placement.LIVE,
):
    """Waiting, scheduled or active -> ended early, with the reason (required).

    only_if: the states it may be in, checked under the lock (the waiting list's
    "take off the list" passes (WAITING,), so a place offered meanwhile is not ended).
    """
    by = Actor.of(by)
    today = today or timezone.localdate()
    if end_reason not in Placement.EndReason.values:
        raise ValidationError({"end_reason": "Choose why the placement ends early."})
    if end_reason == Placement.EndReason.OTHER and not note.strip():
        raise ValidationError({"note": "Say what happened."})
    with transaction.atomic():
        room = lock_room()
        placement = _locked(placement)
        if placement.state not in Placement.LIVE:
            raise ValidationError(
                f"This placement is already {placement.get_state_display().lower()}."
            )
        if placement.state not in only_if:
            raise ValidationError(
                f"This placement is now {placement.get_state_display().lower()}; "
                "look at it again before ending it."
            )
        holding = placement.state in Placement.HOLDING
        placement.end_reason = end_reason
        if placement.state == P.ACTIVE:
            placement.actual_exit = min(today, placement.planned_exit)
        label = Placement.EndReason(end_reason).label
        move_placement(
            placement,
            P.ENDED_EARLY,
            by=by,
            reason=f"{label}. {note.strip()}".strip(),
            changed=("end_reason", "actual_exit"),
        )
        placement.reviews.filter(held_on__isnull=True).delete()
        if holding:
            offer_free_places(by=by, room=room)
    return placement


# --- reviews --------------------------------------------------------------------------


def earliest_hold_day(review: Review, *, calendar=None) -> dt.date:
    """The first day a review may be held: EARLY_SCHOOL_DAYS school days before it is due
    (never before the placement starts)."""
    placement = review.placement
    calendar = calendar or dates.calendar_for(placement.start_date)
    days = calendar.school_days(placement.start_date, review.due_on)
    if not days:
        return review.due_on
    return days[max(0, len(days) - 1 - EARLY_SCHOOL_DAYS)]


def hold_review(
    review: Review,
    *,
    by: Actor,
    ratings: Mapping[int, tuple[str, str]],
    staff_present: Iterable = (),
    student_present: bool = False,
    parent_present: bool = False,
    others: str = "",
    room_attendance: str = "",
    engagement: str = "",
    student_view: str = "",
    parent_view: str = "",
    next_step: str = "",
    target_changes: Mapping[int, str] | None = None,
    dropped: Iterable[int] = (),
    new_targets: Iterable[tuple[str, str]] = (),
    today: dt.date | None = None,
) -> Review:
    """Record a review as held today by `by`: who came, progress against every active
    target (ratings: target pk -> (rating, comment)), attendance and engagement in the
    room, the student's and parents' views and the agreed next reintegration step.

    Targets may be reworded, dropped or added at the same time (after they are rated).
    Reviews are held in order, while the placement is active, from EARLY_SCHOOL_DAYS
    school days before they are due.
    """
    by = Actor.of(by)
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if engagement not in Review.Engagement.values:
        errors["engagement"] = "Choose how the student engaged in the room."
    if not next_step.strip():
        errors["next_step"] = "Write the next reintegration step agreed at the review."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        placement, review = _locked_review(review)
        _check_can_hold(placement, review, today)
        targets = list(placement.targets.filter(active=True))
        _check_ratings(targets, ratings)
        review.held_on = today
        review.held_by = by.user
        review.student_present = bool(student_present)
        review.parent_present = bool(parent_present)
        review.others_present = others.strip()
        review.room_attendance = room_attendance.strip()
        review.engagement = engagement
        review.student_view = student_view.strip()
        review.parent_view = parent_view.strip()
        review.next_step = next_step.strip()
        review.save(
            update_fields=[
                "held_on",
                "held_by",
                "student_present",
                "parent_present",
                "others_present",
                "room_attendance",
                "engagement",
                "student_view",
                "parent_view",
                "next_step",
            ]
        )
        review.staff_present.set({by.user.pk, *(getattr(u, "pk", u) for u in staff_present)})
        TargetRating.objects.bulk_create(
            TargetRating(
                review=review,
                target=t,
                rating=ratings[t.pk][0],
                comment=(ratings[t.pk][1] or "").strip(),
            )
            for t in targets
        )
        changed = _edit_targets(
            placement,
            changes=target_changes or {},
            dropped=dropped,
            new_targets=new_targets,
            keep_one=review.kind != Review.Kind.EXIT,
        )
        account = f"Agreed next step: {review.next_step}"
        if changed:
            account += "\n\nTargets changed at this review:\n" + "\n".join(changed)
        record_event(
            student=placement.student,
            actor=by,
            code="placement.review_held",
            summary=f"{review.get_kind_display()} {review.number} held"
            + (" (needs the SENCO's sign-off)" if review.needs_sign_off else ""),
            account=account,
        )
        hooks.review_held.send(sender=Review, review=review, by=by)
    return review


def _check_can_hold(placement: Placement, review: Review, today: dt.date) -> None:
    if review.held_on is not None:
        raise ValidationError(f"This review was already held, on {_day(review.held_on)}.")
    if placement.state != P.ACTIVE:
        raise ValidationError(
            "Reviews are held while the placement is active; this one is "
            f"{placement.get_state_display().lower()}."
        )
    earlier = (
        placement.reviews.filter(held_on__isnull=True, number__lt=review.number)
        .order_by("number")
        .first()
    )
    if earlier is not None:
        raise ValidationError(
            f"Hold {earlier.get_kind_display().lower()} {earlier.number} "
            f"(due {_day(earlier.due_on)}) first: reviews are held in order."
        )
    earliest = earliest_hold_day(review)
    if today < earliest:
        raise ValidationError(
            f"This review is due on {_day(review.due_on)}. It can be held up to "
            f"{EARLY_SCHOOL_DAYS} school days early, so from {_day(earliest)}, not before."
        )


def _check_ratings(targets: list[Target], ratings: Mapping[int, tuple[str, str]]) -> None:
    known = {t.pk for t in targets}
    unknown = set(ratings) - known
    if unknown:
        raise ValidationError(
            {"ratings": "A rating is for a target this placement no longer has. Reload the page."}
        )
    missing = [t.description for t in targets if t.pk not in ratings]
    if missing:
        raise ValidationError(
            {"ratings": "Rate progress on every target. Not rated: " + "; ".join(missing) + "."}
        )
    if any(r not in TargetRating.Rating.values for r, _ in ratings.values()):
        raise ValidationError({"ratings": "Choose a rating for each target."})
    if any(len((c or "").strip()) > 300 for _, c in ratings.values()):
        raise ValidationError({"ratings": "Keep each comment to 300 characters."})


def _edit_targets(
    placement: Placement,
    *,
    changes: Mapping[int, str],
    dropped: Iterable[int],
    new_targets: Iterable[tuple[str, str]],
    keep_one: bool = True,
) -> list[str]:
    """Call with the placement locked. Rewording keeps the target's earlier ratings (the
    chronology keeps the old wording)."""
    targets = {t.pk: t for t in placement.targets.filter(active=True)}
    dropped = set(dropped)
    new_targets = [(area, (text or "").strip()) for area, text in new_targets]
    if (set(changes) | dropped) - set(targets):
        raise ValidationError(
            {"targets": "That target is not one of this placement's. Reload the page."}
        )
    for area, text in new_targets:
        if area not in TargetArea.values:
            raise ValidationError({"targets": "Choose an area for each new target."})
        if not text or len(text) > 300:
            raise ValidationError({"targets": "Describe each new target in 1 to 300 characters."})
    for text in changes.values():
        if not (text or "").strip() or len(text.strip()) > 300:
            raise ValidationError(
                {"targets": "A target's wording cannot be empty or over 300 characters."}
            )
    if keep_one and targets and len(targets) - len(dropped) + len(new_targets) < 1:
        raise ValidationError(
            {"targets": "Keep or add at least one target: the next review rates progress on it."}
        )
    changed = []
    for pk, text in changes.items():
        target, text = targets[pk], text.strip()
        if pk in dropped or text == target.description:
            continue
        changed.append(f"Reworded: “{target.description}” is now “{text}”.")
        target.description = text
        target.save(update_fields=["description"])
    for pk in sorted(dropped):
        target = targets[pk]
        changed.append(f"Dropped: “{target.description}”.")
        target.active = False
        target.save(update_fields=["active"])
    position = max((t.position for t in placement.targets.all()), default=-1)
    for area, text in new_targets:
        position += 1
        Target.objects.create(placement=placement, area=area, description=text, position=position)
        changed.append(f"Added ({TargetArea(area).label.lower()}): “{text}”.")
    return changed


def sign_off(review: Review, *, by: Actor, note: str = "") -> Review:
    """The SENCO signs off a held mid-point or exit review, once."""
    by = Actor.of(by)
    if not by.user.can(Capability.SIGN_OFF_REVIEW):
        raise ValidationError("Only the SENCO signs off reviews.")
    with transaction.atomic():
        placement, review = _locked_review(review)
        if not review.needs_sign_off:
            raise ValidationError(
                f"A {review.get_kind_display().lower()} does not need the SENCO's sign-off: "
                "only the mid-point and exit reviews do."
            )
        if review.held_on is None:
            raise ValidationError(
                f"The {review.get_kind_display().lower()} has not been held yet (due "
                f"{_day(review.due_on)}). It can be signed off once the coordinator has held it."
            )
        if review.signed_off_at is not None:
            raise ValidationError(
                f"This review was already signed off by {review.signed_off_by}, "
                f"on {_day(timezone.localdate(review.signed_off_at))}."
            )
        review.signed_off_by = by.user
        review.signed_off_at = timezone.now()
        review.sign_off_note = note.strip()
        review.save(update_fields=["signed_off_by", "signed_off_at", "sign_off_note"])
        record_event(
            student=placement.student,
            actor=by,
            code="placement.review_signed_off",
            summary=f"{review.get_kind_display()} {review.number} signed off by the SENCO",
            account=review.sign_off_note,
        )
    return review


# --- measures -------------------------------------------------------------------------


def record_measures(
    placement: Placement,
    *,
    by: Actor,
    stage: str,
    wellbeing: int | None,
    lessons_in_class_per_week: Decimal | None = None,
    today: dt.date | None = None,
) -> Measure:
    """Take the entry or exit measures: the student's wellbeing self-rating, the concerns
    and incidents recorded in the previous six school weeks (counted from the chronology,
    restricted ones included, as a number only) and lessons attended in class a week."""
    by = Actor.of(by)
    today = today or timezone.localdate()
    errors = {}
    if stage not in Measure.Stage.values:
        raise ValidationError("Measures are taken at entry or at exit.")
    if wellbeing is None or not 0 <= int(wellbeing) <= 10:
        errors["wellbeing"] = "The self-rating is a whole number from 0 to 10."
    if lessons_in_class_per_week is not None and not (
        0 <= lessons_in_class_per_week <= MAX_LESSONS_A_WEEK
    ):
        errors["lessons_in_class_per_week"] = "Give a number of lessons from 0 to 60."
    if errors:
        raise ValidationError(errors)
    label = Measure.Stage(stage).label
    with transaction.atomic():
        placement = _locked(placement)
        if placement.state not in MEASURE_STATES[stage]:
            raise ValidationError(
                f"{label} measures cannot be taken now: the placement is "
                f"{placement.get_state_display().lower()}."
            )
        taken = placement.measures.filter(stage=stage).select_related("taken_by").first()
        if taken is not None:
            raise ValidationError(
                f"{label} measures were taken on {_day(taken.taken_on)} by {taken.taken_by}; "
                "they are taken once, so entry and exit compare like with like."
            )
        measure = Measure.objects.create(
            placement=placement,
            stage=stage,
            wellbeing=int(wellbeing),
            concerns_last_six_weeks=concerns_in_previous_six_weeks(placement.student, today=today),
            lessons_in_class_per_week=lessons_in_class_per_week,
            taken_on=today,
            taken_by=by.user,
        )
        # The values stay on the placement page (room team only), not in the chronology.
        record_event(
            student=placement.student,
            actor=by,
            code=f"placement.measures_{stage}",
            summary=f"{label} measures taken",
        )
    return measure


# --- exit -----------------------------------------------------------------------------


def complete(
    placement: Placement,
    *,
    by: Actor,
    outcome: str,
    exit_summary: str,
    exit_day: dt.date | None = None,
    today: dt.date | None = None,
) -> Placement:
    """Active -> completed: the exit review held and signed off, the outcome and a summary
    for class teachers, tutor and parents recorded, follow-up checks planned, and any
    place freed offered to the waiting list."""
    by = Actor.of(by)
    today = today or timezone.localdate()
    exit_day = exit_day or today
    errors = {}
    if outcome not in Placement.Outcome.values:
        errors["outcome"] = "Choose the outcome."
    if not exit_summary.strip():
        errors["exit_summary"] = (
            "Write the summary for class teachers, the tutor and parents or carers."
        )
    if exit_day > today:
        errors["exit_day"] = "The exit day cannot be in the future."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        room = lock_room()
        placement = _locked(placement)
        if placement.state != P.ACTIVE:
            raise ValidationError(
                f"Only an active placement can be completed; this one is "
                f"{placement.get_state_display().lower()}."
            )
        _check_exit_review(placement)
        _check_exit_day(placement, exit_day)
        if problems := hooks.exit_problems(placement, exit_day):
            raise ValidationError(problems)
        placement.actual_exit = exit_day
        placement.outcome = outcome
        placement.exit_summary = exit_summary.strip()
        label = Placement.Outcome(outcome).label
        move_placement(
            placement,
            P.COMPLETED,
            by=by,
            reason=f"{label}. {placement.exit_summary}",
            summary=f"Placement in the {room.room_name} completed: {label.lower()}",
            on=_when(exit_day, today),
            changed=("actual_exit", "outcome", "exit_summary"),
        )
        placement.reviews.filter(held_on__isnull=True).delete()
        FollowUp.objects.bulk_create(
            FollowUp(placement=placement, weeks_after=weeks, due_on=due)
            for weeks, due in dates.follow_up_dates(exit_day, list(room.follow_up_weeks))
        )
        offer_free_places(by=by, room=room, today=today)
    return placement


def _check_exit_review(placement: Placement) -> None:
    exit_review = placement.reviews.filter(kind=Review.Kind.EXIT).first()
    if exit_review is None or exit_review.held_on is None:
        due = f" (due {_day(exit_review.due_on)})" if exit_review else ""
        raise ValidationError(
            f"The exit review has not been held yet{due}. Hold it, and have the SENCO sign "
            "it off, before the placement is completed."
        )
    if exit_review.signed_off_at is None:
        raise ValidationError(
            f"The exit review was held on {_day(exit_review.held_on)} and is waiting for the "
            "SENCO's sign-off. The placement can be completed once it is signed off."
        )


def _check_exit_day(placement: Placement, exit_day: dt.date) -> None:
    if exit_day > placement.planned_exit:
        raise ValidationError(
            {
                "exit_day": f"The planned exit is {_day(placement.planned_exit)}; "
                "a placement cannot end after it."
            }
        )
    if exit_day < placement.start_date:
        raise ValidationError(
            {"exit_day": f"The placement started on {_day(placement.start_date)}."}
        )
    if not dates.calendar_for(placement.start_date).is_school_day(exit_day):
        raise ValidationError({"exit_day": f"{_day(exit_day)} is not a school day."})


def record_follow_up(
    follow_up: FollowUp,
    *,
    by: Actor,
    result: str,
    in_class_full_time: bool | None,
    suspended_or_excluded: bool | None,
    note: str = "",
    today: dt.date | None = None,
) -> FollowUp:
    """Record a follow-up check's result and its two answers (back in class full time?
    suspended or excluded since?), once, from the day it is due."""
    by = Actor.of(by)
    today = today or timezone.localdate()
    errors = {}
    if result not in FollowUp.Result.values:
        errors["result"] = "Choose what the check found."
    if result == FollowUp.Result.OTHER and not note.strip():
        errors["note"] = "Say what was found."
    if not isinstance(in_class_full_time, bool):
        errors["in_class_full_time"] = "Select yes if the pupil is back in class full time."
    if not isinstance(suspended_or_excluded, bool):
        errors["suspended_or_excluded"] = (
            "Select yes if the pupil has been suspended or excluded since the placement ended."
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        placement = _locked(Placement(pk=follow_up.placement_id))
        follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if follow_up.recorded_at is not None:
            raise ValidationError(
                f"This check was already recorded on "
                f"{_day(timezone.localdate(follow_up.recorded_at))} by {follow_up.recorded_by}: "
                f"{follow_up.get_result_display().lower()}."
            )
        if follow_up.due_on > today:
            raise ValidationError(
                f"This check is due on {_day(follow_up.due_on)}; record it from then."
            )
        follow_up.result = result
        follow_up.in_class_full_time = in_class_full_time
        follow_up.suspended_or_excluded = suspended_or_excluded
        follow_up.note = note.strip()
        follow_up.recorded_by = by.user
        follow_up.recorded_at = timezone.now()
        follow_up.save(
            update_fields=[
                "result",
                "in_class_full_time",
                "suspended_or_excluded",
                "note",
                "recorded_by",
                "recorded_at",
            ]
        )
        record_event(
            student=placement.student,
            actor=by,
            code="placement.follow_up",
            summary=f"Follow-up {follow_up.weeks_after} school weeks after the placement: "
            f"{follow_up.get_result_display().lower()}; "
            f"{'back' if in_class_full_time else 'not back'} in class full time; "
            f"{'suspended or excluded' if suspended_or_excluded else 'not suspended or excluded'}"
            " since",
            account=follow_up.note,
        )
        hooks.follow_up_recorded.send(sender=FollowUp, follow_up=follow_up, by=by)
    return follow_up
