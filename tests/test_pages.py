"""Every kind of page an editor opens (index, article, study; the index and an article in review mode)
in headless Chromium: no script error, no console error (a refused script or style is one), no failed
request. Writes the screenshots the README links (docs/screenshots/)."""

from __future__ import annotations

import contextlib
import shutil
import threading

import pytest

from flows.io import read_jsonl

from .conftest import CORPUS, ROOT, chromium_and_playwright
from .test_report import ARGS, EVIL, expect

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.browser]
SCREENSHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A run over the seed corpus, the three articles of tests/studies_corpus (two report one study,
    in conflict) and an article with markup in its text; its review server on a free port."""
    from flows.extract_flow import extract_corpus
    from review.server import review

    base = tmp_path_factory.mktemp("pages")
    corpus, out = base / "corpus", base / "out"
    shutil.copytree(CORPUS, corpus)
    for f in (ROOT / "tests" / "studies_corpus").iterdir():
        shutil.copy(f, corpus / f.name)
    (corpus / "evil.txt").write_text(EVIL, encoding="utf-8")
    extract_corpus(corpus=str(corpus), out=str(out), report=True)
    started, box = threading.Event(), {}

    def ready(url, server):
        box.update(url=url, server=server)
        started.set()

    t = threading.Thread(target=review, args=(out, corpus, base / "corrections.jsonl"), kwargs={"port": 0, "ready": ready}, daemon=True)
    t.start()
    assert started.wait(30), "the review server did not start"
    yield out, box["url"]
    box["server"].should_exit = True
    t.join(10)


@contextlib.contextmanager
def watched(url: str, width: int = 1400, height: int = 1000):
    """A page at ``url``; on leaving, fails on any script error, console error or failed request it had."""
    chromium, sync_playwright = chromium_and_playwright()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        problems: list[str] = []
        page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
        page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type in ("error", "warning") else None)
        page.on("requestfailed", lambda req: problems.append(f"request failed: {req.url} ({req.failure})"))
        page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
        page.goto(url)
        page.wait_for_load_state("load")
        yield page
        page.wait_for_timeout(100)  # late loads (data files) report too
        browser.close()
        assert not problems, problems


def _pages(out):
    from review.pages import page_name

    study = next(s for s in read_jsonl(out / "studies.jsonl") if len(s["article_ids"]) > 1)
    return page_name("002_cfbf95d728658b65"), page_name("evil"), f"{study['study_id']}.html"


def test_every_page_opens_from_disk_without_an_error(run):
    out, _url = run
    report = out / "report"
    article, evil, study = _pages(out)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with watched((report / "index.html").as_uri()) as page:
        page.evaluate("window.cxReady")
        expect(page.locator("figure.cx-chart .u-over").first).to_be_visible()  # the charts are uPlot's
        box = page.locator("figure.cx-chart .u-over").first.bounding_box()
        page.mouse.move(box["x"] + box["width"] * 0.8, box["y"] + box["height"] / 2)  # values on hover
        page.screenshot(path=str(SCREENSHOTS / "index.png"))
        page.select_option("select[data-col=kind]", label="percentage")  # loads the facets
        expect(page.locator("#mpager span")).to_have_text("page 1 of 2")
        page.click("#mentions th[data-sort='v']")  # loads the sort keys
        expect(page.locator("#morder")).to_contain_text("by value")
        page.fill("#asearch", "klant")  # loads every article data file
        page.select_option("select[data-col=kind]", "")
    with watched((report / "articles" / article).as_uri(), height=900) as page:
        page.screenshot(path=str(SCREENSHOTS / "article.png"))
        page.locator("mark.m").nth(3).click()
        expect(page.locator("tr.sel")).to_have_count(1)
    with watched((report / "articles" / evil).as_uri()) as page:
        assert page.evaluate("window.__pwned === undefined")
    with watched((report / "studies" / study).as_uri(), height=800) as page:
        assert page.locator("#findings tr.conflict").count() == 1
        page.screenshot(path=str(SCREENSHOTS / "study.png"))


def test_every_page_opens_in_review_mode_without_an_error(run):
    out, url = run
    article, _evil, study = _pages(out)
    with watched(url) as page:  # / redirects to the index
        page.evaluate("window.cxReady")
        expect(page.locator("figure.cx-chart .u-over").first).to_be_visible()
        page.select_option("select[data-col=source]", index=1)
        expect(page.locator("#mentions tbody tr").first).to_be_visible()
        page.click("#articles th[data-sort='4']")
        page.click(f"a[href='studies/{study}']")  # a study page from the server, and its links
        page.wait_for_load_state("load")
        page.click("#findings a[href^='../articles/']")
        page.wait_for_load_state("load")
        expect(page.locator("#addsel")).to_be_visible()  # an article page in review mode
    with watched(url + "articles/" + article) as page:
        page.click("button[data-act=edit] >> nth=0")
        expect(page.locator("#panel")).to_be_visible()
        page.click("#cancel")
