"""The readers of pipeline/formats: web pages, Word files, PDFs -> text, title, date; and their quarantine reasons.

Every file is built here (tests/formats_samples.py): no binary fixtures.
"""

from __future__ import annotations

import re

import pytest

from pipeline.article import build_article
from pipeline.extract import extract
from pipeline.formats import FORMATS, format_of, read_document, readers_version
from pipeline.formats.base import ArticleError
from pipeline.formats.html import decode_html, page_metadata, read_html
from pipeline.formats.pdf import clean_pages, paragraphs, strip_running_lines
from tests import formats_samples as S


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


# --------------------------------------------------------------------------- dispatch


def test_every_suffix_has_a_format():
    assert FORMATS == {".txt": "txt", ".md": "md", ".html": "html", ".htm": "html", ".docx": "docx", ".pdf": "pdf"}
    assert format_of("a/B.HTM") == "html" and format_of("rapport.PDF") == "pdf" and format_of("x.odt") is None


def test_readers_version_is_stable():
    assert readers_version() == readers_version() and len(readers_version()) == 12


# --------------------------------------------------------------------------- web pages


@pytest.mark.parametrize("page", S.pages(), ids=lambda p: p.name)
def test_page_main_text_without_furniture(page):
    doc = read_html(S.page_bytes(page))
    text = _norm(doc.text)
    missing = [s for s in page.body if _norm(s) not in text]
    leaked = [s for s in page.furniture if _norm(s) in text]
    assert not missing and not leaked
    assert "<" not in doc.text and "dataLayer" not in doc.text and "font-family" not in doc.text


@pytest.mark.parametrize("page", S.pages(), ids=lambda p: p.name)
def test_page_title_and_date(page):
    art = build_article(f"{page.name}.html", S.page_bytes(page))
    assert art.format == "html"
    assert art.title == page.title
    assert art.text[art.title_span[0] : art.title_span[1]] == page.title
    assert art.published == page.published


def test_page_furniture_gives_no_figures():
    page = S.page_semantic()
    art = build_article("p.html", S.page_bytes(page))
    found = {m["text"] for m in extract(art).mentions}
    assert {"64 procent", "71 procent", "6 minuten"} <= found
    assert not found & {"13 maanden", "100 procent", "25 procent", "99 procent", "42 procent", "55 procent", "12345678"}


def test_date_in_the_text_wins_over_metadata():
    # the press page's text has a dateline; its metadata has none (and its footer says 2024)
    art = build_article("press.htm", S.page_bytes(S.page_press()))
    assert art.published == "2023-09-05" and art.published_span is not None
    assert art.encoding == "cp1252" and "–" not in art.title


def test_metadata_date_never_from_url_footer_or_event():
    html = """<html><head><title>Klanten wachten langer op antwoord</title>
    <link rel="canonical" href="https://example.nl/2021/03/12/klanten-wachten"></head><body>
    <article><h1>Klanten wachten langer op antwoord</h1>
    <p>Het congres vindt plaats op <time datetime="2024-05-02">2 mei 2024</time> in Utrecht, zo meldt de organisatie.</p>
    <p>Uit onderzoek blijkt dat 41 procent van de klanten langer dan een dag wacht op een antwoord per e-mail.</p>
    </article><footer>© 2024 Uitgever</footer></body></html>"""
    art = build_article("x.html", html.encode())
    assert art.published is None


@pytest.mark.parametrize(
    "head,expected",
    [
        ('<meta property="article:published_time" content="2020-05-13T23:30:00-05:00">', "2020-05-13"),
        ('<meta name="DC.date.issued" content="2019-11-05">', "2019-11-05"),
        ('<meta property="article:modified_time" content="2021-01-02T10:00:00Z">', "2021-01-02"),
        (
            '<meta property="article:modified_time" content="2021-01-02"><meta name="date" content="2020-12-30">',
            "2020-12-30",
        ),
        ('<script type="application/ld+json">{"@graph": [{"@type": "WebSite"}, {"@type": "NewsArticle", '
         '"headline": "Kop", "datePublished": "2018-06-15T09:12:00+02:00"}]}</script>', "2018-06-15"),
        ('<script type="application/ld+json">{ kapot json </script>', None),
        ('<meta name="date" content="morgen">', None),
    ],
)
def test_metadata_dates(head, expected):
    import lxml.html

    tree = lxml.html.document_fromstring(f"<html><head>{head}</head><body><p>x</p></body></html>")
    assert page_metadata(tree)[1] == expected


