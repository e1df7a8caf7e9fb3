"""The HTML review report: generated from the output, untrusted text stays text, works in a real browser."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from .conftest import ROOT

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
    from flows.report import write_report

    base = tmp_path_factory.mktemp("report")
    corpus = base / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    (corpus / "evil.txt").write_text(EVIL, encoding="utf-8")
    (corpus / "leeg.txt").write_text("", encoding="utf-8")
    out = base / "out"
    extract_corpus(corpus=str(corpus), out=str(out))
    write_report(out)
    return out


def _metrics(out: Path) -> list[dict]:
    return [json.loads(x) for x in (out / "metrics.jsonl").read_text(encoding="utf-8").splitlines()]


def test_report_files_and_escaping(report_dir):
    index = (report_dir / "report" / "index.html").read_text(encoding="utf-8")
    evil = (report_dir / "report" / "articles" / "evil.html").read_text(encoding="utf-8")
    assert "<script>window.__pwned" not in evil and "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in evil
    assert "<img src=x" not in evil and "<!-- tevreden -->" not in evil
    assert "leeg.txt" in index and "rejected: empty" in index
    assert not re.search(r"(?:src|href)=['\"]?(?:https?:)?//", index)  # nothing loaded from the network
    for aid in {m["article_id"] for m in _metrics(report_dir)}:
        page = (report_dir / "report" / "articles" / f"{aid}.html").read_text(encoding="utf-8")
        n = sum(1 for m in _metrics(report_dir) if m["article_id"] == aid)
        assert page.count("<mark class='m'") == n


def _browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("no chromium installed (Debian package 'chromium'); .ci/run installs it")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed")
    return chromium, sync_playwright


@pytest.mark.browser
def test_report_in_headless_chromium(report_dir):
    chromium, sync_playwright = _browser()
    metrics = _metrics(report_dir)
    ARTIFACTS.mkdir(exist_ok=True)
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=args)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto((report_dir / "report" / "index.html").as_uri())
        assert page.locator("#mentions tbody tr").count() == len(metrics)
        page.select_option("select[data-col=kind]", "multiplier")
        want = sum(1 for m in metrics if m["kind"] == "multiplier")
        assert page.locator("#mentions tbody tr:visible").count() == want
        assert page.inner_text("#shown") == str(want)
        page.goto((report_dir / "report" / "articles" / "evil.html").as_uri())
        assert page.evaluate("window.__pwned === undefined")
        assert page.locator("mark.m").count() == sum(1 for m in metrics if m["article_id"] == "evil")
        page.goto((report_dir / "report" / "articles" / "002_cfbf95d728658b65.html").as_uri())
        assert page.locator("mark.m").count() == sum(1 for m in metrics if m["article_id"] == "002_cfbf95d728658b65")
        page.screenshot(path=str(ARTIFACTS / "article_002.png"), full_page=False)
        browser.close()
