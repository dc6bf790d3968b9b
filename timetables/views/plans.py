"""The reintegration plan of a placement: the week x day x period editor (one click per
lesson, by mouse or keyboard, with htmx or without), a whole week set at once (a review's
agreed step), the plan made from the timetable, the SENCO's exit without every subject,
and the plan in brief on the placement page and the review form.

The room team reads plans; the coordinator and the SENCO change them.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from enigma.actor import actor_from
from enigma.capabilities import Capability
from enigma.forms.common import add_service_errors
from enigma.inputs import parse_date
from enigma.permissions import requires
from timetables.forms.plans import ExitOverrideForm, WeekForm
from timetables.models import Mode
from timetables.selectors import coverage
from timetables.selectors import plans as selectors
from timetables.services import plans

readers = requires(Capability.READ_PLACEMENTS)
plan_write = requires(Capability.PLAN_REINTEGRATION)

NEXT_MODE = {Mode.CLASS: Mode.ROOM, Mode.ROOM: Mode.ONE_TO_ONE, Mode.ONE_TO_ONE: Mode.CLASS}


def _to_plan(placement_pk: int, anchor: str = ""):
    url = reverse("timetables:plan", args=[placement_pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


def _held_reviews(placement):
    return placement.reviews.filter(held_on__isnull=False).order_by("number")


@readers
def plan(request, placement_pk: int):
    placement = selectors.plan_placement_for(placement_pk)
    page = selectors.plan_page(placement)
    can_edit = request.user.can(Capability.PLAN_REINTEGRATION) and page.editable
    if can_edit:
        held = selectors.held_reviews(placement.pk)
        for week in page.weeks:
            if week.editable:
                week.form = WeekForm(
                    subjects=week.subjects,
                    reviews=held,
                    initial={"in_class": week.subjects_in_class},
                    prefix=week.anchor,
                )
    return render(
        request,
        "timetables/plans/plan.html",
        {
            "page": page,
            "placement": placement,
            "student": placement.student,
            "can_edit": can_edit,
        },
    )


@plan_write
@require_POST
@vary_on_headers("HX-Request")
def plan_cell(request, cell_pk: int):
    """Move one lesson to the next place (class -> room -> one-to-one -> class), or to the
    place named in the form; a change that would overfill the room asks first."""
    cell = selectors.cell_for(cell_pk)
    mode = request.POST.get("mode") or NEXT_MODE[Mode(cell.mode)]
    confirm = request.POST.get("confirm") == "1"
    warning = error = ""
    try:
        change = plans.set_cell(cell, mode, by=actor_from(request), confirm_overfill=confirm)
        cell = change.cell
        if not change.applied:
            warning = change.warning
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if request.htmx:
        return render(
            request,
            "timetables/plans/_cell.html",
            {
                "view": selectors.cell_view(cell),
                "can_edit": True,
                "warning": warning,
                "wanted": mode,
                "error": error,
                "focus": True,
            },
        )
    if error:
        messages.error(request, error)
    elif warning:
        messages.warning(
            request,
            f"{warning} Nothing was changed: choose the lesson again to "
            "put the student in the room anyway.",
        )
    return _to_plan(cell.placement_id, f"cell-{cell.pk}")


@plan_write
@require_POST
def plan_week(request, placement_pk: int):
    """Set a whole week: the subjects in class, the rest in the room (a review's step)."""
    placement = selectors.placement_for(placement_pk)
    page = selectors.plan_page(placement)
    asked = parse_date(request.POST.get("week"))
    week = next((w for w in page.weeks if asked and w.first <= asked <= w.last), None)
    if week is None or not week.editable:
        messages.error(request, "That week cannot be changed now.")
        return _to_plan(placement.pk)
    form = WeekForm(
        request.POST, subjects=week.subjects, reviews=_held_reviews(placement), prefix=week.anchor
    )
    if form.is_valid():
        try:
            refused = plans.set_week(
                placement,
                week.first,
                in_class=set(form.cleaned_data["in_class"]),
                by=actor_from(request),
                note=form.cleaned_data["note"],
                review=form.cleaned_data.get("review"),
                confirm_overfill=form.cleaned_data["confirm"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if refused is not None:
                messages.warning(
                    request,
                    f"{refused.warning} Nothing was changed. Tick “Overfill if needed” to make "
                    "the change anyway, or keep more lessons in class.",
                )
            else:
                messages.success(request, f"Week {week.number} is set.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return _to_plan(placement.pk, week.anchor)


@plan_write
@require_POST
def plan_generate(request, placement_pk: int):
    placement = selectors.placement_for(placement_pk)
    added = plans.generate_plan(placement, by=request.user)
    if added:
        messages.success(request, f"{added} lessons were added to the plan from the timetable.")
    else:
        messages.info(request, "The plan already has every lesson of the timetable.")
    return _to_plan(placement.pk)


@requires(Capability.ALLOW_EXIT_WITHOUT_SUBJECT)
def exit_override(request, placement_pk: int):
    placement = selectors.placement_for(placement_pk)
    until = placement.planned_exit or timezone.localdate()
    missed = coverage.subjects_missed(placement, until) if placement.start_date else []
    form = ExitOverrideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plans.allow_exit_without(
                placement, by=actor_from(request), reason=form.cleaned_data["reason"], until=until
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                "The exit is allowed without those subjects; your reason is in the student's file.",
            )
            return _to_plan(placement.pk)
    return render(
        request,
        "timetables/plans/exit_override.html",
        {"form": form, "placement": placement, "student": placement.student, "missed": missed},
    )


@readers
@vary_on_headers("HX-Request")
def plan_panel(request, placement_pk: int):
    placement = selectors.placement_for(placement_pk)
    return render(
        request,
        "timetables/plans/_panel.html",
        {
            "panel": selectors.plan_panel(placement),
            "placement": placement,
        },
    )
