"""The review report shows the text spans point into: out/<text_path>, not the corpus file.

A web page's spans are offsets into the text its reader yields (out/texts/<id>.txt), not
into the page's bytes; the report's article page (and the review server's) must show that
text, each mark on the characters of its mention.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from flows.io import read_jsonl

from . import formats_samples as S

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _article_text(page: str) -> str:
    """The characters the page shows in its <article>, markup and escapes undone."""
    body = re.search(r"<article id='text'>(.*?)</article>", page, re.S).group(1)
    return html.unescape(re.sub(r"<[^>]+>", "", body))


def _marks(page: str) -> dict[str, tuple[int, str]]:
    """mention id -> (offset the mark says it starts at, its text)."""
    return {
        m.group(1): (int(m.group(2)), html.unescape(m.group(3)))
        for m in re.finditer(r"<mark class='m [^']*' data-id='([^']+)' data-o='(\d+)'[^>]*>(.*?)</mark>", page, re.S)
    }


@pytest.fixture(scope="module")
def run_with_formats(tmp_path_factory):
    from flows.extract_flow import extract_corpus

    base = tmp_path_factory.mktemp("formats-report")
    corpus, out = base / "corpus", base / "out"
    corpus.mkdir()
    (corpus / "webpagina.html").write_bytes(S.page_bytes(S.page_semantic()))
    (corpus / "persbericht.docx").write_bytes(S.docx_bytes())
    (corpus / "rapport.pdf").write_bytes(S.text_pdf_bytes())
    (corpus / "notitie.txt").write_text("Notitie\nUit onderzoek van Klantpeil blijkt dat 64 procent tevreden is.\n", encoding="utf-8")
    extract_corpus(corpus=str(corpus), out=str(out), report=True)
    return corpus, out


def test_article_pages_show_the_stored_text_with_marks_on_their_mentions(run_with_formats):
    from review.pages import page_name

    _corpus, out = run_with_formats
    articles = {a["article_id"]: a for a in read_jsonl(out / "articles.jsonl")}
    assert {a["format"] for a in articles.values()} == {"html", "docx", "pdf", "txt"}
    mentions = read_jsonl(out / "metrics.jsonl")
    for aid, article in articles.items():
        stored = (out / article["text_path"]).read_text(encoding="utf-8")
        page = (out / "report" / "articles" / page_name(aid)).read_text(encoding="utf-8")
        assert _article_text(page) == stored, aid
        mine = [m for m in mentions if m["article_id"] == aid]
        assert mine, aid
        marks = _marks(page)
        assert {m["id"]: (m["span"]["start"], m["text"]) for m in mine} == marks, aid
    # the web page's own markup and furniture never reach its page
    page = (out / "report" / "articles" / page_name("webpagina")).read_text(encoding="utf-8")
    shown = _article_text(page)
    assert "<p>" not in shown and "<nav" not in shown and "cookies" not in shown


def test_a_web_page_without_its_stored_text_gets_no_page_from_its_markup(run_with_formats, tmp_path):
    """Spans of a web page mean nothing in its bytes: with the stored text gone, no page (not the HTML source)."""
    import shutil

    from review.report import page_name, read_article_text, write_report

    corpus, out = run_with_formats
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    articles = {a["article_id"]: a for a in read_jsonl(copy / "articles.jsonl")}
    (copy / articles["webpagina"]["text_path"]).unlink()
    (copy / articles["notitie"]["text_path"]).unlink()
    assert read_article_text(corpus, articles["webpagina"], copy) is None
    # a plain-text file is its own text: decoded from the corpus when the stored copy is gone
    assert read_article_text(corpus, articles["notitie"], copy) == (corpus / "notitie.txt").read_text(encoding="utf-8")
    for page in (copy / "report" / "articles").glob("*.html"):
        page.unlink()
    write_report(copy, corpus)
    assert not (copy / "report" / "articles" / page_name("webpagina")).exists()
    assert (copy / "report" / "articles" / page_name("notitie")).exists()


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_the_review_server_shows_the_stored_text_of_a_web_page(run_with_formats):
    from fastapi.testclient import TestClient

    from review.pages import page_name
    from review.server import ReviewState, create_app

    corpus, out = run_with_formats
    state = ReviewState(out=out, corpus=corpus, corrections=corpus / "corrections.jsonl")
    client = TestClient(create_app(state), base_url="http://127.0.0.1")
    r = client.get(f"/articles/{page_name('webpagina')}")
    assert r.status_code == 200, r.text
    (article,) = [a for a in read_jsonl(out / "articles.jsonl") if a["article_id"] == "webpagina"]
    assert _article_text(r.text) == (out / article["text_path"]).read_text(encoding="utf-8")
    mentions = [m for m in read_jsonl(out / "metrics.jsonl") if m["article_id"] == "webpagina"]
    assert _marks(r.text) == {m["id"]: (m["span"]["start"], m["text"]) for m in mentions}
