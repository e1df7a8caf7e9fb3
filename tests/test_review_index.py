"""The index an editor works from: article list search and sort, mention table sorted by a
heading (in headless Chromium, from file://), and in review mode counts that include the
corrections made since the last run, equal to what the next run writes.

Browser tests save screenshots under tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from flows.io import read_jsonl

from .conftest import ROOT
from .test_report import expect, opened

pytestmark = pytest.mark.usefixtures("prefect_harness")
ARTIFACTS = ROOT / "tests" / "artifacts"

ARTICLES = {
    "gemeente.txt": "Wachttijden bij de gemeente\n\nUit onderzoek van Publiek Contact blijkt dat 72 procent van de bellers binnen een minuut"
                    " iemand spreekt. In 2022 was dat nog 64 procent. Bewoners geven de balie een 7,4.\n",
    "energie.txt": "Energieleveranciers onder vuur\n\nVolgens de Consumentenbond kreeg 18 procent van de klanten een te hoge rekening."
                   " De NPS van de sector daalde in 2023 naar -12. Klanten wachtten gemiddeld 9 minuten aan de telefoon.\n",
}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    from flows.extract_flow import extract_corpus

    base = tmp_path_factory.mktemp("review-index")
    corpus, out = base / "corpus", base / "out"
    shutil.copytree(ROOT / "corpus", corpus)
    for name, text in ARTICLES.items():
        (corpus / name).write_text(text, encoding="utf-8")
    extract_corpus(corpus=str(corpus), out=str(out), report=True)
    return corpus, out


def _summary(page: str) -> str:
    return re.search(r"<div id='summary'>(.*?)</div><!--/summary-->", page, re.S).group(1)


def _stats(page: str) -> dict[str, dict[str, int]]:
    out = {}
    for table in ("by-kind", "by-metric"):
        body = re.search(rf"<table class='stats' id='{table}'><tbody>(.*?)</tbody>", page, re.S).group(1)
        out[table] = {re.sub(r"<[^>]+>", "", name): int(n) for name, n in re.findall(r"<tr><td>(.*?)</td><td class='num'>(\d+)</td></tr>", body)}
    return out


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_review_index_counts_include_corrections_made_since_the_run(run_dir, tmp_path):
    from fastapi.testclient import TestClient

    from flows.extract_flow import extract_corpus
    from review.pages import page_name
    from review.server import ReviewState, create_app

    corpus0, out0 = run_dir
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    shutil.copytree(corpus0, corpus)
    shutil.copytree(out0, out)
    extract_corpus(corpus=str(corpus), out=str(out), report=True)  # the copy's own run (paths in the manifest)
    state = ReviewState(out=out, corpus=corpus, corrections=corpus / "corrections.jsonl")
    client = TestClient(create_app(state), base_url="http://127.0.0.1")
    before = client.get("/index.html").text
    assert "class='live'" not in before
    n0 = len(read_jsonl(out / "metrics.jsonl"))
    assert f"<span id='n-mentions'>{n0}</span> mentions (0 corrected and 0 rejected by editors)" in _summary(before)

    mentions = [m for m in read_jsonl(out / "metrics.jsonl") if m["article_id"] == "energie"]
    page = client.get(f"/articles/{page_name('energie')}").text
    token = re.search(r"name='cx-token' content='([^']+)'", page).group(1)
    headers = {"X-CX-Token": token, "Content-Type": "application/json"}
    share = next(m for m in mentions if m["text"] == "18 procent")
    nps = next(m for m in mentions if m["metric"] == "nps")
    text = (out / "texts" / "energie.txt").read_text(encoding="utf-8")
    at = text.index("9 minuten")
    for body in (
        {"article_id": "energie", "span": share["span"], "action": "reject", "fields": {}},
        {"article_id": "energie", "span": nps["span"], "action": "set", "fields": {"source": {"organization": "Consumentenbond"}}},
        {"article_id": "energie", "span": {"start": at, "end": at + len("9 minuten")}, "action": "reject", "fields": {}},
    ):
        r = client.post("/api/corrections", headers=headers, content=json.dumps(body))
        assert r.status_code == 200, r.text

    live = client.get("/index.html").text
    assert "class='live'" in live and "corrections made to 1 article since the last run" in live
    assert f"<span id='n-mentions'>{n0 - 2}</span> mentions (1 corrected and 2 rejected by editors)" in _summary(live)
    stats0, stats1 = _stats(before), _stats(live)
    assert stats1["by-kind"]["percentage"] == stats0["by-kind"]["percentage"] - 1
    assert stats0["by-kind"]["duration"] == 1 and "duration" not in stats1["by-kind"]  # its only duration rejected
    rows = [row for k in range(2) for row in _rows(client.get(f"/data/a{k}.js").text) if row]
    (energie,) = [row for row in rows if row[2] == "energie.txt"]
    assert energie[4] == len(mentions) - 2 and "duration" not in energie[5] and "Consumentenbond" in energie[6]

    # the next run writes exactly the counts the server showed live
    extract_corpus(corpus=str(corpus), out=str(out), report=True)
    state2 = ReviewState(out=out, corpus=corpus, corrections=corpus / "corrections.jsonl")
    after = TestClient(create_app(state2), base_url="http://127.0.0.1").get("/index.html").text
    assert "class='live'" not in after
    assert _summary(after) == _summary(live).split("<p class='live'>")[0]
    assert _stats(after) == stats1
    index = (out / "report" / "index.html").read_text(encoding="utf-8")
    assert _stats(index) == stats1


def _rows(js: str) -> list:
    m = re.fullmatch(r'cxRows\("a",\d+,(.*)\);\s*', js, re.S)
    return json.loads(m.group(1)) if m else []


def _values(page) -> list[float]:
    return [float(v) for v in page.locator("#mentions tbody tr td:nth-child(4)").all_inner_texts()]


@pytest.mark.browser
def test_article_list_search_and_sort_in_headless_chromium(run_dir):
    _corpus, out = run_dir
    articles = read_jsonl(out / "articles.jsonl")
    metrics = read_jsonl(out / "metrics.jsonl")
    counts = {a["article_id"]: sum(m["article_id"] == a["article_id"] for m in metrics) for a in articles}
    zendesk = {m["article_id"] for m in metrics if (m.get("source") or {}).get("organization") == "Zendesk"}
    with opened((out / "report" / "index.html").as_uri()) as page:
        page.evaluate("window.cxReady")
        titles = page.locator("#articles tbody tr td:first-child a")
        assert page.locator("#articles tbody tr").count() == len(articles)

        page.fill("#asearch", "gemeente")
        expect(page.locator("#ashown")).to_have_text("1")
        assert titles.all_inner_texts() == ["Wachttijden bij de gemeente"]
        page.fill("#asearch", "zendesk")  # a source
        expect(page.locator("#ashown")).to_have_text(str(len(zendesk)))
        page.fill("#asearch", "energie.txt")  # a file name
        expect(page.locator("#ashown")).to_have_text("1")
        page.fill("#asearch", "")
        expect(page.locator("#ashown")).to_have_text(str(len(articles)))

        page.click("#articles th[data-sort='4']")
        expect(page.locator("#articles th[data-sort='4']")).to_have_attribute("aria-sort", "ascending")
        shown = [int(x) for x in page.locator("#articles tbody tr td:nth-child(3)").all_inner_texts()]
        assert shown == sorted(counts.values())
        page.click("#articles th[data-sort='4']")
        expect(page.locator("#articles th[data-sort='4']")).to_have_attribute("aria-sort", "descending")
        shown = [int(x) for x in page.locator("#articles tbody tr td:nth-child(3)").all_inner_texts()]
        assert shown == sorted(counts.values(), reverse=True)
        page.click("#articles th[data-sort='0']")
        expect(page.locator("#articles th[data-sort='0']")).to_have_attribute("aria-sort", "ascending")
        names = titles.all_inner_texts()
        assert names == sorted(names, key=str.lower) and len(names) == len(articles)
        page.screenshot(path=str(ARTIFACTS / "index_articles_sorted.png"), full_page=True)


@pytest.mark.browser
def test_mention_table_sorts_by_its_headings_in_headless_chromium(run_dir):
    _corpus, out = run_dir
    metrics = read_jsonl(out / "metrics.jsonl")
    with opened((out / "report" / "index.html").as_uri()) as page:
        page.evaluate("window.cxReady")

        page.click("#mentions th[data-sort='v']")
        expect(page.locator("#morder")).to_have_text(re.compile("^by value, ascending"))
        assert _values(page) == sorted(m["value"] for m in metrics)[:50]
        page.click("#mentions th[data-sort='v']")
        expect(page.locator("#morder")).to_have_text(re.compile("^by value, descending"))
        assert _values(page) == sorted((m["value"] for m in metrics), reverse=True)[:50]
        page.locator("#mpager button", has_text="last").click()
        expect(page.locator("#mpager span")).to_have_text(re.compile(r"^page (\d+) of \1$"))
        assert _values(page)[-1] == min(m["value"] for m in metrics)

        # with a filter: the filtered rows in the chosen order
        page.select_option("select[data-col=kind]", label="percentage")
        shares = sorted((m["value"] for m in metrics if m["kind"] == "percentage"), reverse=True)
        expect(page.locator("#shown")).to_have_text(str(len(shares)))
        assert _values(page) == shares[:50]
        page.select_option("select[data-col=kind]", "")

        # years: dated figures first, in order, undated last whichever way
        page.click("#mentions th[data-sort='y']")
        expect(page.locator("#morder")).to_have_text(re.compile("^by year, ascending"))
        years = [int(y) for y in page.locator("#mentions tbody tr td:nth-child(8)").all_inner_texts() if y]
        dated = sorted(m["year"] for m in metrics if m.get("year"))
        assert years == dated[: len(years)] and years
        page.click("#mentions th[data-sort='y']")
        years = [int(y) for y in page.locator("#mentions tbody tr td:nth-child(8)").all_inner_texts() if y]
        assert years == sorted(dated, reverse=True)[: len(years)]

        # sources by name, articles in their list order
        page.click("#mentions th[data-sort='s']")
        expect(page.locator("#morder")).to_have_text(re.compile("^by source, ascending"))
        sources = page.locator("#mentions tbody tr td:nth-child(9)").all_inner_texts()
        named = sorted({(m.get("source") or {}).get("organization") for m in metrics} - {None}, key=str.lower)
        assert sources[0] == named[0] and sources == sorted(sources, key=lambda s: named.index(s) if s in named else len(named))
        page.click("#mentions th[data-sort='a']")
        expect(page.locator("#morder")).to_have_text(re.compile("^by article, ascending"))
        ids = page.locator("#mentions tbody tr td:nth-child(1)").all_inner_texts()
        assert ids == sorted(ids) and ids[0] == min(m["article_id"] for m in metrics)
        page.screenshot(path=str(ARTIFACTS / "index_mentions_sorted.png"))


@pytest.mark.browser
def test_article_page_mention_table_sorts_by_its_headings(run_dir):
    from review.pages import page_name

    _corpus, out = run_dir
    aid = "002_cfbf95d728658b65"
    metrics = [m for m in read_jsonl(out / "metrics.jsonl") if m["article_id"] == aid]
    with opened((out / "report" / "articles" / page_name(aid)).as_uri()) as page:
        cells = page.locator("#mentions tbody tr td:nth-child(3)")
        page.click("#mentions th[data-sort='2']")
        expect(page.locator("#mentions th[data-sort='2']")).to_have_attribute("aria-sort", "ascending")
        assert [float(v) for v in cells.all_inner_texts()] == sorted(m["value"] for m in metrics)
        page.click("#mentions th[data-sort='2']")
        assert [float(v) for v in cells.all_inner_texts()] == sorted((m["value"] for m in metrics), reverse=True)
        page.click("#mentions th[data-sort='4']")  # kind, by name
        kinds = page.locator("#mentions tbody tr td:nth-child(5)").all_inner_texts()
        assert kinds == sorted(m["kind"] for m in metrics)
        page.click("#mentions th[data-sort='0']")  # back to the order of the text
        assert page.locator("#mentions tbody tr td:nth-child(1)").all_inner_texts() == [str(n) for n in range(1, len(metrics) + 1)]
        m = metrics[5]
        page.click(f"mark[data-id='{m['id']}']")  # marks and rows still select each other
        assert page.locator("tr.sel").get_attribute("data-id") == m["id"]
        page.screenshot(path=str(ARTIFACTS / "article_sorted.png"))
