"""Benchmark: articles per second and peak memory, as ratios, on a synthetic corpus.

    .venv/bin/python bench/run_bench.py --n 10000

Synthesizes N realistic articles from the seed corpus (numbers, organisation
names and paragraph order varied), then measures, each phase in its own
process so peak memory is that phase's own:

1. the extractor alone (no Prefect, no I/O but reading),
2. the full flow, cold (empty output folder),
3. the flow rerun with nothing changed,
4. the flow after 1% of the articles changed.

Flow phases are timed inside the process, around the flow call only, with the
Prefect server already up (its start-up is a constant, not throughput).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORGS = ["Zendesk", "Gartner", "Motivaction", "Forrester", "Ipsos", "Salesforce", "Freshworks", "Genesys", "NTT Ltd.", "KIRC"]


def synthesize(dst: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.txt"))]
    dst.mkdir(parents=True, exist_ok=True)
    for k in range(n):
        text = seeds[k % len(seeds)]
        paras = text.split("\n")
        head, body = paras[:2], paras[2:]
        rng.shuffle(body)
        text = "\n".join(head + body)
        text = re.sub(r"\b(\d{1,2})(?= procent|%)", lambda m: str(rng.randint(1, 99)), text)
        text = re.sub(r"Zendesk|Aspect Software|SAMR", lambda m: rng.choice(ORGS), text)
        (dst / f"art_{k:06d}.txt").write_text(text, encoding="utf-8")


def phase(kind: str, corpus: str, out: str) -> dict:
    """Runs in a child process: one measurement."""
    from flows.settings import apply_prefect_settings

    apply_prefect_settings()  # before Prefect is imported: the same settings as `cxmetrics run`
    files = sorted(Path(corpus).glob("*.txt"))
    if kind == "extractor":
        from pipeline.article import build_article
        from pipeline.extract import extract

        extract(build_article("warm.txt", files[0].read_bytes()))
        t0 = time.perf_counter()
        n = 0
        for f in files:
            n += len(extract(build_article(f.name, f.read_bytes())).mentions)
        elapsed = time.perf_counter() - t0
    else:
        from flows.extract_flow import extract_corpus
        from prefect.testing.utilities import prefect_test_harness

        with prefect_test_harness(server_startup_timeout=120):
            extract_corpus(corpus=str(Path(corpus).parent / "warm"), out=str(Path(out).parent / "warm-out"))
            t0 = time.perf_counter()
            s = extract_corpus(corpus=corpus, out=out)
            elapsed = time.perf_counter() - t0
            n = s["mentions"]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"phase": kind, "articles": len(files), "seconds": round(elapsed, 3), "mentions": n, "peak_mb": round(peak_mb, 1)}


def run_phase(kind: str, corpus: Path, out: Path) -> dict:
    r = subprocess.run(
        [sys.executable, __file__, "--phase", kind, "--corpus", str(corpus), "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--phase")
    ap.add_argument("--corpus")
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.corpus, args.out)))
        return
    with tempfile.TemporaryDirectory(prefix="cxbench-") as tmp:
        tmp = Path(tmp)
        corpus, out = tmp / "corpus", tmp / "out"
        synthesize(corpus, args.n)
        synthesize(tmp / "warm", 3, seed=1)
        rows = [run_phase("extractor", corpus, out), run_phase("flow", corpus, out)]
        rows[-1]["phase"] = "flow cold"
        rows.append(run_phase("flow", corpus, out))
        rows[-1]["phase"] = "flow rerun, nothing changed"
        changed = sorted(corpus.glob("*.txt"))[:: 100]
        for f in changed:
            f.write_text(f.read_text(encoding="utf-8") + "\nVolgens Ipsos zegt 12 procent iets anders.\n", encoding="utf-8")
        rows.append(run_phase("flow", corpus, out))
        rows[-1]["phase"] = f"flow after 1% changed ({len(changed)})"
    base = rows[0]["articles"] / rows[0]["seconds"]
    cold = rows[1]["seconds"]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; N={args.n}")
    print(f"| phase | seconds | articles/s | vs extractor | vs cold | peak MB |")
    print(f"|---|---|---|---|---|---|")
    for r in rows:
        aps = r["articles"] / r["seconds"] if r["seconds"] else float("inf")
        print(f"| {r['phase']} | {r['seconds']:.2f} | {aps:.0f} | {aps / base:.2f} | {r['seconds'] / cold:.3f} | {r['peak_mb']:.0f} |")


if __name__ == "__main__":
    main()
