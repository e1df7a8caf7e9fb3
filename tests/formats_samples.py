"""Files of every supported format, built here (no binary fixtures): saved web
pages with furniture, Word files, text PDFs, a scan, an encrypted and broken files.

Each web page comes with the sentences of its article (``body``) and of its
furniture (``furniture``: navigation, cookie banner, asides, footer, scripts), so
a main-text extractor can be measured: how much of the body it keeps, how much
furniture leaks. ``bench/run_bench.py`` and ``tests/test_formats*.py`` use them.
"""

from __future__ import annotations

import io
import json
import zlib
from dataclasses import dataclass, field


@dataclass
class Page:
    name: str
    html: str
    title: str
    published: str | None
    body: list[str] = field(default_factory=list)
    furniture: list[str] = field(default_factory=list)


_COOKIE = (
    "Wij gebruiken cookies om onze website te verbeteren. Cookies worden 13 maanden bewaard. "
    "Door op Accepteren te klikken gaat u akkoord met 100 procent van onze partners."
)
_NEWSLETTER = "Meld je aan voor de nieuwsbrief en ontvang 25 procent korting op je eerste evenement."
_FOOTER = "© 2024 Klantpraat Media B.V. Alle rechten voorbehouden. KvK 12345678."
_RELATED = "Lees ook: 7 op de 10 webwinkels beantwoordt mail binnen een dag"


def _paras(sentences: list[str]) -> str:
    return "\n".join(f"<p>{s}</p>" for s in sentences)


def page_semantic() -> Page:
    """HTML5 with header/nav/main/article/aside/footer, a cookie banner, JSON-LD and <time>."""
    body = [
        "Klanten van energieleveranciers zijn minder tevreden dan een jaar eerder.",
        "Uit onderzoek van Klantpeil onder 2.150 consumenten blijkt dat 64 procent tevreden is over de klantenservice.",
        "Vorig jaar was dat nog 71 procent.",
        "De gemiddelde wachttijd aan de telefoon steeg naar 6 minuten.",
        "Bijna de helft van de ondervraagden belt liever dan dat ze chatten.",
    ]
    furniture = [_COOKIE, _NEWSLETTER, _FOOTER, _RELATED, "Home", "Nieuws", "Onderzoek", "Contact"]
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Tevredenheid over energieleveranciers daalt",
        "datePublished": "2023-03-14T08:30:00+01:00",
        "dateModified": "2023-03-20T10:00:00+01:00",
    }
    html = f"""<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8">
<title>Tevredenheid over energieleveranciers daalt | Klantpraat</title>
<meta property="og:title" content="Tevredenheid over energieleveranciers daalt">
<meta property="article:published_time" content="2023-03-14T08:30:00+01:00">
<script type="application/ld+json">{json.dumps(ld)}</script>
<style>body {{ font-family: sans-serif }} .x:before {{ content: "99 procent" }}</style>
<script>var tracking = "42 procent"; window.dataLayer = [];</script>
</head><body>
<div id="cookie-consent" class="cookie-banner"><p>{_COOKIE}</p><button>Accepteren</button></div>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/nieuws">Nieuws</a></li>
<li><a href="/onderzoek">Onderzoek</a></li><li><a href="/contact">Contact</a></li></ul></nav></header>
<main><article>
<h1>Tevredenheid over energieleveranciers daalt</h1>
<p class="meta">Door Anna de Boer, <time datetime="2023-03-14">14 maart 2023</time></p>
{_paras(body)}
</article>
<aside><h2>Gerelateerd</h2><ul><li><a href="/a">{_RELATED}</a></li></ul>
<div class="newsletter"><p>{_NEWSLETTER}</p></div></aside>
</main>
<footer><p>{_FOOTER}</p></footer>
<script>document.write("<p>Dit script schrijft 55 procent</p>")</script>
</body></html>"""
    return Page("semantic", html, ld["headline"], "2023-03-14", body, furniture)


