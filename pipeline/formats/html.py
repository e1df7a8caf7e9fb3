"""Saved web pages: the article's main text (trafilatura), its title and date from the page's metadata.

Main text: trafilatura drops navigation, cookie banners, asides, comments,
footers, scripts and styles (measured against readability-lxml and jusText on
the pages in ``tests/formats_samples.py``; see the README). Its own date guess
(htmldate) is not used: it also reads dates from URLs and page text (a footer's
``© 2024`` became a publication date in our measurement). The date here comes
only from what the page states as its date: JSON-LD ``datePublished``, meta
tags (``article:published_time``, ``date``, ``dcterms.date``, ...) and a
``<time>`` marked as the publication date or standing in the byline;
modification dates only when no publication date is given.
"""

from __future__ import annotations

import copy
import json
import logging
import re

import lxml.etree
import lxml.html

from pipeline.formats.base import ArticleError, Document, join_paragraphs, tidy_line

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([-\w.:]+)""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# the text is read from the page without its scripts and styles, cut before parsing: a stray '<'
# before one ('<<<<Uit ...<script>') makes libxml2 read the script tag as an attribute and its code
# as text. Metadata (JSON-LD is a script) is read from the page as it is.
_CODE_BLOCKS = re.compile(r"<(script|style)\b[^>]*>.*?(?:</\1\s*>|\Z)", re.I | re.S)
_ISO_DATE = re.compile(r"^\s*((?:19|20)\d{2})-(\d{2})-(\d{2})")
_ARTICLE_TYPES = {"article", "newsarticle", "blogposting", "reportagenewsarticle", "report", "pressrelease", "webpage", "analysisnewsarticle"}
_PUBLISHED_META = (
    "article:published_time", "og:published_time", "datepublished", "date", "dc.date", "dc.date.issued",
    "dcterms.date", "dcterms.issued", "dcterms.created", "pubdate", "publishdate", "publish-date",
    "publication_date", "sailthru.date", "parsely-pub-date", "citation_publication_date",
)
_MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified", "last-modified")
_TITLE_META = ("og:title", "twitter:title", "dc.title", "dcterms.title", "title")
_BYLINE = re.compile(r"byline|meta|date|posted|publi|entry-header|article-header|article-info|author", re.I)
_SITE_SUFFIX = re.compile(r"\s+[|\-–—·:]\s+[^|\-–—·:]{2,60}$")
# page furniture by tag, ARIA role or a class/id word: removed before the main-text extractor sees the page,
# so that on a page without an article its fallback cannot return the cookie banner or the footer
_FURNITURE_TAGS = {"nav", "footer", "aside", "dialog", "noscript", "template", "iframe", "button", "select"}
_FURNITURE_ROLES = {"navigation", "contentinfo", "dialog", "alertdialog", "complementary", "search", "menu", "menubar"}
_FURNITURE_WORD = re.compile(
    r"(?:^|[-_\s])(?:cookie\w*|consent|gdpr|cmp|footer\w*|nav|navbar|navigation|menu|breadcrumbs?|newsletter|"
    r"share|sharing|social|comments?|reacties|related|gerelateerd|popular|populair|most-read|meest-gelezen|"
    r"sidebar|widget\w*|popup|modal|overlay|advert\w*|ads?|promo|subscribe|paywall)(?:$|[-_\s])",
    re.I,
)
_MIN_WORDS = 8  # less than this is no article (a menu word, a button)

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)  # its parse complaints; an empty page is quarantined with a reason


def _charset(data: bytes) -> str | None:
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    m = _CHARSET.search(data[:4096])
    if not m:
        return None
    name = m.group(1).decode("ascii", "replace").lower()
    return {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "windows-1252": "cp1252", "us-ascii": "utf-8"}.get(name, name)


def decode_html(data: bytes) -> tuple[str, str]:
    """The page as text, and the encoding used: its BOM or <meta charset>, else UTF-8, else Windows-1252."""
    declared = _charset(data)
    for enc in (declared, "utf-8", "cp1252"):
        if not enc:
            continue
        try:
            text = data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
        return text.removeprefix("\ufeff"), enc
    return data.decode("cp1252", errors="replace"), "cp1252"


def _iso(value: str | None) -> str | None:
    """A date as metadata writes it (ISO 8601, or a written date) -> YYYY-MM-DD; the date as stated, no timezone shift."""
    if not value or not isinstance(value, str):
        return None
    m = _ISO_DATE.match(value)
    if m:
        y, mo, d = (int(g) for g in m.groups())
        if 1 <= mo <= 12 and 1 <= d <= 31:
            return f"{y:04d}-{mo:02d}-{d:02d}"
        return None
    if not re.search(r"\b(?:19|20)\d{2}\b", value):  # a written date states its year; 'morgen' or 'vorige week' is no date
        return None
    import dateparser

    parsed = dateparser.parse(
        value[:60],
        languages=["nl", "en"],
        settings={"DATE_ORDER": "DMY", "STRICT_PARSING": True, "PARSERS": ["absolute-time"]},
    )
    if parsed is None or not (1900 <= parsed.year <= 2100):
        return None
    return parsed.date().isoformat()


