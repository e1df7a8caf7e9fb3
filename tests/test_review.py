"""`cxmetrics review`: loopback only, token-guarded writes, validated corrections, and the editor's loop in Chromium.

Done-when of issue 15: a reject, a changed source and an added figure made through
the page land in corrections.jsonl, the next run's output has all three, and
changing the article's text marks them stale.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import httpx
import pytest

from flows.io import read_jsonl

from .conftest import CORPUS, ROOT, chromium_and_playwright

pytestmark = pytest.mark.usefixtures("prefect_harness")
ARTIFACTS = ROOT / "tests" / "artifacts"
EVIL = (
    "Titel <script>window.__pwned=1</script>\n"
    '<img src=x onerror="window.__pwned=2"> Uit onderzoek van Zendesk blijkt dat 64 procent <!-- tevreden --> is.\n'
    "Bijna 9,8 keer meer kans en een NPS van +13. De gemiddelde wachttijd was een kwartier.\n"
)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from flows.extract_flow import extract_corpus
    from review.pages import page_name
    from review.server import review

    base = tmp_path_factory.mktemp("review")
    corpus, out = base / "corpus", base / "out"
    shutil.copytree(CORPUS, corpus)
    (corpus / "evil.txt").write_text(EVIL, encoding="utf-8")
    extract_corpus(corpus=str(corpus), out=str(out), report=True)
    started = threading.Event()
    box: dict = {}

    def ready(url, server):
        box.update(url=url, server=server)
        started.set()

    t = threading.Thread(target=review, args=(out, corpus, corpus / "corrections.jsonl"), kwargs={"port": 0, "ready": ready}, daemon=True)
    t.start()
    assert started.wait(30), "the review server did not start"
    yield {"url": box["url"], "corpus": corpus, "out": out, "page": page_name}
    box["server"].should_exit = True
    t.join(10)


def _token(client: httpx.Client, url: str) -> str:
    page = client.get(url).text
    return page.split("name='cx-token' content='", 1)[1].split("'", 1)[0]


def test_listens_on_loopback_only_and_guards_writes(served):
    url, corpus = served["url"], served["corpus"]
    assert url.startswith("http://127.0.0.1:")
    evil_url = url + "articles/" + served["page"]("evil")
    with httpx.Client(timeout=10) as c:
        page = c.get(evil_url)
        assert page.status_code == 200
        assert "<script>window.__pwned" not in page.text and "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page.text
        token = _token(c, evil_url)
        mention = next(m for m in read_jsonl(served["out"] / "metrics.jsonl") if m["article_id"] == "evil")
        body = {"article_id": "evil", "span": mention["span"], "action": "set", "fields": {"year": 2024}}
        post = url + "api/corrections"
        assert c.post(post, json=body).status_code == 403  # no token
        assert c.post(post, json=body, headers={"X-CX-Token": "guess"}).status_code == 403
        assert c.post(post, json=body, headers={"X-CX-Token": token, "Origin": "http://evil.example"}).status_code == 403
        assert c.post(post, content="action=reject", headers={"X-CX-Token": token, "Content-Type": "application/x-www-form-urlencoded"}).status_code == 415
        assert c.post(post, json=body, headers={"X-CX-Token": token, "Host": "evil.example"}).status_code == 400  # DNS rebinding
        bad_year = {**body, "fields": {"year": 1200}}
        r = c.post(post, json=bad_year, headers={"X-CX-Token": token})
        assert r.status_code == 422 and "year_out_of_range" in r.text
        r = c.post(post, json={**body, "span": {"start": 0, "end": 3}}, headers={"X-CX-Token": token})
        assert r.status_code == 422 and "unmatched_correction" in r.text
        r = c.post(post, json={**body, "fields": {"value": 140}, "span": next(
            m["span"] for m in read_jsonl(served["out"] / "metrics.jsonl") if m["article_id"] == "evil" and m["kind"] == "percentage")},
            headers={"X-CX-Token": token})
        assert r.status_code == 422 and "share_out_of_range" in r.text
        assert c.get(url + "data/../../metrics.jsonl").status_code == 404
    assert not (corpus / "corrections.jsonl").exists()


ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]

SELECT = """([start, end]) => {
  const el = [...document.querySelectorAll('article [data-o]')].find(x => +x.dataset.o <= start && +x.dataset.o + x.textContent.length >= end);
  const r = document.createRange(); const o = +el.dataset.o;
  r.setStart(el.firstChild, start - o); r.setEnd(el.firstChild, end - o);
  const s = getSelection(); s.removeAllRanges(); s.addRange(r); return s.toString();
}"""


@pytest.mark.browser
def test_editor_corrections_through_the_page_stick(served):
    from flows.extract_flow import extract_corpus

    chromium, sync_playwright = chromium_and_playwright()
    ARTIFACTS.mkdir(exist_ok=True)
    corpus, out, url = served["corpus"], served["out"], served["url"]
    metrics = [m for m in read_jsonl(out / "metrics.jsonl") if m["article_id"] == "evil"]
    fix = next(m for m in metrics if m["kind"] == "percentage")
    reject = next(m for m in metrics if m["kind"] == "multiplier")
    text = (corpus / "evil.txt").read_text(encoding="utf-8")
    add_at = text.index("een kwartier")
    assert not any(m["span"]["start"] == add_at for m in metrics)  # the extractor misses it
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url + "articles/" + served["page"]("evil"))
        assert page.evaluate("window.__pwned === undefined")

        with page.expect_navigation():  # saved, then the page reloads with the correction applied
            page.click(f"button[data-act=reject][data-id='{reject['id']}']")
        page.wait_for_selector(f"tr[data-id='{fix['id']}']")
        assert page.locator(f"tr[data-id='{reject['id']}']").count() == 0
        assert "rejected_by_editor" in page.inner_text("#rejected")

        page.click(f"button[data-act=edit][data-id='{fix['id']}']")
        page.fill("#edit input[name=organization]", "Gartner")
        with page.expect_navigation():
            page.click("#edit button[type=submit]")
        page.wait_for_selector(f"tr[data-id='{fix['id']}'] .badge")
        assert "Gartner" in page.inner_text(f"tr[data-id='{fix['id']}']")

        assert page.evaluate(SELECT, [add_at, add_at + len("een kwartier")]) == "een kwartier"
        page.click("#addsel")
        page.select_option("#edit select[name=kind]", "duration")
        page.fill("#edit input[name=value]", "15")
        page.fill("#edit input[name=unit]", "minute")
        page.select_option("#edit select[name=metric]", "wait_time")
        page.screenshot(path=str(ARTIFACTS / "review_add_figure.png"))
        with page.expect_navigation():
            page.click("#edit button[type=submit]")
        page.wait_for_selector("mark.k-duration:has-text('een kwartier')")
        page.screenshot(path=str(ARTIFACTS / "review_after_corrections.png"), full_page=True)
        assert not errors, errors
        browser.close()

    lines = read_jsonl(corpus / "corrections.jsonl")
    assert [c["action"] for c in lines] == ["reject", "set", "add"]
    assert lines[1]["fields"] == {"source": {"organization": "Gartner", "report": None, "person": None}}
    assert lines[2]["span"] == {"start": add_at, "end": add_at + len("een kwartier")}
    assert lines[2]["fields"] == {"kind": "duration", "value": 15, "unit": "minute", "metric": "wait_time"}
    sha = next(a["sha256"] for a in read_jsonl(out / "articles.jsonl") if a["article_id"] == "evil")
    assert all(c["sha256"] == sha and c["at"].endswith("Z") for c in lines)

    extract_corpus(corpus=str(corpus), out=str(out), report=True)  # the next run applies all three
    after = {m["span"]["start"]: m for m in read_jsonl(out / "metrics.jsonl") if m["article_id"] == "evil"}
    assert reject["span"]["start"] not in after
    assert after[fix["span"]["start"]]["source"]["organization"] == "Gartner"
    assert after[fix["span"]["start"]]["corrected"]["fields"] == ["source"]
    assert after[add_at]["kind"] == "duration" and after[add_at]["value"] == 15 and after[add_at]["rule"] == "editor"
    assert after[add_at]["metric"] == "wait_time" and after[add_at]["corrected"]["action"] == "add"

    (corpus / "evil.txt").write_text(text.replace("Titel", "Kop"), encoding="utf-8")  # the article changes
    extract_corpus(corpus=str(corpus), out=str(out), report=True)
    ms = [m for m in read_jsonl(out / "metrics.jsonl") if m["article_id"] == "evil"]
    assert not any(m.get("corrected") for m in ms)
    stale = [r for r in read_jsonl(out / "rejected.jsonl") if r["article_id"] == "evil" and r["level"] == "correction"]
    assert len(stale) == 3 and all(r["reason"].startswith("stale_correction:") for r in stale)
