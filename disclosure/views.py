"""Pages of the disclosure app. Thin: the services decide and write.

- A pupil's "Records requests" tab: ask for a subject access export; for the DSL team,
  prepare and follow the child-protection file's transfer.
- An export's page shows its progress (htmx polling the same URL for its fragment until
  it is done) and, to its maker alone, the one download (a POST, so a link scanner or a
  prefetch cannot use it up).
- The transfers list (late ones first) and a transfer's page, for the DSL team.
- The receiving school's page, public behind its link's secret and a code: an unknown,
  used or expired link gets the same 404 page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from disclosure import reminders, selectors, services
from disclosure.forms import (
    CloseLeavingForm,
    CodeForm,
    ConfirmForm,
    ExportForm,
    FailForm,
    PrepareForm,
    SendForm,
)
from disclosure.models import ChildProtectionTransfer, SubjectAccessExport
from disclosure.retention import selectors as retention_selectors
from enigma.actor import actor_from
from enigma.audit import client_address
from enigma.capabilities import Capability
from enigma.forms.common import add_service_errors
from enigma.models import Student
from enigma.permissions import get_student_for, requires
from records.access import reauthentication_url, second_factor_is_fresh

WORKING = (SubjectAccessExport.Status.QUEUED, SubjectAccessExport.Status.RUNNING)
exporters = requires(Capability.EXPORT_SUBJECT_ACCESS)
dsl_team = requires(Capability.TRANSFER_CP_FILE)


# --- a pupil's records requests -----------------------------------------------------------


def _student_page(request, student, *, form=None, prepare_form=None, close_form=None, status=200):
    user = request.user
    may_restricted = user.can(Capability.READ_RESTRICTED)
    context = {
        "student": student,
        "form": form or ExportForm(may_include_restricted=may_restricted),
        "exports": selectors.exports_for_student(student),
        "fresh": second_factor_is_fresh(request),
        "reauth_url": reauthentication_url(request),
    }
    if user.can(Capability.TRANSFER_CP_FILE):
        context["transfer"] = selectors.open_transfer_of(student)
        context["prepare_form"] = prepare_form or PrepareForm(initial={"left_on": student.left_on})
        context["closed"] = selectors.closed_leaving_of(student)
        context["close_form"] = close_form or CloseLeavingForm(initial={"left_on": student.left_on})
    if user.can(Capability.REVIEW_DISPOSAL):
        context["retention"] = retention_selectors.pupil_retention_summary(student)
    return render(request, "disclosure/student.html", context, status=status)


@exporters
@require_safe
def student(request, pk: int):
    return _student_page(request, get_student_for(request.user, pk))


@exporters
@require_POST
def export_request(request, pk: int):
    pupil = get_student_for(request.user, pk)
    form = ExportForm(
        request.POST, may_include_restricted=request.user.can(Capability.READ_RESTRICTED)
    )
    if form.is_valid():
        try:
            export = services.export_request(
                student=pupil,
                by=actor_from(request),
                include_restricted=form.cleaned_data.get("include_restricted", False),
                second_factor_fresh=second_factor_is_fresh(request),
                name_other_pupils=form.cleaned_data["name_other_pupils"],
                legal_reason=form.cleaned_data["legal_reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("disclosure:export_detail", export_pk=export.pk)
    return _student_page(request, pupil, form=form, status=400)


@exporters
@require_safe
def export_detail(request, export_pk: int):
    export = selectors.export_for(export_pk)
    get_student_for(request.user, export.student_id)
    context = {
        "export": export,
        "student": export.student,
        "mine": export.requested_by_id == request.user.pk,
        "working": export.status in WORKING,
        "now": timezone.now(),
    }
    if context["mine"] and export.redaction_key:
        pupils = Student.objects.in_bulk(export.redaction_key.values())
        context["key"] = [(label, pupils.get(pk)) for label, pk in export.redaction_key.items()]
    if request.htmx:
        return render(request, "disclosure/_export_status.html", context)
    return render(request, "disclosure/export_detail.html", context)


def _stream_then_forget(instance, filename: str):
    """Stream a private file, then delete it (also if the download is cut short)."""
    storage, name = instance.file.storage, instance.file.name

    def chunks():
        try:
            with storage.open(name, "rb") as f:
                while chunk := f.read(256 * 1024):
                    yield chunk
        finally:
            services.forget_file(instance)

    response = StreamingHttpResponse(chunks(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Content-Length"] = str(instance.size)
    response["Cache-Control"] = "no-store, private"
    return response


@exporters
@require_POST
def export_download(request, export_pk: int):
    export = services.export_claim_download(export_id=export_pk, by=actor_from(request))
    if export is None:
        existing = SubjectAccessExport.objects.filter(pk=export_pk, requested_by=request.user)
        if not existing.exists():
            raise Http404
        services.exports_tidy()
        messages.error(
            request,
            "This export can no longer be downloaded: it was downloaded already or has "
            "expired. Ask for a new one if you need it.",
        )
        return redirect("disclosure:export_detail", export_pk=export_pk)
    day = timezone.localdate(export.downloaded_at)
    return _stream_then_forget(export, f"subject-access-{export.student.upn}-{day}.zip")


# --- child-protection file transfers (the sending school) -------------------------------------


@dsl_team
@require_safe
def transfers(request):
    late = reminders.late()
    return render(
        request,
        "disclosure/transfers.html",
        {
            "late": late[: reminders.LATE_SHOWN],
            "late_more": max(0, len(late) - reminders.LATE_SHOWN),
            "page": selectors.transfers(page=request.GET.get("page")),
        },
    )


@dsl_team
@require_POST
def leaving_close(request, pk: int):
    pupil = get_student_for(request.user, pk)
    form = CloseLeavingForm(request.POST)
    if form.is_valid():
        try:
            services.leaving_close(
                student=pupil,
                left_on=form.cleaned_data["left_on"],
                reason=form.cleaned_data["reason"],
                detail=form.cleaned_data["detail"],
                by=actor_from(request),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Recorded. Enigma no longer chases this file.")
            return redirect("disclosure:student", pk=pupil.pk)
    return _student_page(request, pupil, close_form=form, status=400)


@dsl_team
@require_POST
def transfer_prepare(request, pk: int):
    pupil = get_student_for(request.user, pk)
    form = PrepareForm(request.POST)
    if form.is_valid():
        try:
            transfer = services.transfer_prepare(
                student=pupil,
                by=actor_from(request),
                left_on=form.cleaned_data["left_on"],
                second_factor_fresh=second_factor_is_fresh(request),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The child-protection file is prepared. Now send it.")
            return redirect("disclosure:transfer_detail", transfer_pk=transfer.pk)
    return _student_page(request, pupil, prepare_form=form, status=400)


def _transfer_page(request, transfer, *, send_form=None, sent=None, status=200):
    timing = reminders.timings(timezone.localdate(), [transfer])[0]
    return render(
        request,
        "disclosure/transfer_detail.html",
        {
            "transfer": transfer,
            "student": transfer.student,
            "timing": timing,
            "send_form": send_form or SendForm(),
            "fail_form": FailForm(),
            "sent": sent,
            "fresh": second_factor_is_fresh(request),
            "reauth_url": reauthentication_url(request),
            "link_days": services.LINK_DAYS,
        },
        status=status,
    )


@dsl_team
@require_safe
def transfer_detail(request, transfer_pk: int):
    return _transfer_page(request, selectors.transfer_for(transfer_pk))


@dsl_team
@require_POST
def transfer_send(request, transfer_pk: int):
    transfer = selectors.transfer_for(transfer_pk)
    form = SendForm(request.POST)
    if form.is_valid():
        try:
            sent = services.transfer_send(
                transfer=transfer,
                by=actor_from(request),
                **form.cleaned_data,
                second_factor_fresh=second_factor_is_fresh(request),
                link_for=lambda token: request.build_absolute_uri(
                    reverse("disclosure:receive", args=[token])
                ),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # The code is in this answer only: it is never stored or shown again.
            return _transfer_page(request, sent.transfer, sent=sent)
    return _transfer_page(request, transfer, send_form=form, status=400)


@dsl_team
@require_POST
def transfer_fail(request, transfer_pk: int):
    transfer = selectors.transfer_for(transfer_pk)
    form = FailForm(request.POST)
    if form.is_valid() and services.transfer_fail(
        transfer=transfer, reason=form.cleaned_data["reason"], by=actor_from(request)
    ):
        messages.success(request, "Marked failed: its link no longer works. Prepare it again.")
    elif not form.is_valid():
        messages.error(request, "Say what went wrong.")
    return redirect("disclosure:transfer_detail", transfer_pk=transfer.pk)


# --- the receiving school (public, behind the link's secret and the code) --------------------

SESSION_KEY = "disclosure_codes_passed"
ADDRESS_LIMIT = 20  # wrong codes per address per hour, over every link


def _public(response):
    response["Cache-Control"] = "no-store, private"
    # Not "no-referrer": Chromium then sends "Origin: null" with the forms, which the
    # CSRF check rightly refuses. same-origin keeps the link's secret from other sites.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _gone(request):
    return _public(render(request, "disclosure/receive_gone.html", status=404))


def _passed(request, transfer) -> bool:
    return transfer.pk in request.session.get(SESSION_KEY, [])


def _receive_page(request, transfer, *, code_form=None, confirm_form=None, status=200):
    return _public(
        render(
            request,
            "disclosure/receive.html",
            {
                "transfer": transfer,
                "token": request.resolver_match.kwargs["transfer_token"],
                "passed": _passed(request, transfer),
                "code_form": code_form or CodeForm(),
                "confirm_form": confirm_form or ConfirmForm(),
                "max_tries": services.MAX_WRONG_CODES,
            },
            status=status,
        )
    )


def _address_key(request) -> str:
    return f"disclosure:wrong-codes:{client_address(request)}"


@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
def receive(request, transfer_token: str):
    transfer = services.transfer_for_token(transfer_token)
    if transfer is None:
        return _gone(request)
    if request.method != "POST":
        return _receive_page(request, transfer)
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _receive_page(request, transfer, code_form=form, status=400)
    key = _address_key(request)
    if cache.get(key, 0) >= ADDRESS_LIMIT:
        form.add_error("code", "Too many wrong codes from this address. Try again in an hour.")
        return _receive_page(request, transfer, code_form=form, status=429)
    if services.transfer_check_code(
        transfer=transfer, code=form.cleaned_data["code"], by=actor_from(request)
    ):
        request.session.cycle_key()
        request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, []), transfer.pk]
        return redirect("disclosure:receive", transfer_token=transfer_token)
    cache.add(key, 0, 60 * 60)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, 60 * 60)
    transfer.refresh_from_db()
    if transfer.state == ChildProtectionTransfer.State.FAILED:
        return _gone(request)
    left = services.MAX_WRONG_CODES - transfer.wrong_codes
    form.add_error(
        "code",
        f"That is not the code. {left} more tr{'y' if left == 1 else 'ies'} before the link "
        "stops working.",
    )
    return _receive_page(request, transfer, code_form=form, status=400)


@login_not_required
@require_POST
def receive_download(request, transfer_token: str):
    transfer = services.transfer_for_token(transfer_token)
    if transfer is None or not _passed(request, transfer):
        return _gone(request)
    taken = services.transfer_claim_download(transfer=transfer, by=actor_from(request))
    if taken is None:
        return _receive_page(request, transfer, status=409)
    return _public(
        _stream_then_forget_after_confirm(taken, f"child-protection-file-{taken.pk}.zip")
    )


def _stream_then_forget_after_confirm(transfer, filename: str):
    """The file stays until receipt is confirmed or the link expires: if the download
    broke, the sender prepares it again; nobody else can take it meanwhile."""
    storage, name = transfer.file.storage, transfer.file.name

    def chunks():
        with storage.open(name, "rb") as f:
            while chunk := f.read(256 * 1024):
                yield chunk

    response = StreamingHttpResponse(chunks(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Content-Length"] = str(transfer.size)
    return response


@login_not_required
@require_POST
def receive_confirm(request, transfer_token: str):
    transfer = services.transfer_for_token(transfer_token)
    if transfer is None or not _passed(request, transfer):
        return _gone(request)
    form = ConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.transfer_confirm(
                transfer=transfer, name=form.cleaned_data["name"], by=actor_from(request)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _public(render(request, "disclosure/receive_done.html", {"transfer": transfer}))
    return _receive_page(request, transfer, confirm_form=form, status=400)
