"""MIS imports for the school admin: upload → dry-run preview → apply.

Between preview and apply the uploaded bytes wait in the private storage under
imports/, named by a random token that only this session knows (enigma/waiting_files.py).
Applying reads that file back and checks every row again from scratch: the preview is never trusted.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import secrets
import time

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from enigma import waiting_files
from enigma.actor import actor_from
from enigma.capabilities import Capability
from enigma.imports import services
from enigma.imports.forms import UploadForm
from enigma.imports.headers import COLUMNS, KIND_LABELS
from enigma.imports.parsing import max_bytes
from enigma.permissions import requires
from enigma.uploads import accepts_uploads

SESSION_KEY = "enigma_imports"
PREVIEW_ROWS = 200
KEEP_SECONDS = 60 * 60
MAX_PENDING = 3
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


_FOLDER = "imports"


def _name(token: str) -> str | None:
    return f"{_FOLDER}/{token}.csv" if _TOKEN.fullmatch(token or "") else None


def _discard(request, token: str) -> None:
    pending = request.session.get(SESSION_KEY, {})
    pending.pop(token, None)
    request.session[SESSION_KEY] = pending
    if (name := _name(token)) is not None:
        waiting_files.remove(name)


def _keep(request, kind: str, filename: str, data: bytes) -> str:
    waiting_files.sweep(_FOLDER, KEEP_SECONDS)
    pending = request.session.get(SESSION_KEY, {})
    for old in sorted(pending, key=lambda t: pending[t]["at"])[: -MAX_PENDING + 1]:
        pending.pop(old)
        if (name := _name(old)) is not None:
            waiting_files.remove(name)
    token = secrets.token_urlsafe(24)
    waiting_files.save(_name(token), data)
    pending[token] = {
        "kind": kind,
        "filename": filename,
        "sha256": hashlib.sha256(data).hexdigest(),
        "at": time.time(),
    }
    request.session[SESSION_KEY] = pending
    return token


def _take(request, token: str) -> tuple[dict, bytes] | None:
    meta = request.session.get(SESSION_KEY, {}).get(token)
    name = _name(token)
    if meta is None or name is None:
        return None
    data = waiting_files.read(name)
    if data is None or hashlib.sha256(data).hexdigest() != meta["sha256"]:
        return None
    return meta, data


def _preview_page(request, result, token=None):
    return render(
        request,
        "enigma/imports/preview.html",
        {
            "result": result,
            "kind_label": KIND_LABELS[result.kind],
            "planned": result.planned[:PREVIEW_ROWS],
            "more_planned": max(0, len(result.planned) - PREVIEW_ROWS),
            "token": token,
        },
    )


@requires(Capability.IMPORT_MIS)
@accepts_uploads(max_bytes)
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        kind = form.cleaned_data["kind"]
        data = upload_file.read()
        filename = os.path.basename(upload_file.name or "upload.csv")[:200]
        result = services.import_preview(kind, data, filename, actor=actor_from(request))
        token = _keep(request, kind, filename, data) if result.ok else None
        return _preview_page(request, result, token)
    kinds = [
        {"kind": kind, "label": label, "columns": COLUMNS[kind]}
        for kind, label in KIND_LABELS.items()
    ]
    return render(request, "enigma/imports/upload.html", {"form": form, "kinds": kinds})


@requires(Capability.IMPORT_MIS)
@require_POST
def apply(request):
    token = request.POST.get("token", "")
    pending = _take(request, token)
    if pending is None:
        messages.error(
            request, "That preview has expired or has already been applied. Upload the file again."
        )
        return redirect("imports:upload")
    meta, data = pending
    result = services.import_apply(meta["kind"], data, meta["filename"], actor=actor_from(request))
    _discard(request, token)
    if result.ok:
        messages.success(request, f"Imported {meta['filename']}. {result.summary()}")
        return redirect("imports:upload")
    messages.error(request, "Nothing was saved: the file no longer passes its checks.")
    return _preview_page(request, result)


@requires(Capability.IMPORT_MIS)
def template(request, kind):
    if kind not in services.KINDS:
        raise Http404
    example = services.KINDS[kind].EXAMPLE
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(example.keys())
    writer.writerow(example.values())
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="enigma-{kind}-template.csv"'
    return response
