"""One reader per file type: bytes -> Document (text, and title and date from metadata).

Every reader is a pure function of the bytes; a file that cannot be used raises
``ArticleError(code, detail)`` with the quarantine reason (``empty``, ``binary``,
``undecodable``, ``unreadable``, ``encrypted``, ``no_text_layer``). The flows
run the readers of the binary formats under a time limit (``too_slow``).
"""

from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path

from pipeline.formats.base import ArticleError, Document

# suffix -> format name (the value of ``format`` in articles.jsonl)
FORMATS: dict[str, str] = {".txt": "txt", ".md": "md", ".html": "html", ".htm": "html", ".docx": "docx", ".pdf": "pdf"}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(FORMATS)
TEXT_FORMATS = frozenset({"txt", "md"})  # decoded in-process; the others parse structure and are time-limited
_LIBRARIES = ("trafilatura", "lxml", "python-docx", "pypdf")


def suffix_of(path: str) -> str:
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""


def format_of(path: str) -> str | None:
    return FORMATS.get(suffix_of(path))


def read_document(fmt: str, data: bytes) -> Document:
    """The reader for ``fmt`` applied to ``data``."""
    if fmt in TEXT_FORMATS:
        from pipeline.formats.text import read_text

        return read_text(data, fmt)
    if fmt == "html":
        from pipeline.formats.html import read_html

        return read_html(data)
    if fmt == "docx":
        from pipeline.formats.docx import read_docx

        return read_docx(data)
    if fmt == "pdf":
        from pipeline.formats.pdf import read_pdf

        return read_pdf(data)
    raise ArticleError("unsupported_extension", f"no reader for format '{fmt}'")


def readers_version() -> str:
    """Changes when a reader's code or a library it uses changes: the same bytes may then give another text."""
    h = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    for lib in _LIBRARIES:
        try:
            h.update(f"{lib}={metadata.version(lib)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{lib}=none".encode())
    return h.hexdigest()[:12]


__all__ = ["ArticleError", "Document", "FORMATS", "SUPPORTED_SUFFIXES", "format_of", "read_document", "readers_version", "suffix_of"]