def test_time_in_byline_or_marked_as_published():
    import lxml.html

    byline = '<div class="article-meta">Door Jan, <time datetime="2022-02-08">8 feb</time></div><p>Tekst</p>'
    marked = '<p>Tekst <time pubdate datetime="2017-03-09">9 maart</time></p>'
    for body, expected in [(byline, "2022-02-08"), (marked, "2017-03-09")]:
        tree = lxml.html.document_fromstring(f"<html><body>{body}</body></html>")
        assert page_metadata(tree)[1] == expected


def test_metadata_title_becomes_the_first_line_when_the_text_has_none():
    html = """<html><head><meta property="og:title" content="NPS van banken stijgt"></head><body>
    <div class="content"><p>De Net Promoter Score van Nederlandse banken steeg van +9 naar +13, blijkt uit de jaarlijkse meting van Klantpeil onder 4.000 klanten.</p>
    <p>Vooral de online banken doen het goed bij jonge klanten, die vaker de app gebruiken dan de telefoon of het kantoor.</p></div></body></html>"""
    art = build_article("nps.html", html.encode())
    assert art.title == "NPS van banken stijgt" and art.text.startswith("NPS van banken stijgt\n\n")
    assert art.title_span == (0, len(art.title))


@pytest.mark.parametrize(
    "data,encoding",
    [
        ('<meta charset="utf-8"><p>Café</p>'.encode(), "utf-8"),
        ("<meta http-equiv='Content-Type' content='text/html; charset=ISO-8859-1'><p>Café</p>".encode("cp1252"), "cp1252"),
        ("<p>Café ‘zo’</p>".encode("cp1252"), "cp1252"),  # undeclared, not UTF-8
        ("\ufeff<p>Café</p>".encode(), "utf-8"),
        ('<meta charset="klingon"><p>Café</p>'.encode(), "utf-8"),
    ],
)
def test_page_encoding(data, encoding):
    text, enc = decode_html(data)
    assert enc == encoding and "Café" in text


@pytest.mark.parametrize(
    "html",
    [
        b"",
        b"   \n",
        b"<html><head><title>Alleen een menu</title></head><body><nav><a href='/'>Home</a></nav></body></html>",
        b"<html><body><script>var x = '64 procent';</script><style>p{}</style></body></html>",
        b"<!-- alleen commentaar -->",
        S.page_bytes(S.Page("cookies", "<html><body><div id='cookie-consent'><p>Wij gebruiken cookies om onze website te "
                            "verbeteren. Cookies worden 13 maanden bewaard.</p></div><ul class='menu'><li>Home</li></ul>"
                            "<div class='site-footer'><p>Copyright 2024 Klantpraat Media B.V. Alle rechten voorbehouden.</p>"
                            "</div></body></html>", "", None)),
    ],
)
def test_page_without_main_text_is_empty(html):
    with pytest.raises(ArticleError) as exc:
        read_html(html)
    assert exc.value.code == "empty"


def test_xhtml_with_an_xml_declaration():
    html = ('<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml"><body><article>'
            "<h1>Wachttijden dalen</h1><p>De gemiddelde wachttijd aan de telefoon daalde bij de grote energiebedrijven naar 3 minuten, "
            "meldt de Consumentenbond in zijn jaarlijkse meting.</p></article></body></html>")
    doc = read_html(html.encode())
    assert "3 minuten" in doc.text and doc.title == "Wachttijden dalen"


# --------------------------------------------------------------------------- Word


def test_docx_paragraphs_headings_and_lists_in_order():
    art = build_article("persbericht.docx", S.docx_bytes())
    lines = art.text.split("\n\n")
    assert lines == [text for _, text in S.DOCX_PARAGRAPHS]
    assert art.format == "docx" and art.encoding is None
    assert art.title == "Klantenservice van gemeenten beter bereikbaar" and art.published == "2022-04-12"
    found = {m["text"]: m for m in extract(art).mentions}
    assert {"87 procent", "7,4", "12 procent", "342"} <= set(found)


def test_docx_table_rows_are_lines():
    doc = read_document("docx", S.docx_bytes([(None, "Cijfers per kanaal")], table=[["Kanaal", "Tevreden"], ["Chat", "72 procent"]]))
    assert doc.text == "Cijfers per kanaal\n\nKanaal | Tevreden\n\nChat | 72 procent"


