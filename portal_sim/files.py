"""What the stand-in portal accepts as an attachment: the type is read from the content itself,
so a renamed executable or a mislabelled file is refused whatever its sender declared."""
from __future__ import annotations

import io
import posixpath
import zipfile

from bot.ports import ATTACHMENT_TYPES, DOCX

NAME_MAX = 255
UNDECLARED = ("", "application/octet-stream")


def sniff(data: bytes) -> str | None:
    """The content type by magic bytes, among the types the portal keeps; None for any other."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"PK\x03\x04") and _is_docx(data):
        return DOCX
    return None


def _is_docx(data: bytes) -> bool:
    # Every zip starts alike (ODT, XLSX, JAR …): a Word document has its main part inside.
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return False


def accepted_type(data: bytes, declared: str | None) -> str | None:
    """The type to keep the file under, or None when it must be refused (415)."""
    found = sniff(data)
    declared = (declared or "").split(";")[0].strip().lower()
    if found not in ATTACHMENT_TYPES or declared not in (found, *UNDECLARED):
        return None
    return found


def clean_name(name: str | None) -> str:
    """The file's own name, without any directory a client sent along, within the length kept."""
    base = posixpath.basename((name or "").replace("\\", "/")).strip()
    base = "".join(c for c in base if c.isprintable())
    return base[-NAME_MAX:] or "file"
