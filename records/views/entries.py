"""Recording entries, reading one, correcting it (amendment) and sharing a restricted one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from enigma import audit
from enigma.actor import actor_from
from enigma.capabilities import Capability
from enigma.forms.common import add_service_errors
from enigma.models import Student
from enigma.permissions import requires
from enigma.uploads import accepts_uploads
from records import access, attachments
from records.audit_actions import RecordsAction
from records.forms.entries import (
    HAND_KINDS,
    ActionFormSet,
    AmendForm,
    EntryForm,
    ShareForm,
    new_actions,
)
from records.models import Action, Attachment, Entry
from records.selectors import chronology as selectors
from records.services import entries
from records.services.attachments import attach_file
from records.views import pick
from records.views.common import audit_restricted_reads, decide_visibility, entry_for


@requires(Capability.RECORD_ENTRY)
@accepts_uploads(attachments.max_bytes)
def entry_add(request, pk):
    student = selectors.student_for_file(request.user, pk)
    try:
        kind = Entry.Kind(request.GET.get("kind", Entry.Kind.CONCERN))
    except ValueError:
        raise Http404 from None
    if kind not in HAND_KINDS:
        raise Http404
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    picking = data is not None and any(key in data for key in PICKER_BUTTONS)
    if picking:
        data = _picked(data)
    form = EntryForm(data, files, kind=kind, student=student, user=request.user, picking=picking)
    actions = ActionFormSet(data, prefix="actions")
    if data is not None and not picking and form.is_valid() and actions.is_valid():
        try:
            entry = entries.record_entry(
                author=actor_from(request),
                students=form.students(),
                actions=new_actions(actions),
                **form.entry_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            upload = form.cleaned_data.get("file")
            if upload:
                # Checked by the form already; stored after the entry, outside its
                # transaction, so a failed write never leaves a file without a row.
                attach_file(entry=entry, upload=upload, user=actor_from(request), recording=True)
            if entry.restricted and not request.user.can(Capability.READ_RESTRICTED):
                messages.success(
                    request,
                    f"Recorded. “{entry.summary}” is restricted: the safeguarding team has it, "
                    "and only they can read it now.",
                )
            else:
                messages.success(request, f"Recorded: “{entry.summary}”.")
            return redirect("records:student_file", pk=student.pk)
    involve_q = ""
    matches, more = [], False
    if picking and "involve_find" in data:
        involve_q = pick.search_text(data, "involve_q")
        matches, more = pick.involve_matches(
            request.user, student, involve_q, data.getlist("also_involves")
        )
    return render(
        request,
        "records/entry_form.html",
        {
            "student": student,
            "kind": kind,
            "kind_label": kind.label,
            "kinds": [(k.value, k.label) for k in HAND_KINDS],
            "form": form,
            "actions": actions,
            "chosen": form.chosen_students(),
            "involve_q": involve_q,
            "matches": matches,
            "more": more,
            "picking": picking,
        },
    )


# The entry form's student picker without JavaScript: these buttons send the form back to
# be shown again with the matches, or with a student added or removed.
PICKER_BUTTONS = ("involve_find", "involve_add", "involve_remove")


def _picked(data):
    data = data.copy()
    chosen = data.getlist("also_involves")
    if data.get("involve_add"):
        chosen.append(data["involve_add"])
    if data.get("involve_remove"):
        chosen = [pk for pk in chosen if pk != data["involve_remove"]]
    data.setlist("also_involves", list(dict.fromkeys(chosen)))
    return data


def _readable_or_response(request, entry: Entry):
    """None if the person may read this entry now; otherwise the response to give."""
    entry.is_restricted = access.is_restricted(entry)
    decide_visibility(request, [entry])
    if entry.show_content:
        return None
    if entry.needs_second_factor:
        return redirect(access.reauthentication_url(request))
    return render(
        request,
        "records/restricted.html",
        {"entry": entry, "dsl_team": selectors.dsl_team()},
        status=403,
    )


# Its form adds follow-up actions, which anyone who may read the entry may give.
@requires(Capability.VIEW_STUDENTS)
def entry_detail(request, entry_pk):
    qs = selectors.with_original(
        selectors.with_restriction(
            Entry.objects.select_related("author", "category"), request.user
        ),
        request.user,
    ).prefetch_related(
        Prefetch("actions", queryset=Action.objects.select_related("assignee", "completion")),
        Prefetch("attachments", queryset=Attachment.objects.select_related("uploaded_by")),
        selectors.corrections(request.user),
        Prefetch("shares__shared_with"),
        Prefetch(
            "students",
            queryset=Student.objects.visible_to(request.user).order_by("legal_surname"),
            to_attr="visible_students",
        ),
    )
    entry = entry_for(request, entry_pk, queryset=qs)
    refused = _readable_or_response(request, entry)
    if refused is not None:
        return refused
    student = entry.visible_students[0] if entry.visible_students else None
    if entry.is_restricted:
        audit_restricted_reads(request, student, [entry])
    else:
        audit.read(RecordsAction.FILE_VIEWED, actor_from(request), obj=entry, student=student)
    add_actions = ActionFormSet(
        request.POST if request.method == "POST" else None, prefix="actions"
    )
    if request.method == "POST" and add_actions.is_valid():
        try:
            entries.add_actions(
                entry=entry, by=actor_from(request), actions=new_actions(add_actions)
            )
        except ValidationError as error:
            add_actions._non_form_errors = add_actions.error_class(error.messages)
        else:
            messages.success(request, "Follow-up actions added.")
            return redirect("records:entry_detail", entry_pk=entry.pk)
    return render(
        request,
        "records/entry_detail.html",
        {
            "entry": entry,
            "student": student,
            "add_actions": add_actions,
            "can_amend": entry.kind not in (Entry.Kind.EVENT, Entry.Kind.FORCE),
            "dsl_team": selectors.dsl_team(),
            "reauth_url": access.reauthentication_url(request),
        },
    )


@requires(Capability.RECORD_ENTRY)
def entry_amend(request, entry_pk):
    entry = entry_for(
        request,
        entry_pk,
        queryset=selectors.with_restriction(Entry.objects.select_related("category"), request.user),
    )
    refused = _readable_or_response(request, entry)
    if refused is not None:
        return refused
    if entry.kind == Entry.Kind.EVENT:
        messages.info(request, "Placement events are corrected on the placement, not here.")
        return redirect("records:entry_detail", entry_pk=entry.pk)
    if entry.kind == Entry.Kind.FORCE:
        return redirect("records:force_amend", entry_pk=entry.pk)
    form = AmendForm(request.POST or None, original=entry)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            amendment = entries.amend_entry(
                author=actor_from(request),
                original=entry,
                reason=d["reason"],
                summary=d["summary"],
                account=d["account"],
                category=d.get("category"),
                occurred_at=d["occurred_at"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if access.is_restricted(amendment) and not access.may_read_restricted(
                request.user, amendment
            ):
                # A colleague a DSL shared one entry with cannot read their correction
                # (it is another entry): back to the one they can.
                messages.success(
                    request,
                    "Correction recorded. It is restricted: the safeguarding team has it. "
                    "The original stays as it was.",
                )
                return redirect("records:entry_detail", entry_pk=entry.pk)
            messages.success(request, "Correction recorded. The original stays as it was.")
            return redirect("records:entry_detail", entry_pk=amendment.pk)
    return render(request, "records/entry_amend.html", {"entry": entry, "form": form})


@requires(Capability.SHARE_RESTRICTED)
def entry_share(request, entry_pk):
    entry = entry_for(
        request,
        entry_pk,
        queryset=selectors.with_restriction(Entry.objects.select_related("category"), request.user),
    )
    refused = _readable_or_response(request, entry)
    if refused is not None:
        return refused
    if not entry.is_restricted:
        messages.info(
            request, "This entry is not restricted: everyone who can see the file can read it."
        )
        return redirect("records:entry_detail", entry_pk=entry.pk)
    form = ShareForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        colleague = form.cleaned_data["colleague"]
        try:
            entries.share_entry(
                entry=entry,
                shared_by=actor_from(request),
                colleague=colleague,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{colleague} can now read this entry.")
            return redirect("records:entry_detail", entry_pk=entry.pk)
    return render(
        request,
        "records/entry_share.html",
        {"entry": entry, "form": form, "cancel": reverse("records:entry_detail", args=[entry.pk])},
    )