@pytest.mark.parametrize(
    "data,code",
    [
        (S.broken_docx_bytes(), "unreadable"),
        (b"PK\x03\x04" + b"\x00" * 100, "unreadable"),
        (b"dit is geen word-bestand", "unreadable"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 64, "encrypted"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "unreadable"),
        (S.docx_bytes([(None, "   ")]), "empty"),
    ],
)
def test_bad_docx(data, code):
    with pytest.raises(ArticleError) as exc:
        read_document("docx", data)
    assert exc.value.code == code


# --------------------------------------------------------------------------- PDF


def test_pdf_text_layer_without_headers_footers_and_hyphenation():
    art = build_article("rapport.pdf", S.text_pdf_bytes())
    assert art.format == "pdf" and art.encoding is None
    assert S.PDF_HEADER not in art.text and "Pagina" not in art.text
    assert "klanttevredenheid over de chat" in art.text and "klant-" not in art.text
    assert "€ 2,5 miljoen" in art.text and "geïnterviewd" in art.text and "centra’s" in art.text
    # lines of a paragraph are joined: a sentence across a line break stays one sentence
    assert "Uit het onderzoek van Zorgpanel blijkt dat 76 procent" in art.text
    assert art.title == "Klantcontact in de zorg 2023"
    found = {m["text"] for m in extract(art).mentions}
    assert {"76 procent", "3 minuten", "7,9", "€ 2,5 miljoen", "een kwart", "2.400"} <= found


def test_pdf_quarantine_reasons():
    cases = [
        (S.scanned_pdf_bytes(), "no_text_layer"),
        (S.encrypted_pdf_bytes(), "encrypted"),
        (S.text_pdf_bytes()[:300], "unreadable"),
        (b"%PDF-1.4\n" + b"\x00garbage" * 50, "unreadable"),
        (b"geen pdf", "unreadable"),
        (S.pdf_bytes([["12"], ["13"]], header=None, footer=None), "empty"),
    ]
    for data, code in cases:
        with pytest.raises(ArticleError) as exc:
            read_document("pdf", data)
        assert exc.value.code == code, (code, str(exc.value))


def test_pdf_with_an_empty_user_password_is_read():
    import io

    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(S.text_pdf_bytes())))
    writer.encrypt(user_password="", owner_password="eigenaar", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    assert "76 procent" in read_document("pdf", buf.getvalue()).text


def test_running_lines_and_page_numbers():
    words = ["klanten", "bellers", "chatters", "mailers"]
    bodies = [[f"Over {w}: eerste regel.", f"Tweede regel over {w}.", f"Derde regel over {w}."] for w in words]
    pages = [["Rapport Klantcontact 2023", *body, "- %d -" % n] for n, body in enumerate(bodies, start=1)]
    assert strip_running_lines(pages) == bodies
    # a single page: only its page number goes
    assert strip_running_lines([["Titel", "Tekst", "Pagina 1 van 1"]]) == [["Titel", "Tekst"]]


@pytest.mark.parametrize(
    "lines,expected",
    [
        (["De klant-", "tevredenheid steeg."], ["De klanttevredenheid steeg."]),
        (["Veel CX-", "beslissers twijfelen."], ["Veel CX-beslissers twijfelen."]),
        (["In de periode 2019-", "2020 daalde het."], ["In de periode 2019-2020 daalde het."]),
        (["Een zin die hier verder gaat op de", "volgende regel."], ["Een zin die hier verder gaat op de volgende regel."]),
        (["Kop", "Een lange zin met veel woorden die de hele regel vult tot het eind.", "Kort."],
         ["Kop", "Een lange zin met veel woorden die de hele regel vult tot het eind. Kort."]),
        (["• eerste punt", "• tweede punt"], ["• eerste punt", "• tweede punt"]),
        (["Een alinea.", None, "Nog een alinea."], ["Een alinea.", "Nog een alinea."]),
    ],
)
def test_pdf_paragraphs(lines, expected):
    assert paragraphs([lines]) == expected


def test_ligatures_are_spelled_out():
    assert clean_pages(["De ﬁnanciële dienstverlening ﬂoreert."]) == "De financiële dienstverlening floreert."
