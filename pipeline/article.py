"""Bytes -> Article: decode, title, the date the article states for itself.

Pure functions: the caller reads the file. ``decode`` never guesses silently:
it returns the text and the encoding used, or raises ``ArticleError`` with a
reason code that ends up in ``rejected.jsonl``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date

import dateparser

from pipeline.rules import load_rules

SUPPORTED_SUFFIXES = (".txt", ".md")
_PUBLISHED = load_rules("published").tables
_BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"PK\x03\x04", b"\x1f\x8b", b"BM", b"RIFF", b"\x00\x00\x01\x00")
_TITLE_MAX = 200


class ArticleError(ValueError):
    """An article that cannot be used; ``code`` is the machine-readable reason."""

    def __init__(self, code: str, detail: str):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Article:
    article_id: str
    path: str  # relative to the corpus folder
    text: str
    sha256: str
    encoding: str
    title: str | None
    published: str | None  # YYYY-MM-DD or YYYY-MM
    published_span: tuple[int, int] | None = None  # where the dateline stands (not a figure's year)
    title_span: tuple[int, int] | None = None
    extra: dict = field(default_factory=dict)

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
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f\v")
    if controls > max(8, len(text) // 100):
        raise ArticleError("binary", f"{controls} control characters: this is not running text")
    if not text.strip():
        raise ArticleError("empty", "the file holds only whitespace")
    return text, encoding


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


def _parse_date(raw: str) -> date | None:
    try:
        parsed_num = _numeric_date(raw)
        return parsed_num if parsed_num and 1900 <= parsed_num.year <= 2100 else None
    except LookupError:
        pass
    parsed = dateparser.parse(
        raw, languages=["nl", "en"], settings={"DATE_ORDER": "DMY", "PREFER_DAY_OF_MONTH": "first", "STRICT_PARSING": False}
    )
    if parsed is None or not (1900 <= parsed.year <= 2100):
        return None
    return parsed.date()


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


def build_article(path: str, data: bytes) -> Article:
    """Decode and describe one article; raises ArticleError for unusable input."""
    suffix = "." + path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    if suffix not in SUPPORTED_SUFFIXES:
        raise ArticleError(
            "unsupported_extension",
            f"'{suffix or '(none)'}' is not supported; supported: {', '.join(SUPPORTED_SUFFIXES)}",
        )
    text, encoding = decode(data)
    title, title_span = find_title(text)
    published, published_span = find_published(text)
    return Article(
        article_id=article_id_for(path),
        path=path,
        text=text,
        sha256=sha256_bytes(data),
        encoding=encoding,
        title=title,
        published=published,
        published_span=published_span,
        title_span=title_span,
    )
