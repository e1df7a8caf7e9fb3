"""The HTML review report: generated from the output, untrusted text stays text, works in a real browser.

Browser tests save screenshots under tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import re
import shutil
from pathlib import Path

import pytest

from .conftest import ROOT, chromium_and_playwright

pytestmark = pytest.mark.usefixtures("prefect_harness")

EVIL = (
    "Titel <script>window.__pwned=1</script>\n"
    '<img src=x onerror="window.__pwned=2"> Uit onderzoek van Zendesk blijkt dat 64 procent <!-- tevreden --> is.\n'
    "Bijna 9,8 keer meer kans en een NPS van +13.\n"
)
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory) -> Path:
    from flows.extract_flow import extract_corpus
    from review.report import write_report

    base = tmp_path_factory.mktemp("report")
    corpus = base / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    (corpus / "evil.txt").write_text(EVIL, encoding="utf-8")
    (corpus / "leeg.txt").write_text("", encoding="utf-8")
    # two ids that differ only in characters a file-name mapping drops (the collision bug)
    (corpus / "rapport 2024.txt").write_text("Rapport A\nUit onderzoek van Gartner blijkt dat 41 procent tevreden is.\n", encoding="utf-8")
    (corpus / "rapport_2024.txt").write_text("Rapport B\nUit onderzoek van Forrester blijkt dat 77 procent tevreden is.\n", encoding="utf-8")
    out = base / "out"
    extract_corpus(corpus=str(corpus), out=str(out))
    write_report(out)
    return out


def _metrics(out: Path) -> list[dict]:
    return [json.loads(x) for x in (out / "metrics.jsonl").read_text(encoding="utf-8").splitlines()]


def _page(out: Path, aid: str) -> str:
    from review.pages import page_name

    return (out / "report" / "articles" / page_name(aid)).read_text(encoding="utf-8")


def test_report_files_and_escaping(report_dir):
    from review.report import table_order

    index = (report_dir / "report" / "index.html").read_text(encoding="utf-8")
    evil = _page(report_dir, "evil")
    assert "<script>window.__pwned" not in evil and "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in evil
    assert "<img src=x" not in evil and "<!-- tevreden -->" not in evil
    assert "leeg.txt" in index and "rejected: empty" in index
    assert not re.search(r"(?:src|href)=['\"]?(?:https?:)?//", index)  # nothing loaded from the network
    metrics = _metrics(report_dir)
    for aid in {m["article_id"] for m in metrics}:
        page = _page(report_dir, aid)
        mine = [m for m in metrics if m["article_id"] == aid]
        assert page.count("<mark class='m ") == len(mine)
        assert page.count("<tr id='m-") >= len(mine)  # the table beside the text: one row per mention
        for m in mine:
            assert f"data-id='{m['id']}'" in page
    # the index holds no mention rows: they are paged from data files
    data = report_dir / "report" / "data"
    rows = [r for f in sorted(data.glob("m*.js"), key=lambda p: int(p.stem[1:])) for r in json.loads(f.read_text()[len("cxRows(\"m\",") :].split(",", 1)[1][:-3])]
    assert [r[2] for r in rows] == [m["id"] for m in table_order(metrics)]
    assert (data / "facets.js").is_file() and "64 procent" not in index


def test_page_names_are_injective(report_dir):
    from review.pages import page_name

    assert page_name("rapport 2024") != page_name("rapport_2024")
    assert page_name("Rapport") != page_name("rapport")  # case-insensitive file systems
    assert re.fullmatch(r"[A-Za-z0-9_-]+-[0-9a-f]{10}\.html", page_name("été/../<x>"))
    a, b = _page(report_dir, "rapport 2024"), _page(report_dir, "rapport_2024")
    assert "41 procent" in a and "Gartner" in a and "77 procent" not in a
    assert "77 procent" in b and "Forrester" in b and "41 procent" not in b
    rows = json.loads((report_dir / "report" / "data" / "a0.js").read_text()[len('cxRows("a",0,') : -3])
    pages = {r[2]: r[1] for r in rows}
    assert pages["rapport 2024.txt"] != pages["rapport_2024.txt"]


def _lin(c: int) -> float:
    c /= 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _rgb(h: str) -> list[int]:
    return [int(h[i : i + 2], 16) for i in (1, 3, 5)]


def _contrast(a: str, b: str) -> float:
    la, lb = (0.2126 * _lin(r) + 0.7152 * _lin(g) + 0.0722 * _lin(bl) for r, g, bl in (_rgb(a), _rgb(b)))
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def _lab(h: str) -> tuple[float, float, float]:
    r, g, b = (_lin(c) for c in _rgb(h))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def test_kind_colours_are_readable_and_distinct():
    from review.report import KIND_COLOURS, _border
    from schemas.records import Kind

    assert list(KIND_COLOURS) == [k.value for k in Kind]
    for kind, bg in KIND_COLOURS.items():
        assert _contrast("#1d1d1f", bg) >= 7, f"{kind}: text on {bg}"  # WCAG AAA for the marked text
        assert _contrast(_border(bg), "#ffffff") >= 3, f"{kind}: mark edge on white"  # WCAG 1.4.11
    worst = min((math.dist(_lab(a), _lab(b)), ka, kb) for (ka, a), (kb, b) in itertools.combinations(KIND_COLOURS.items(), 2))
    assert worst[0] >= 15, f"{worst[1]} and {worst[2]} look alike (delta E {worst[0]:.1f})"


def test_metric_chart_has_axes_units_and_one_series_per_source():
    from review.charts import metric_chart

    svg = metric_chart(
        {"KSF": [(2016, 7.4, "a: 7,4", "articles/a.html#m-1"), (2017, 7.5, "a: 7,5", "articles/a.html#m-2")],
         "SAMR": [(2018, 8.0, "b: 8", "articles/b.html#m-3"), (2018, 9.0, "b: 9", "articles/b.html#m-4")]},
        "customer_satisfaction", "grade",
    )
    assert "year the figure describes" in svg and ">grade<" in svg
    assert all(f">{y}<" in svg for y in (2016, 2017, 2018))
    assert svg.count("<polyline") == 1  # KSF's line; SAMR's two figures of one year are not joined
    assert svg.count("<a href='articles/") == 4 and "#m-4" in svg
    assert "KSF (2)" in svg and "SAMR (2)" in svg


def expect(locator):
    from playwright.sync_api import expect as _expect  # polls without eval(): the report's CSP forbids it

    return _expect(locator)


ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@contextlib.contextmanager
def opened(url: str):
    """A page of headless Chromium at ``url``; fails when a script on it threw."""
    chromium, sync_playwright = chromium_and_playwright()
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url)
        yield page
        assert not errors, errors
        browser.close()


@pytest.mark.browser
def test_index_pages_and_filters_in_headless_chromium(report_dir):
    from review.report import table_order

    metrics = table_order(_metrics(report_dir))
    with opened((report_dir / "report" / "index.html").as_uri()) as page:
        page.evaluate("window.cxReady")
        assert page.locator("#mentions tbody tr").count() == min(50, len(metrics))
        assert page.inner_text("#shown") == str(len(metrics))
        first = page.locator("#mentions tbody tr").first.locator("td").nth(1).locator("a")
        assert first.get_attribute("href").endswith("#m-" + metrics[0]["id"])
        page.screenshot(path=str(ARTIFACTS / "index.png"))
        page.locator("#mpager button", has_text="next").click()
        expect(page.locator("#mpager span")).to_have_text(re.compile("^page 2 of"))
        assert page.locator("#mentions tbody tr").first.locator("td").nth(1).inner_text().startswith(metrics[50]["text"])

        page.select_option("select[data-col=kind]", label="multiplier")
        expect(page.locator("#shown")).to_have_text(str(sum(m['kind'] == 'multiplier' for m in metrics)))
        kinds = page.locator("#mentions tbody tr td:nth-child(3)").all_inner_texts()
        assert kinds and set(kinds) == {"multiplier"}
        page.select_option("select[data-col=source]", label="Zendesk")
        want = [m for m in metrics if m["kind"] == "multiplier" and (m.get("source") or {}).get("organization") == "Zendesk"]
        expect(page.locator("#shown")).to_have_text(str(len(want)))
        assert page.locator("#mentions tbody tr").count() == min(50, len(want))
        page.select_option("select[data-col=kind]", "")
        page.select_option("select[data-col=source]", "")
        expect(page.locator("#shown")).to_have_text(str(len(metrics)))

        n_articles = len((report_dir / "articles.jsonl").read_text(encoding="utf-8").splitlines())
        assert page.locator("#articles tbody tr").count() == n_articles
        assert page.locator("#articles a[href^='articles/']").count() == n_articles - 1  # leeg.txt has no page

        # a chart point links to its mention: the article opens with that row selected
        point = page.locator("svg a.pt").first
        href = point.get_attribute("href")
        page.screenshot(path=str(ARTIFACTS / "index_charts.png"), full_page=True)
        point.click()
        page.wait_for_load_state("load")
        mid = href.split("#m-")[1]
        assert page.locator(f"tr.sel[data-id='{mid}']").count() == 1 and page.locator(f"mark.sel[data-id='{mid}']").count() == 1


@pytest.mark.browser
def test_article_page_marks_and_rows_select_each_other(report_dir):
    chromium, sync_playwright = chromium_and_playwright()
    from review.pages import page_name

    metrics = [m for m in _metrics(report_dir) if m["article_id"] == "002_cfbf95d728658b65"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto((report_dir / "report" / "articles" / page_name("evil")).as_uri())
        assert page.evaluate("window.__pwned === undefined")
        page.goto((report_dir / "report" / "articles" / page_name("002_cfbf95d728658b65")).as_uri())
        assert page.locator("mark.m").count() == len(metrics) == page.locator("#mentions tbody tr").count()
        cells = page.locator("#mentions tbody tr").first.locator("td").all_inner_texts()
        m0 = metrics[0]
        assert cells[1] == m0["text"] and cells[4] == m0["kind"] and cells[9] == m0["rule"]
        assert (m0["source"] or {}).get("organization", "") in cells[8]
        assert page.locator(".legend .chip").count() == 10  # nine kinds and 'rejected'
        m = metrics[20]
        page.click(f"mark[data-id='{m['id']}']")
        assert page.locator("tr.sel").get_attribute("data-id") == m["id"]
        page.screenshot(path=str(ARTIFACTS / "article_002.png"))
        row = page.locator(f"tr[data-id='{metrics[3]['id']}']")
        row.click()
        assert page.locator("mark.sel").get_attribute("data-id") == metrics[3]["id"]
        assert page.locator("mark.sel").is_visible()
        page.emulate_media(media="print")  # the table prints, full width, under the text
        assert page.locator("#mentions").is_visible() and not page.locator("nav").is_visible()
        page.screenshot(path=str(ARTIFACTS / "article_002_print.png"), full_page=True)
        browser.close()