def page_divsoup() -> Page:
    """Old-style layout: divs and a table, no semantic tags, meta tags only."""
    body = [
        "Het aantal klachten over pakketbezorgers is in 2022 met 26 procent gestegen.",
        "Dat meldt de Consumentenbond op basis van ruim 5.000 meldingen.",
        "Vooral de bereikbaarheid van de klantenservice valt tegen: 38 procent kreeg niemand aan de lijn.",
        "Een op de drie klagers kreeg geen reactie op een e-mail.",
        "De bond roept bezorgers op hun klantenservice beter te bemannen.",
    ]
    furniture = [_COOKIE, _FOOTER, _RELATED, "Meest gelezen: 5 tips voor een betere NPS", "Inloggen", "Abonneren"]
    html = f"""<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>Klachten over pakketbezorgers gestegen - Service Nieuws</title>
<meta name="description" content="Meer klachten over bezorgers">
<meta name="date" content="2023-01-09">
</head><body>
<div class="cookiebar" id="cookiebar">{_COOKIE} <a href="#">OK</a></div>
<div id="top"><div class="menu"><a href="/login">Inloggen</a> | <a href="/abo">Abonneren</a></div></div>
<table width="100%"><tr><td class="left" width="70%">
<div class="content"><div class="post">
<h1 class="title">Klachten over pakketbezorgers gestegen</h1>
{_paras(body)}
</div></div>
</td><td class="sidebar" width="30%">
<div class="widget"><h3>Meest gelezen</h3><ul><li>Meest gelezen: 5 tips voor een betere NPS</li><li>{_RELATED}</li></ul></div>
</td></tr></table>
<div id="footer" class="footer">{_FOOTER}</div>
</body></html>"""
    return Page("divsoup", html, "Klachten over pakketbezorgers gestegen", "2023-01-09", body, furniture)


def page_lists() -> Page:
    """An article with subheadings and a list, comments and a share bar after it."""
    body = [
        "Chatbots lossen steeds vaker vragen zelf op.",
        "Volgens het Chatbot Trendrapport van Conversational Labs handelt een chatbot 42 procent van de vragen volledig af.",
        "Wat klanten willen",
        "Sneller antwoord: 58 procent wil binnen een minuut geholpen worden.",
        "Een mens als het moeilijk wordt: 73 procent wil kunnen doorschakelen.",
        "De klanttevredenheid over chatbots kreeg gemiddeld een 6,8.",
    ]
    furniture = [
        "Deel dit artikel op LinkedIn",
        "Reactie van Piet: bij ons is het 90 procent, niet 42!",
        _NEWSLETTER,
        _FOOTER,
    ]
    html = f"""<!doctype html><html lang="nl"><head><meta charset="utf-8">
<title>Chatbots lossen steeds vaker vragen zelf op</title>
<meta name="dcterms.date" content="2022-11-02">
</head><body>
<nav class="breadcrumbs"><a href="/">Home</a> &gt; <a href="/ai">AI</a></nav>
<div class="share">Deel dit artikel op LinkedIn</div>
<article class="post">
<h1>Chatbots lossen steeds vaker vragen zelf op</h1>
<p>{body[0]}</p><p>{body[1]}</p>
<h2>{body[2]}</h2>
<ul><li>{body[3]}</li><li>{body[4]}</li></ul>
<p>{body[5]}</p>
</article>
<section id="comments" class="comments"><h3>Reacties</h3>
<div class="comment"><p>{furniture[1]}</p></div></section>
<div class="newsletter-signup"><p>{_NEWSLETTER}</p><form><input type="email"></form></div>
<footer class="site-footer">{_FOOTER}</footer>
</body></html>"""
    return Page("lists", html, "Chatbots lossen steeds vaker vragen zelf op", "2022-11-02", body, furniture)


