"""What every reader returns, and the error every reader raises."""

from __future__ import annotations

import re
from dataclasses import dataclass


class ArticleError(ValueError):
    """An article that cannot be used; ``code`` is the machine-readable reason."""

    def __init__(self, code: str, detail: str):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail

    def __reduce__(self):  # picklable across the time-limit worker's pipe
        return (type(self), (self.code, self.detail))


@dataclass(frozen=True)
class Document:
    """The text a file yields, and what its metadata says (not its text)."""

    text: str
    format: str  # txt, md, html, docx, pdf
    encoding: str | None = None  # the character encoding decoded, for text and web pages
    title: str | None = None  # from the file's metadata (a web page's og:title, JSON-LD headline, <h1>, <title>)
    published: str | None = None  # YYYY-MM-DD from the file's metadata (meta tags, <time>, JSON-LD)


_BLANKS = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff\u200b\u00ad]")


def tidy_line(line: str) -> str:
    """One line of extracted text: no control characters or soft hyphens, single spaces, stripped."""
    return _BLANKS.sub(" ", _CONTROLS.sub("", line)).strip()


def join_paragraphs(paragraphs) -> str:
    """Paragraphs as the corpus writes them: one per line, a blank line between."""
    return "\n\n".join(p for p in (tidy_line(p) for p in paragraphs) if p)