def _json_ld(tree) -> list[dict]:
    """Every JSON-LD object of an article-like type (also inside @graph), in page order."""
    found: list[dict] = []

    def walk(node, depth=0):
        if depth > 6:
            return
        if isinstance(node, list):
            for item in node:
                walk(item, depth + 1)
        elif isinstance(node, dict):
            types = node.get("@type")
            types = types if isinstance(types, list) else [types]
            if any(isinstance(t, str) and t.lower() in _ARTICLE_TYPES for t in types):
                found.append(node)
            if "@graph" in node:
                walk(node["@graph"], depth + 1)

    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            walk(json.loads(script.text or ""))
        except (ValueError, RecursionError):
            continue
    # an Article before a WebPage
    return sorted(found, key=lambda n: str(n.get("@type")).lower() == "webpage")


def _meta(tree) -> dict[str, str]:
    out: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv") or "").strip().lower()
        content = el.get("content")
        if key and content and key not in out:
            out[key] = content.strip()
    return out


def _time_published(tree) -> str | None:
    """A <time> marked as the publication date, or standing in a byline/header, never one in running text."""
    times = [t for t in tree.iter("time") if t.get("datetime") or (t.text or "").strip()]
    for t in times:
        if (t.get("itemprop") or "").lower() == "datepublished" or t.get("pubdate") is not None:
            return _iso(t.get("datetime") or t.text_content())
    for t in times:
        el, hops = t.getparent(), 0
        while el is not None and hops < 4:
            if el.tag == "header" or _BYLINE.search(f"{el.get('class', '')} {el.get('id', '')}"):
                return _iso(t.get("datetime") or t.text_content())
            el, hops = el.getparent(), hops + 1
    return None


def _visible_text(el) -> str:
    """An element's text without the code of scripts and styles inside it ('<h1><script>...')."""
    el = copy.deepcopy(el)
    for code in list(el.iter("script", "style")):
        code.drop_tree()
    return el.text_content()


def page_metadata(tree) -> tuple[list[str], str | None]:
    """Title candidates (best first) and the publication date the page states in its markup."""
    ld = _json_ld(tree)
    meta = _meta(tree)
    titles: list[str] = []
    for node in ld:
        for key in ("headline", "name"):
            if isinstance(node.get(key), str):
                titles.append(node[key])
    titles += [meta[k] for k in _TITLE_META if k in meta]
    h1 = next(iter(tree.iter("h1")), None)
    if h1 is not None:
        titles.append(_visible_text(h1))
    title_el = next(iter(tree.iter("title")), None)
    if title_el is not None and title_el.text:
        raw = tidy_line(title_el.text)
        titles.append(_SITE_SUFFIX.sub("", raw) if len(_SITE_SUFFIX.sub("", raw)) >= 15 else raw)
    titles = [t for t in (tidy_line(t) for t in titles) if t]

    published = None
    for node in ld:
        published = published or _iso(node.get("datePublished")) or _iso(node.get("dateCreated"))
    for key in _PUBLISHED_META:
        published = published or _iso(meta.get(key))
    published = published or _time_published(tree)
    for node in ld:
        published = published or _iso(node.get("dateModified"))
    for key in _MODIFIED_META:
        published = published or _iso(meta.get(key))
    return titles, published


def _is_furniture(el) -> bool:
    if el.tag in _FURNITURE_TAGS or (el.get("role") or "").lower() in _FURNITURE_ROLES:
        return True
    return bool(_FURNITURE_WORD.search(f"{el.get('class', '')} {el.get('id', '')}"))


def strip_furniture(tree) -> None:
    """Remove navigation, banners, asides, footers, forms; never an element that holds the article itself."""
    doomed = []
    for el in tree.iter(lxml.etree.Element):
        if el.tag in ("html", "body", "head", "main", "article") or not _is_furniture(el):
            continue
        if any(True for _ in el.iter("h1", "article", "main")):
            continue  # a wrapper classed 'has-sidebar' or a header holding the headline
        if any(anc in doomed for anc in el.iterancestors()):
            continue
        doomed.append(el)
    for el in doomed:
        el.drop_tree()


def _main_text(tree) -> str | None:
    import trafilatura

    return trafilatura.extract(
        tree,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        deduplicate=False,
        with_metadata=False,
    )


def _parse(html: str):
    html = _XML_DECL.sub("", html, count=1)
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, huge_tree=False, recover=True)
    try:
        tree = lxml.html.document_fromstring(html, parser=parser)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ArticleError("empty", f"the page has no content to parse ({exc})") from None
    if tree is None:
        raise ArticleError("empty", "the page has no content to parse")
    return tree


def read_html(data: bytes) -> Document:
    """A saved web page -> its main text as paragraphs, the title first; title and date from metadata."""
    if not data.strip():
        raise ArticleError("empty", "the file is empty or holds only whitespace")
    html, encoding = decode_html(data)
    titles, published = page_metadata(_parse(html))
    tree = _parse(_CODE_BLOCKS.sub(" ", html))
    try:
        strip_furniture(tree)
        main = _main_text(tree)
    except (RecursionError, ValueError, TypeError, AttributeError, lxml.etree.LxmlError) as exc:
        raise ArticleError("unreadable", f"the page could not be parsed ({type(exc).__name__})") from None
    lines = [tidy_line(line) for line in (main or "").splitlines()]
    lines = [line for line in lines if line]
    if sum(len(line.split()) for line in lines) < _MIN_WORDS:
        raise ArticleError("empty", "the page has no main text (only navigation, banners or furniture)")
    # the title: a line the text starts with (within its first three), else the metadata title as a first line
    head = {line.casefold() for line in lines[:3]}
    title = next((t for t in titles if t.casefold() in head), None)
    if title is None and titles:
        title = titles[0]
        lines.insert(0, title)
    return Document(text=join_paragraphs(lines), format="html", encoding=encoding, title=title, published=published)
