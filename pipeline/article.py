"""Bytes -> Article: the file's text (one reader per format), title, the date the article states for itself.

Pure functions: the caller reads the file. A reader (``pipeline.formats``) never
guesses silently: it returns the text, or raises ``ArticleError`` with a reason
code that ends up in ``rejected.jsonl``. The date and title stated in the text
win; a web page's metadata fills them when the text has none.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date

import dateparser

from collections.abc import Callable

from pipeline.formats import SUPPORTED_SUFFIXES, Document, format_of, read_document, suffix_of
from pipeline.formats.base import ArticleError
from pipeline.formats.text import decode
from pipeline.rules import load_rules

_PUBLISHED = load_rules("published").tables
_TITLE_MAX = 200


@dataclass(frozen=True)
class Article:
    article_id: str
    path: str  # relative to the corpus folder
    text: str
    sha256: str
    encoding: str | None  # None for Word and PDF files
    title: str | None
    published: str | None  # YYYY-MM-DD or YYYY-MM
    published_span: tuple[int, int] | None = None  # where the dateline stands (not a figure's year)
    title_span: tuple[int, int] | None = None
    extra: dict = field(default_factory=dict)
    format: str = "txt"  # txt, md, html, docx, pdf

    @property
    def published_date(self) -> date | None:
        if not self.published:
            return None
        parts = [int(p) for p in self.published.split("-")]
        return date(parts[0], parts[1], parts[2] if len(parts) > 2 else 15)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def article_id_for(path: str) -> str:
    """The file name without its extension."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0] if "." in name else name


def _expand(regex: str, parts: dict[str, str]) -> str:
    """Replace each '{{name}}' by the named part (parts may use earlier parts)."""
    return re.sub(r"\{\{(\w+)\}\}", lambda m: f"(?:{parts[m.group(1)]})", regex)


def _compile_published(tables: dict) -> list[tuple[str, re.Pattern[str]]]:
    parts: dict[str, str] = {}
    for name, regex in tables.get("parts", {}).items():
        parts[name] = _expand(regex, parts)
    return [(pat["kind"], re.compile(_expand(pat["regex"], parts))) for pat in tables["patterns"]]


_PUBLISHED_PATTERNS = _compile_published(_PUBLISHED)
_NUMERIC_DATE = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})|(\d{4})-?(\d{2})-?(\d{2})|(\d{4})-(\d{2})")


def _numeric_date(raw: str) -> date | None:
    """Day-first numeric dates (12/09/2023, 31/08/16), ISO (2023-09-12, 2021-10) and 20180305, read by hand."""
    m = _NUMERIC_DATE.fullmatch(raw.strip())
    if m is None:
        raise LookupError(raw)
    if m.group(1):
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if len(m.group(3)) == 2:  # a two-digit year: 00-69 -> 20xx, 70-99 -> 19xx
            year += 2000 if year < 70 else 1900
    elif m.group(4):
        year, month, day = int(m.group(4)), int(m.group(5)), int(m.group(6))
    else:
        year, month, day = int(m.group(7)), int(m.group(8)), 1
    try:
        return date(year, month, day)
    except ValueError:
        return None


_MONTH_NUMBERS: dict[str, int] = _PUBLISHED["month_numbers"]
_WORD_DATE = re.compile(r"(\d{1,2})\s+([^\W\d_]+)\.?\s+(\d{4})")


def _word_date(raw: str) -> date | None:
    """'3 juni 2019', '6 okt. 2022': a day, a Dutch month word of ``month_numbers`` and a year,
    read by hand (None for a day the month does not have); LookupError for any other form."""
    m = _WORD_DATE.fullmatch(raw.strip())
    month = _MONTH_NUMBERS.get(m.group(2).lower()) if m else None
    if month is None:
        raise LookupError(raw)
    try:
        return date(int(m.group(3)), month, int(m.group(1)))
    except ValueError:
        return None


def _parse_date(raw: str) -> date | None:
    """The first reader that knows the form decides (LookupError: not its form); dateparser last."""
    for read in (_numeric_date, _word_date, _dateparser_date):
        try:
            parsed = read(raw)
        except LookupError:
            continue
        return parsed if parsed and 1900 <= parsed.year <= 2100 else None
    return None


