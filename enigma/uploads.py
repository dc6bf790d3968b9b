"""How large an upload each view takes, enforced before the body is read.

A view that takes files says so with @accepts_uploads(limit), limit being a function that
returns the largest file it accepts (read when the request comes, so settings overridden
in tests count). Every multipart body passes UploadLimitHandler first (it heads
FILE_UPLOAD_HANDLERS): a body longer than the view's limit, plus room for its other
fields, is refused from its Content-Length before a byte of it is read, and a body that
gives no length (or a false one) is cut off once it has sent that much. The person sees
a page that names the limit (413); a file only a little too large is read and refused at
its field by the form, with everything typed kept. The file inputs also carry the limit
(data-max-bytes), so the browser says so at the field before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.urls import Resolver404, resolve

# Room for a form's other fields and the multipart framing around the files.
FORM_ROOM = 256 * 1024


def size_text(n: int) -> str:
    """10485760 -> "10 MB"; 61440 -> "60 KB"."""
    if n >= 1024 * 1024:
        return f"{round(n / (1024 * 1024), 2):g} MB"
    return f"{max(1, round(n / 1024))} KB"


class UploadTooLarge(RequestDataTooBig):
    """Shown to the person (status 413) by enigma.views.errors.bad_request."""

    def __init__(self, limit: int, files: int = 1):
        self.limit = limit
        each = "each file" if files > 1 else "a file"
        super().__init__(
            f"That upload is too large: the most Enigma accepts here is {size_text(limit)} "
            f"for {each}. Go back, choose a smaller file (or split it), and send it again."
        )


def accepts_uploads(limit: Callable[[], int], *, files: int = 1) -> Callable:
    """Mark a view as taking up to `files` files of at most limit() bytes each."""

    def decorator(view):
        view.enigma_upload_limit = (limit, files)
        return view

    return decorator


def _declared(view) -> tuple[Callable[[], int], int] | None:
    while view is not None:
        declared = getattr(view, "enigma_upload_limit", None)
        if declared is not None:
            return declared
        view = getattr(view, "__wrapped__", None)
    return None


def body_limit(request) -> tuple[int, int, int]:
    """(largest body, largest file, number of files) for the view the request is for.

    A view that declares no uploads takes no file larger than its other fields may be."""
    try:
        view = resolve(request.path_info).func
    except Resolver404:
        view = None
    declared = _declared(view)
    if declared is None:
        return settings.DATA_UPLOAD_MAX_MEMORY_SIZE + FORM_ROOM, 0, 0
    limit, files = declared
    each = limit()
    return each * files + FORM_ROOM, each, files


class UploadLimitHandler(FileUploadHandler):
    """Refuses an over-size multipart body before reading it, and stops one that turns
    out longer than it said. Stores nothing: the handlers after it keep the files."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.most, self.each, self.files = body_limit(self.request)
        self.received = 0
        if content_length > self.most:
            raise UploadTooLarge(self.each or self.most, max(self.files, 1))

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.most:
            raise UploadTooLarge(self.each or self.most, max(self.files, 1))
        return raw_data

    def file_complete(self, file_size):
        return None


class _Limited:
    """A file input that tells the browser the limit (enigma.js says so at the field)."""

    def __init__(self, limit: Callable[[], int], attrs=None):
        super().__init__(attrs)
        self.limit = limit

    def get_context(self, name, value, attrs):
        attrs = {**(attrs or {}), "data-max-bytes": str(self.limit())}
        attrs["data-max-text"] = size_text(self.limit())
        return super().get_context(name, value, attrs)


class LimitedFileInput(_Limited, forms.FileInput):
    pass


class LimitedClearableFileInput(_Limited, forms.ClearableFileInput):
    pass