def page_press() -> Page:
    """A press release: dateline in the text, entities, a long footer with contact data."""
    body = [
        "Utrecht, 5 september 2023 - Nederlandse consumenten wachten gemiddeld 4 minuten op een klantenservice.",
        "Dat blijkt uit de Klantcontact Monitor 2023 van Contactcenter Nederland.",
        "Bij banken is de wachttijd het kortst, bij telecombedrijven het langst.",
        "Ruim 80 procent van de consumenten vindt een wachttijd van meer dan 5 minuten onacceptabel.",
    ]
    furniture = [
        "Over Contactcenter Nederland: de branchevereniging telt 120 leden.",
        "Noot voor de redactie: bel 030-1234567 voor meer informatie.",
        _COOKIE,
        _FOOTER,
    ]
    html = f"""<html><head><meta charset="windows-1252">
<title>Persbericht: consument wacht gemiddeld 4 minuten &#8211; Contactcenter Nederland</title>
<meta property="og:title" content="Consument wacht gemiddeld 4 minuten">
</head><body>
<div class="gdpr-consent-popup" role="dialog"><p>{_COOKIE}</p></div>
<ul class="nav"><li>Leden</li><li>Agenda</li><li>Pers</li></ul>
<div class="entry-content">
<h1>Consument wacht gemiddeld 4 minuten</h1>
{_paras(body)}
</div>
<div class="about-box"><p>{furniture[0]}</p><p>{furniture[1]}</p></div>
<div class="footer-widgets"><p>{_FOOTER}</p></div>
</body></html>"""
    return Page("press", html, "Consument wacht gemiddeld 4 minuten", "2023-09-05", body, furniture)


def page_brs() -> Page:
    """Text in one div broken by <br>, a sidebar with figures before the article."""
    body = [
        "Webwinkels reageren sneller op vragen van klanten.",
        "De gemiddelde reactietijd op e-mail daalde van 26 uur naar 19 uur, meldt Thuiswinkel.org.",
        "Via sociale media krijgt 61 procent van de klanten binnen een uur antwoord.",
        "Telefonisch is 9 op de 10 webwinkels binnen drie minuten bereikbaar.",
    ]
    furniture = ["Populair: 3 op de 4 klanten wil een chatfunctie", _FOOTER, "Zoeken"]
    html = f"""<html><head><meta charset="utf-8"><title>Webwinkels reageren sneller</title>
<meta name="article:published_time" content="2021-06-30T12:00:00Z">
</head><body>
<div class="searchbox">Zoeken <input></div>
<div class="sidebar left"><div class="popular">Populair: 3 op de 4 klanten wil een chatfunctie</div></div>
<div class="article-body"><h1>Webwinkels reageren sneller</h1>
{"<br><br>".join(body)}
</div>
<div class="footer">{_FOOTER}</div>
</body></html>"""
    return Page("brs", html, "Webwinkels reageren sneller", "2021-06-30", body, furniture)


def pages() -> list[Page]:
    return [page_semantic(), page_divsoup(), page_lists(), page_press(), page_brs()]


def page_bytes(page: Page) -> bytes:
    """The page as a browser saves it: windows-1252 where the page says so, else UTF-8."""
    enc = "cp1252" if 'charset="windows-1252"' in page.html else "utf-8"
    return page.html.encode(enc, errors="xmlcharrefreplace")


# --------------------------------------------------------------------------- Word


DOCX_PARAGRAPHS = [
    ("Title", "Klantenservice van gemeenten beter bereikbaar"),
    (None, "Den Haag, 12 april 2022 - Gemeenten nemen vaker de telefoon op."),
    (None, "Uit de Gemeentemonitor van Publiek Contact blijkt dat 87 procent van de oproepen binnen een minuut wordt beantwoord."),
    ("Heading 1", "Belangrijkste cijfers"),
    ("List Bullet", "De klanttevredenheid steeg naar een 7,4."),
    ("List Bullet", "Het aantal klachten daalde met 12 procent."),
    (None, "Het onderzoek vond plaats onder 342 gemeenten."),
]


