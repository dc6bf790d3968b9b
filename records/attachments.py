"""What an attachment may be: decided by reading the file's bytes, not trusting its name.

Accepted: PDF; PNG, JPEG, GIF and WebP images; Word, Excel and PowerPoint documents
(current .docx/.xlsx/.pptx and older .doc/.xls/.ppt) and OpenDocument files
(.odt/.ods/.odp). The name's extension must agree with what the bytes say the file is.
Anything else (including SVG, HTML, archives, executables and macro-enabled Office
files) is refused with a message saying what is accepted.

ZIP-based formats are recognised from the archive's directory (zipfile's namelist)
and, for OpenDocument, the first few bytes of its "mimetype" member; nothing is
decompressed beyond that.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings

MB = 1024 * 1024
NAME_MAX = 150  # the model allows 200; leave room to spare


@dataclass(frozen=True)
class Kind:
    label: str  # "a PDF", as it reads in a sentence
    content_type: str
    extensions: tuple[str, ...]  # the first is the one added to a name without one


_OOXML = "application/vnd.openxmlformats-officedocument"
_ODF = "application/vnd.oasis.opendocument"

KINDS: dict[str, Kind] = {
    "pdf": Kind("a PDF", "application/pdf", (".pdf",)),
    "png": Kind("a PNG image", "image/png", (".png",)),
    "jpeg": Kind("a JPEG image", "image/jpeg", (".jpg", ".jpeg")),
    "gif": Kind("a GIF image", "image/gif", (".gif",)),
    "webp": Kind("a WebP image", "image/webp", (".webp",)),
    "docx": Kind("a Word document", f"{_OOXML}.wordprocessingml.document", (".docx",)),
    "xlsx": Kind("an Excel spreadsheet", f"{_OOXML}.spreadsheetml.sheet", (".xlsx",)),
    "pptx": Kind("a PowerPoint presentation", f"{_OOXML}.presentationml.presentation", (".pptx",)),
    "doc": Kind("a Word 97–2003 document", "application/msword", (".doc",)),
    "xls": Kind("an Excel 97–2003 spreadsheet", "application/vnd.ms-excel", (".xls",)),
    "ppt": Kind("a PowerPoint 97–2003 presentation", "application/vnd.ms-powerpoint", (".ppt",)),
    "odt": Kind("an OpenDocument text document", f"{_ODF}.text", (".odt",)),
    "ods": Kind("an OpenDocument spreadsheet", f"{_ODF}.spreadsheet", (".ods",)),
    "odp": Kind("an OpenDocument presentation", f"{_ODF}.presentation", (".odp",)),
}
_BY_EXTENSION = {ext: key for key, kind in KINDS.items() for ext in kind.extensions}

ACCEPTED_TEXT = (
    "PDF; images (PNG, JPEG, GIF or WebP); Word, Excel or PowerPoint documents; "
    "OpenDocument text, spreadsheets or presentations"
)
# For the file input's accept attribute (a hint to the browser; the bytes decide).
ACCEPT_ATTRIBUTE = ",".join(ext for kind in KINDS.values() for ext in kind.extensions)


def max_bytes() -> int:
    return settings.ENIGMA_ATTACHMENT_MAX_BYTES


def megabytes(n: int) -> str:
    """10485760 -> "10 MB"; 1572864 -> "1.5 MB"."""
    return f"{round(n / MB, 2):g} MB"


def limit_text() -> str:
    return f"Up to {megabytes(max_bytes())}: {ACCEPTED_TEXT}."


@dataclass(frozen=True)
class CheckedFile:
    data: bytes
    name: str  # sanitised, with an extension that matches the content
    kind: str  # a key of KINDS
    content_type: str
    size: int
    sha256: str


class Refused(ValueError):
    """The file cannot be attached; str(error) says why, for the person uploading."""


# --- reading the bytes ---------------------------------------------------------------

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"


def _ole_name(name: str) -> bytes:
    """A stream name as it sits in a compound file's directory (UTF-16LE, NUL ended)."""
    return (name + "\0").encode("utf-16-le")


# Legacy Office files are OLE2 compound files; their main stream says which program.
_OLE_STREAMS = (
    ("doc", (_ole_name("WordDocument"),)),
    ("xls", (_ole_name("Workbook"), _ole_name("Book"))),
    ("ppt", (_ole_name("PowerPoint Document"),)),
)
_ODF_MIMETYPES = {kind.content_type.encode(): key for key, kind in KINDS.items() if key[:2] == "od"}


