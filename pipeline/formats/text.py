"""Plain text and Markdown: decode the bytes, change nothing else."""

from __future__ import annotations

import re

from pipeline.formats.base import ArticleError, Document

# control characters other than line breaks and tabs (\t \n \v \f \r are 0x09-0x0d)
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f]")
_BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"PK\x03\x04", b"\x1f\x8b", b"BM", b"RIFF", b"\x00\x00\x01\x00")


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (leading BOM dropped, nothing else changed), else Windows-1252; else ArticleError."""
    if not data.strip():
        raise ArticleError("empty", "the file is empty or holds only whitespace")
    if b"\x00" in data[:8192] or any(data.startswith(m) for m in _BINARY_MAGIC):
        raise ArticleError("binary", "the file holds binary content (NUL bytes or an image/archive signature), not text")
    try:
        text = data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        try:
            # Latin-1 / Windows-1252 Dutch text: é, ë and ’ as single bytes
            text = data.decode("cp1252")
            encoding = "cp1252"
        except UnicodeDecodeError as exc:
            raise ArticleError(
                "undecodable", f"not valid UTF-8 nor Windows-1252 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
            ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    controls = len(_CONTROLS.findall(text))
    if controls > max(8, len(text) // 100):
        raise ArticleError("binary", f"{controls} control characters: this is not running text")
    if not text.strip():
        raise ArticleError("empty", "the file holds only whitespace")
    return text, encoding


def read_text(data: bytes, fmt: str = "txt") -> Document:
    text, encoding = decode(data)
    return Document(text=text, format=fmt, encoding=encoding)
