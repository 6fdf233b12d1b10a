"""Files sent with a submission: checked by what their bytes are, kept outside the web root.

The type comes from the content (a PDF's ``%PDF-``, a PNG's signature, an Office or
OpenDocument file's zip members, plain UTF-8 text), never from the name or the type the mail
client declared. A file is kept under a random name Tandem makes in ``UPLOAD_DIR``; its
original name is only recorded, cleaned, in the database.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from workers import settings as settings_mod

#: Content types accepted, with how the page and the emails name them.
ALLOWED = {
    "application/pdf": "PDF",
    "image/png": "PNG image",
    "image/jpeg": "JPEG image",
    "image/gif": "GIF image",
    "text/plain": "text",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel workbook",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint",
    "application/vnd.oasis.opendocument.text": "OpenDocument text",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument spreadsheet",
    "application/vnd.oasis.opendocument.presentation": "OpenDocument presentation",
}

#: Leading bytes of the binary types accepted.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)

#: The folder inside an Office file's zip that says which application wrote it.
OFFICE_FOLDERS = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

#: Text that a browser would run or render as markup is not accepted as plain text.
MARKUP_RE = re.compile(rb"<\s*(html|script|svg|iframe|body|\?xml)", re.I)

#: Bytes plain text is made of, in UTF-8 or a legacy 8-bit charset: printable ASCII, tab,
#: line ends, form feed, escape (ISO-2022) and every byte with the high bit set. A program,
#: an archive or a media file has other control bytes within its first few hundred bytes.
TEXT_BYTES = bytes([9, 10, 12, 13, 27, *range(32, 127), *range(128, 256)])

#: Most files kept from one reply.
MAX_FILES = 10

#: Longest original name recorded.
MAX_NAME = 150


@dataclass
class Checked:
    """One attachment after the checks: its clean name, type, and why it was refused."""

    name: str
    content_type: str
    size: int
    data: bytes
    reason: str = ""


def sniff(data: bytes) -> str:
    """Return the content type the bytes are, among ALLOWED, or "" when none."""
    for signature, content_type in SIGNATURES:
        if data.startswith(signature):
            return content_type
    if data.startswith(b"PK\x03\x04"):
        return _zip_type(data)
    if MARKUP_RE.search(data[:4096]) or data.translate(None, TEXT_BYTES):
        return ""
    return "text/plain"


def _zip_type(data: bytes) -> str:
    """Tell an Office or OpenDocument file from any other zip (which is refused)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 100:
                declared = archive.read("mimetype").decode("ascii", "replace").strip()
                return declared if declared in ALLOWED else ""
            if "[Content_Types].xml" in names:
                for folder, content_type in OFFICE_FOLDERS.items():
                    if any(name.startswith(folder) for name in names):
                        return content_type
    except (zipfile.BadZipFile, OSError, ValueError):
        return ""
    return ""


def clean_name(name: str) -> str:
    """Return a file name safe to record and show: no folders, control characters or dots
    in front, at most MAX_NAME characters."""
    base = re.split(r"[/\\]", name or "")[-1]
    base = "".join(c if c.isprintable() else "_" for c in base)
    base = " ".join(base.split()).lstrip(".")
    return base[-MAX_NAME:] or "attachment"


def check(attachments: list, limit: int | None = None) -> list[Checked]:
    """Check each attachment's size and type; the refused carry a reason in plain words."""
    limit = limit or settings_mod.get().max_attachment_bytes
    checked = []
    for index, attachment in enumerate(attachments):
        name = clean_name(attachment.filename)
        data = attachment.data or b""
        item = Checked(name, sniff(data), len(data), data)
        if index >= MAX_FILES:
            item.reason = f"only the first {MAX_FILES} files of a reply are kept"
        elif item.size > limit:
            item.reason = f"it is {_mb(item.size)}, over the {_mb(limit)} limit"
        elif not item.size:
            item.reason = "it is empty"
        elif not item.content_type:
            item.reason = "its content is not an accepted type (" + accepted_types() + ")"
        checked.append(item)
    return checked


def accepted_types() -> str:
    """Name the accepted file types for people."""
    return ", ".join(sorted(set(ALLOWED.values())))


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def upload_dir() -> Path:
    """Return the folder where submitted files are kept, creating it readable by Tandem only."""
    folder = Path(settings_mod.get().upload_dir)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def store(data: bytes) -> str:
    """Write the bytes under a new random name in the upload folder; return that name."""
    name = secrets.token_hex(16)
    fd = os.open(upload_dir() / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return name


def stored_path(stored_name: str) -> Path:
    """Return the path of a kept file from the name Tandem gave it (only names it makes)."""
    if not re.fullmatch(r"[0-9a-f]{32}", stored_name or ""):
        raise FileNotFoundError("not a stored file name")
    return Path(settings_mod.get().upload_dir) / stored_name


def discard(stored_names: list[str]) -> None:
    """Remove files kept under these names (their rows were not committed)."""
    for name in stored_names:
        stored_path(name).unlink(missing_ok=True)