def detect(data: bytes) -> list[str]:
    """The kinds the bytes could be, most likely first; [] if none that is accepted.

    Raises Refused for files that are of an office format but must not be kept as they
    are (password-protected, or carrying macros).
    """
    head = data[:16]
    if head.startswith(b"%PDF-"):
        return ["pdf"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ["png"]
    if head.startswith(b"\xff\xd8\xff"):
        return ["jpeg"]
    if head.startswith((b"GIF87a", b"GIF89a")):
        return ["gif"]
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ["webp"]
    if head.startswith(_OLE2):
        return _detect_ole(data)
    if head.startswith(_ZIP):
        return _detect_zip(data)
    return []


def _detect_ole(data: bytes) -> list[str]:
    if _ole_name("EncryptedPackage") in data:
        raise Refused(
            "This file is protected by a password, so nobody could open it later. "
            "Remove the password and upload it again."
        )
    if _ole_name("_VBA_PROJECT") in data:
        raise Refused(MACROS)
    # A Word file can hold an embedded spreadsheet, so several may match.
    return [key for key, names in _OLE_STREAMS if any(n in data for n in names)]


MACROS = (
    "This file contains macros, which Enigma does not keep. Save it as an ordinary "
    "document (without macros) and upload it again."
)


# What zipfile raises for a file it cannot read: damaged (BadZipFile, EOFError, OSError,
# ValueError), encrypted, or using a compression method Python's zipfile does not have
# (RuntimeError, and its subclass zipfile raises for those methods).
_UNREADABLE_ZIP = (
    zipfile.BadZipFile,
    RuntimeError,
    EOFError,
    OSError,
    ValueError,
)


def _detect_zip(data: bytes) -> list[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()  # the central directory only: nothing unpacked
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size > 100:
                    return []
                with archive.open(info) as member:
                    mimetype = member.read(100).strip()
                return [_ODF_MIMETYPES[mimetype]] if mimetype in _ODF_MIMETYPES else []
    except _UNREADABLE_ZIP:
        return []  # damaged, encrypted or oddly compressed: not something we accept
    if "[Content_Types].xml" not in names:
        return []
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise Refused(MACROS)
    for key, folder in (("docx", "word/"), ("xlsx", "xl/"), ("pptx", "ppt/")):
        if any(n.startswith(folder) for n in names):
            return [key]
    return []


# --- names ---------------------------------------------------------------------------

# Characters Windows will not have in a file name, and quotes that upset headers.
_UNSAFE = re.compile(r'[<>:"|?*\\/]')


def clean_name(raw: str) -> str:
    """The name to keep and to offer on download: no folders, no control or direction-
    changing characters, no leading dots, at most NAME_MAX characters (keeping the
    extension)."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]  # browsers may send C:\Users\...\letter.pdf
    # Drop control, format (e.g. right-to-left override), surrogate and unassigned
    # characters; they can disguise an extension.
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name)
    name = " ".join(name.split())
    name = name.strip(" .")
    if len(name) > NAME_MAX:
        stem, ext = os.path.splitext(name)
        ext = ext if len(ext) <= 10 else ""
        name = stem[: NAME_MAX - len(ext)].rstrip(" .") + ext
    return name


def extension(name: str) -> str:
    return os.path.splitext(name)[1].lower()


# --- the whole check -----------------------------------------------------------------


def check(upload) -> CheckedFile:
    """Read an uploaded file and decide whether it may be kept. Raises Refused."""
    limit = max_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise Refused(_too_big(size, limit))
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise Refused(_too_big(len(data), limit))
    if not data:
        raise Refused("The file is empty. Choose the file again; it may not have saved.")

    name = clean_name(getattr(upload, "name", "") or "")
    candidates = detect(data)
    if not candidates:
        raise Refused(f"Enigma cannot keep this kind of file. It accepts: {ACCEPTED_TEXT}.")

    ext = extension(name)
    if ext:
        claimed = _BY_EXTENSION.get(ext)
        if claimed not in candidates:
            actual = KINDS[candidates[0]]
            called = f"{KINDS[claimed].label} ({ext})" if claimed else f"a {ext} file"
            raise Refused(
                f"The name says this is {called}, but it is really {actual.label}. "
                f"Check you chose the right file, or rename it to end "
                f"{actual.extensions[0]}."
            )
        kind = claimed
    else:  # no extension: name it for what it is
        kind = candidates[0]
        name = (name or "attachment")[: NAME_MAX - 5] + KINDS[kind].extensions[0]
    return CheckedFile(
        data=data,
        name=name,
        kind=kind,
        content_type=KINDS[kind].content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _too_big(size: int, limit: int) -> str:
    size_mb = math.ceil(size / MB * 10) / 10  # rounded up: never "1 MB, limit 1 MB"
    return (
        f"The file is {size_mb:g} MB; the most Enigma accepts is {megabytes(limit)}. "
        "Make it smaller (for example, save a scan at a lower resolution) or split it."
    )


log = logging.getLogger(__name__)


def discard_unsaved(storage, name: str, what: str) -> None:
    """Remove a file just written for a row the database then refused (nothing else ever
    deletes a file). A failure to remove it is logged, never raised over the first error."""
    if not name:
        return
    try:
        storage.delete(name)
    except OSError:
        log.exception("Could not remove the unsaved %s file %s", what, name)