def docx_bytes(paragraphs=DOCX_PARAGRAPHS, table: list[list[str]] | None = None) -> bytes:
    import docx

    doc = docx.Document()
    for style, text in paragraphs:
        doc.add_paragraph(text, style=style) if style else doc.add_paragraph(text)
    if table:
        t = doc.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                t.cell(r, c).text = cell
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- PDF, written by hand


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _pdf(objects: list[bytes], trailer_extra: bytes = b"") -> bytes:
    """Objects 1..n (1 must be the catalog), with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for k, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % k + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer_extra, xref)
    return bytes(out)


def _stream(content: bytes, extra: bytes = b"", compress: bool = True) -> bytes:
    if compress:
        content = zlib.compress(content)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(content), extra) + content + b"\nendstream"


def pdf_bytes(pages: list[list[str]], header: str | None = None, footer: str | None = "Pagina {n} van {total}") -> bytes:
    """A text PDF: each page a list of lines (Helvetica, WinAnsi), with a running header and footer."""
    n_pages = len(pages)
    font_obj = 3
    first_page_obj = 4
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % (first_page_obj + 2 * i) for i in range(n_pages)), n_pages),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for i, lines in enumerate(pages):
        ops = [b"BT /F1 11 Tf 14 TL"]
        if header:
            ops.append(b"1 0 0 1 72 800 Tm " + _pdf_string(header) + b" Tj")
        ops.append(b"1 0 0 1 72 760 Tm")
        for line in lines:
            ops.append(_pdf_string(line) + b" Tj T*")
        if footer:
            ops.append(b"1 0 0 1 280 40 Tm " + _pdf_string(footer.format(n=i + 1, total=n_pages)) + b" Tj")
        ops.append(b"ET")
        content = b"\n".join(ops)
        page_no = first_page_obj + 2 * i
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
            % (font_obj, page_no + 1)
        )
        objects.append(_stream(content))
    return _pdf(objects)


PDF_PAGES = [
    [
        "Klantcontact in de zorg 2023",
        "Zorgverzekeraars worden beter bereikbaar. Uit het onderzoek van",
        "Zorgpanel blijkt dat 76 procent van de verzekerden tevreden is over de",
        "klantenservice. De gemiddelde wachttijd aan de telefoon daalde naar 3",
        "minuten. Vooral de digitale kanalen doen het goed: de klant-",
        "tevredenheid over de chat kreeg een 7,9. De verzekeraars investeerden",
        "samen € 2,5 miljoen in hun klantcontactcentra’s en er werden 1.200",
        "medewerkers geïnterviewd.",
    ],
    [
        "Niet alles gaat goed. Ruim een kwart van de verzekerden kreeg geen",
        "antwoord op een e-mail binnen een week. Het onderzoek vond plaats onder",
        "2.400 verzekerden in maart 2023.",
    ],
]
PDF_HEADER = "Zorgpanel | Klantcontactmonitor 2023"


def text_pdf_bytes() -> bytes:
    return pdf_bytes(PDF_PAGES, header=PDF_HEADER)


def scanned_pdf_bytes(n_pages: int = 2) -> bytes:
    """Pages that hold only an image (a scan): no text layer."""
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(n_pages)), n_pages),
    ]
    w = h = 64
    pixels = bytes((x * 7 + y * 3) % 256 for y in range(h) for x in range(w))
    objects.append(_stream(pixels, b" /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8" % (w, h)))
    for i in range(n_pages):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 3 0 R >> >> /Contents %d 0 R >>"
            % (5 + 2 * i)
        )
        objects.append(_stream(b"q 500 0 0 700 50 70 cm /Im1 Do Q"))
    return _pdf(objects)


def encrypted_pdf_bytes(password: str = "geheim") -> bytes:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(text_pdf_bytes()))
    writer = pypdf.PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.encrypt(user_password=password, owner_password=password + "-eigenaar", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def broken_docx_bytes() -> bytes:
    """A zip signature, then nothing a Word file needs."""
    return docx_bytes()[:300]
