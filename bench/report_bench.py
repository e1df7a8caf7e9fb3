"""Review report at scale: index size, report write time, and filter time in headless Chromium.

    .venv/bin/python bench/report_bench.py --n 10000

Synthesizes an output folder of N articles from a run over the seed corpus (each
seed article copied N/5 times, its sources spread over 200 variants per name and
its years shifted, so filters and dropdowns see a realistic spread), writes the
report, then opens index.html from file:// in Chromium and times: the first
render, a first filter (which loads the facets file), and further filters on
kind, source, year and combinations, each measured in the page from the change
to the rendered rows; then the first sort of the mention table by each heading and
the first search of the article list. Not a test: timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def synthesize(n: int, base: Path) -> tuple[Path, Path]:
    from flows.extract_flow import extract_corpus

    seed_corpus, seed_out = base / "seed", base / "seed_out"
    shutil.copytree(ROOT / "corpus", seed_corpus)
    extract_corpus(corpus=str(seed_corpus), out=str(seed_out))
    arts = [json.loads(x) for x in (seed_out / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    ms = [json.loads(x) for x in (seed_out / "metrics.jsonl").read_text(encoding="utf-8").splitlines()]
    corpus, out = base / "corpus", base / "out"
    corpus.mkdir()
    out.mkdir()
    by_article: dict[str, list[dict]] = {}
    for m in ms:
        by_article.setdefault(m["article_id"], []).append(m)
    with (out / "articles.jsonl").open("w", encoding="utf-8") as fa, (out / "metrics.jsonl").open("w", encoding="utf-8") as fm:
        for i in range(n):
            a = arts[i % len(arts)]
            aid = f"{i:05d}_{a['article_id']}"
            path = f"{aid}.txt"
            shutil.copyfile(seed_corpus / a["path"], corpus / path)
            fa.write(json.dumps({**a, "article_id": aid, "path": path, "text_path": None}, ensure_ascii=False) + "\n")
            for m in by_article.get(a["article_id"], []):
                src = m.get("source")
                if src and src.get("organization"):
                    src = {**src, "organization": f"{src['organization']} {i % 200}"}
                year = m["year"] + (i % 7) - 3 if m.get("year") else None
                fm.write(json.dumps({**m, "article_id": aid, "id": f"{i:05d}{m['id'][:15]}", "source": src, "year": year}, ensure_ascii=False) + "\n")
    (out / "rejected.jsonl").write_text("", encoding="utf-8")
    return corpus, out


JS_FILTER = """async ([col, label]) => {
  const s = document.querySelector('select[data-col=' + col + ']');
  s.value = label === '' ? '' : [...s.options].find(o => o.textContent === label).value;
  const t = performance.now(); await window.cxApply(); return [performance.now() - t, document.getElementById('shown').textContent];
}"""


JS_SORT = """async (key) => {
  document.querySelector("#mentions th[data-sort='" + key + "']").click();  // sets the heading, starts a sort
  const t = performance.now(); await window.cxApply(); return performance.now() - t;
}"""


def browser_times(index: Path, chromium: str) -> dict:
    from playwright.sync_api import sync_playwright

    res: dict = {}
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = b.new_page(viewport={"width": 1400, "height": 1000})
        t = time.perf_counter()
        page.goto(index.as_uri())
        page.evaluate("window.cxReady")
        res["first render (s)"] = round(time.perf_counter() - t, 3)
        kinds = page.eval_on_selector_all("select[data-col=kind] option", "os => os.slice(1).map(o => o.textContent)")
        sources = page.eval_on_selector_all("select[data-col=source] option", "os => os.slice(1).map(o => o.textContent)")
        years = page.eval_on_selector_all("select[data-col=year] option", "os => os.slice(1).map(o => o.textContent)")
        res["dropdown sources"] = len(sources)
        first = page.evaluate(JS_FILTER, ["kind", "multiplier"])
        res["first filter, loads facets (ms)"] = round(first[0], 1)
        times, labels = [], []
        for col, label in [("kind", k) for k in kinds] + [("kind", "")] + [("source", s) for s in sources[:: max(1, len(sources) // 20)]] + [
            ("year", y) for y in years[:10]
        ]:
            times.append(page.evaluate(JS_FILTER, [col, label])[0])
            labels.append(f"{col}={label or 'all'}")
        page.evaluate(JS_FILTER, ["kind", "percentage"])
        combo = [page.evaluate(JS_FILTER, ["year", y])[0] for y in years[:10]]
        res["filters measured"] = len(times) + len(combo)
        all_t = times + combo
        res["filter median (ms)"] = round(statistics.median(all_t), 1)
        res["filter max (ms)"] = round(max(all_t), 1)
        worst = max(range(len(times)), key=times.__getitem__)
        res["slowest single filter"] = f"{labels[worst]} ({times[worst]:.1f} ms)"
        page.evaluate(JS_FILTER, ["year", ""])
        page.evaluate(JS_FILTER, ["kind", ""])
        for key, name in (("k", "kind"), ("m", "metric"), ("s", "source"), ("y", "year"), ("a", "article"), ("v", "value")):
            res[f"first sort by {name} (ms)"] = round(page.evaluate(JS_SORT, key), 1)
        res["filter while sorted (ms)"] = round(page.evaluate(JS_FILTER, ["kind", "percentage"])[0], 1)
        t = time.perf_counter()
        page.fill("#asearch", "00123")
        page.wait_for_function("document.getElementById('ashown').textContent !== ''")
        res["first article search (s)"] = round(time.perf_counter() - t, 3)
        b.close()
    return res


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--keep", help="write the synthetic corpus and output here (kept)")
    args = ap.parse_args()
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="cxmetrics-bench-prefect-"))
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="cxmetrics-report-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    corpus, out = synthesize(args.n, base)
    from review.report import write_report

    n_mentions = sum(1 for _ in (out / "metrics.jsonl").open(encoding="utf-8"))
    t = time.perf_counter()
    index = write_report(out, corpus)
    write_s = time.perf_counter() - t
    report = out / "report"
    files = [f for f in report.rglob("*") if f.is_file()]
    res = {
        "articles": args.n,
        "mentions": n_mentions,
        "write report (s)": round(write_s, 1),
        "index.html (bytes)": index.stat().st_size,
        "facets.js (bytes)": (report / "data" / "facets.js").stat().st_size,
        "mention chunk, largest (bytes)": max(f.stat().st_size for f in (report / "data").glob("m*.js")),
        "report files": len(files),
        "report total (MB)": round(sum(f.stat().st_size for f in files) / 1e6, 1),
    }
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium:
        res.update(browser_times(index, chromium))
    for k, v in res.items():
        print(f"{k:<34}{v}")
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
