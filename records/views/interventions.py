"""Interventions: the list, planning, the session register, scores and the impact report.

The room team reads them (the school admin included); the coordinator, SENCO, deputy
head and DSL plan them and record sessions. Reads go through
records.selectors.interventions and writes through records.services.interventions.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from enigma import audit
from enigma.actor import actor_from
from enigma.capabilities import Capability
from enigma.csv_export import csv_response
from enigma.forms.common import add_service_errors
from enigma.permissions import requires
from records.audit_actions import RecordsAction
from records.forms.interventions import (
    CloseForm,
    InterventionForm,
    ScoresForm,
    SessionForm,
)
from records.selectors import interventions as selectors
from records.services import interventions as services
from records.services.interventions import PLAN_FIELDS

readers = requires(Capability.READ_INTERVENTIONS)
interventions_write = requires(Capability.RUN_INTERVENTIONS)


@readers
def intervention_list(request):
    show = request.GET.get("show", selectors.Show.RUNNING)
    if show not in dict(selectors.Show.CHOICES):
        show = selectors.Show.RUNNING
    page = selectors.interventions_page(show, request.GET.get("page"))
    return render(
        request,
        "records/interventions/list.html",
        {
            "page": page,
            "interventions": page.object_list,
            "show": show,
            "show_choices": selectors.Show.CHOICES,
            "query_string": f"show={show}",
        },
    )


@interventions_write
def intervention_add(request):
    form = InterventionForm(
        request.POST or None,
        user=request.user,
        initial={
            "lead": request.user.pk,
            "starts_on": timezone.localdate(),
            "planned_sessions": 6,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            intervention = services.intervention_create(
                user=actor_from(request), students=form.cleaned_data["students"], **form.plan()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Intervention planned: {intervention.title}.")
            return redirect("records:intervention_detail", intervention_pk=intervention.pk)
    return render(request, "records/interventions/form.html", {"form": form, "intervention": None})


@readers
def intervention_detail(request, intervention_pk: int):
    intervention = selectors.intervention_for(intervention_pk)
    return _detail_page(request, intervention, CloseForm())


def _detail_page(request, intervention, close_form, status=200):
    return render(
        request,
        "records/interventions/detail.html",
        {
            "intervention": intervention,
            "members": selectors.members(request.user, intervention),
            "sessions": selectors.sessions(intervention),
            "close_form": close_form,
        },
        status=status,
    )


@interventions_write
def intervention_edit(request, intervention_pk: int):
    intervention = selectors.intervention_for(intervention_pk)
    member_ids = list(intervention.memberships.values_list("student_id", flat=True))
    form = InterventionForm(
        request.POST or None,
        user=request.user,
        members=member_ids,
        initial={**model_to_dict(intervention, fields=PLAN_FIELDS), "students": member_ids},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.intervention_update(
                intervention=intervention,
                user=actor_from(request),
                students=form.cleaned_data["students"],
                **form.plan(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Changes saved.")
            return redirect("records:intervention_detail", intervention_pk=intervention.pk)
    return render(
        request, "records/interventions/form.html", {"form": form, "intervention": intervention}
    )


@interventions_write
def intervention_scores(request, intervention_pk: int):
    intervention = selectors.intervention_for(intervention_pk)
    form = ScoresForm(
        request.POST or None,
        intervention=intervention,
        memberships=selectors.members(request.user, intervention),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_scores(
                intervention=intervention,
                user=actor_from(request),
                entry_scores=form.scores("entry"),
                exit_scores=form.scores("exit"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Scores saved.")
            return redirect("records:intervention_detail", intervention_pk=intervention.pk)
    return render(
        request,
        "records/interventions/scores.html",
        {"form": form, "intervention": intervention},
    )


@interventions_write
@require_POST
def intervention_close(request, intervention_pk: int):
    intervention = selectors.intervention_for(intervention_pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.intervention_close(
                intervention=intervention,
                user=actor_from(request),
                closed_on=form.cleaned_data["closed_on"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{intervention.title} is closed.")
            return redirect("records:intervention_detail", intervention_pk=intervention.pk)
    return _detail_page(request, intervention, form, status=400)


@interventions_write
def intervention_session_add(request, intervention_pk: int):
    intervention = selectors.intervention_for(intervention_pk)
    students = [m.student for m in selectors.members(request.user, intervention)]
    form = SessionForm(request.POST or None, students=students)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.record_session(
                intervention=intervention,
                user=actor_from(request),
                held_on=form.cleaned_data["held_on"],
                attendance=form.attendance(),
                notes=form.cleaned_data["notes"],
                student_notes=form.student_notes(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Session {session.number} recorded, with an entry in each student's file.",
            )
            return redirect("records:intervention_detail", intervention_pk=intervention.pk)
    return render(
        request,
        "records/interventions/session_form.html",
        {
            "form": form,
            "intervention": intervention,
            "next_number": intervention.sessions.count() + 1,
        },
    )


@readers
def intervention_session_detail(request, intervention_pk: int, session_pk: int):
    intervention = selectors.intervention_for(intervention_pk)
    session = selectors.session_for(intervention, session_pk)
    return render(
        request,
        "records/interventions/session_detail.html",
        {
            "intervention": intervention,
            "session": session,
            "attendance": selectors.session_attendance(request.user, session),
        },
    )


@readers
def intervention_impact(request, intervention_pk: int):
    intervention = selectors.intervention_for(intervention_pk)
    return render(
        request,
        "records/interventions/impact.html",
        {"intervention": intervention, "impact": selectors.impact(request.user, intervention)},
    )


@readers
def intervention_impact_csv(request, intervention_pk: int):
    intervention = selectors.intervention_for(intervention_pk)
    report = selectors.impact(request.user, intervention)
    audit.read(
        RecordsAction.INTERVENTION_EXPORTED,
        actor_from(request),
        obj=intervention,
        data={"rows": len(report.rows)},
    )
    name = slugify(intervention.title) or "intervention"
    header = [
        "Intervention",
        "Measure",
        "Student",
        "UPN",
        "Year",
        "Tutor group",
        "Entry score",
        "Exit score",
        "Change (positive is progress)",
        "Sessions attended",
        "Of which late",
        "Sessions held while on it",
        "Sessions planned",
    ]
    rows = (
        [
            intervention.title,
            intervention.measure_name,
            row.student.name,
            row.student.upn,
            row.student.year_group,
            row.student.tutor_group,
            row.entry_score,
            row.exit_score,
            row.change,
            row.attended,
            row.late,
            row.held,
            row.planned,
        ]
        for row in report.rows
    )
    return csv_response(f"impact-{name}-{timezone.localdate().isoformat()}.csv", header, rows)
