"""Small real files of each kind the portal keeps (and some it refuses), built in memory."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib

from bot.ports import DOCX  # noqa: F401  (the tests name it here)


def pdf(text: str = "Kavshiri test") -> bytes:
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% " + text.encode()
            + b"\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def png(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def jpeg(size: int = 2048) -> bytes:
    """A JFIF header and filler: enough for anything that reads the type from the first bytes."""
    header = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return header + bytes(range(256)) * (size // 256) + b"\xff\xd9"


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not a document")
    return buffer.getvalue()


EXE = b"MZ\x90\x00" + b"\x00" * 60 + b"This program cannot be run in DOS mode."