def _dateparser_date(raw: str) -> date | None:
    parsed = dateparser.parse(
        raw, languages=["nl", "en"], settings={"DATE_ORDER": "DMY", "PREFER_DAY_OF_MONTH": "first", "STRICT_PARSING": False}
    )
    return parsed.date() if parsed is not None else None


def find_published(text: str) -> tuple[str | None, tuple[int, int] | None]:
    """The article's own date as YYYY-MM-DD (or YYYY-MM), and the span of its dateline."""
    head = text[: _PUBLISHED["head_chars"]]
    found: dict[str, tuple[str, tuple[int, int]]] = {}
    for kind, pattern in _PUBLISHED_PATTERNS:
        if kind in found:
            continue
        for m in pattern.finditer(head):
            d = _parse_date(m.group("date"))
            if d is None:
                continue
            value = f"{d:%Y-%m}" if kind == "publication_month" else d.isoformat()
            found[kind] = (value, m.span("date"))
            break
    for kind in ("publication", "publication_month", "modification"):
        if kind in found:
            return found[kind]
    return None, None


def find_title(text: str) -> tuple[str | None, tuple[int, int] | None]:
    """The first non-empty line, without a 'date YYYY-MM' prefix; a long lead line gives its first sentence."""
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped:
            start = offset + (len(line) - len(line.lstrip()))
            m = re.match(r"date\s+\d{4}-\d{2}(?:-\d{2})?\s+", stripped)
            if m:
                start += m.end()
                stripped = stripped[m.end() :]
            if len(stripped) > _TITLE_MAX or re.search(r"[.!?]\s+[A-Z]", stripped):
                m2 = re.match(r"(.+?[^.][.!?])(?=\s+[A-Z])", stripped)
                if m2:
                    stripped = m2.group(1)
                stripped = stripped[:_TITLE_MAX]
            title = stripped.rstrip(".").strip() or None
            return title, (start, start + len(title)) if title else None
        offset += len(line)
    return None, None


def _title_in(text: str, title: str) -> tuple[int, int] | None:
    """Where a metadata title stands as a line of the text's head, if it does."""
    offset = 0
    for line in text[:2000].splitlines(keepends=True)[:8]:
        stripped = line.strip()
        if stripped and stripped.casefold() == title.casefold():
            start = offset + (len(line) - len(line.lstrip()))
            return start, start + len(stripped)
        offset += len(line)
    return None


def build_article(path: str, data: bytes, read: Callable[[str, bytes], Document] | None = None) -> Article:
    """Read and describe one article; raises ArticleError for unusable input.

    ``read(format, data)`` turns the bytes into a Document (default: ``pipeline.formats.read_document``;
    the flows pass one that runs under a time limit).
    """
    fmt = format_of(path)
    if fmt is None:
        suffix = suffix_of(path)
        raise ArticleError(
            "unsupported_extension",
            f"'{suffix or '(none)'}' is not supported; supported: {', '.join(SUPPORTED_SUFFIXES)}",
        )
    doc = (read or read_document)(fmt, data)
    return describe(path, doc.text, sha256_bytes(data), doc.encoding, doc.format, doc.title, doc.published)


def describe(
    path: str,
    text: str,
    sha256: str,
    encoding: str | None = "utf-8",
    fmt: str = "txt",
    meta_title: str | None = None,
    meta_published: str | None = None,
    article_id: str | None = None,
) -> Article:
    """An Article from its text: title and published date from the text, else from the
    page's metadata (``meta_title``, ``meta_published``: no span in the text then)."""
    title, title_span = find_title(text)
    if meta_title:
        span = _title_in(text, meta_title)
        title, title_span = (text[span[0] : span[1]], span) if span else (meta_title, None)
    published, published_span = find_published(text)
    if published is None and meta_published:
        published = meta_published
    return Article(
        article_id=article_id or article_id_for(path),
        path=path,
        text=text,
        sha256=sha256,
        encoding=encoding,
        title=title,
        published=published,
        published_span=published_span,
        title_span=title_span,
        format=fmt,
    )

__all__ = [
    "Article", "ArticleError", "SUPPORTED_SUFFIXES", "article_id_for", "build_article", "decode", "describe",
    "find_published", "find_title", "sha256_bytes",
]
