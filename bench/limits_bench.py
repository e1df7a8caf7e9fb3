"""Benchmark: extraction time and peak memory against text length and figures per sentence.

    .venv/bin/python bench/limits_bench.py                 # this checkout
    .venv/bin/python bench/limits_bench.py --code ../main  # another checkout, to compare

Issue 24: extraction must cost time and memory linear in the text. Each row extracts one
synthesized article in a process of its own (so its peak memory is that article's),
``pipeline.extract.extract`` alone, no Prefect and no child process, and prints seconds,
the process's peak resident memory and its memory before the article (the pipeline
loaded). Three series:

1. ordinary text (the seed articles one after another, many sentences) from 10 KB to 1 MB;
2. one sentence of figures (a PDF table without full stops) from 100 to 12,000 figures;
3. 12,000 figures in all, in sentences of 10 to 12,000 figures each.

Linear means: seconds and megabytes per 100 KB (or per 1,000 figures) stay flat down a
series. A row that runs past ``--timeout`` seconds is stopped and shown as such.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CELLS = ["64 procent", "12,5%", "+13", "2,9 keer", "€ 2,5 miljoen", "7,5", "1.359", "45 minuten", "38 procent", "0,8%"]
WORDS = ["klanttevredenheid", "Noord-Holland", "wachttijd", "webwinkels", "energieleveranciers", "verzekeraars"]

_MEASURE = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from pipeline.extract import extract_text
from pipeline.nlp import get_nlp
nlp = get_nlp()
nlp.max_length = max(nlp.max_length, 10**8)
extract_text("Van de klanten is 55 procent tevreden.")
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
text = open(sys.argv[2], encoding="utf-8").read()
began = time.perf_counter()
result = extract_text(text)
seconds = time.perf_counter() - began
print(json.dumps({"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "base_mb": base / 1024, "mentions": len(result.mentions) + len(result.rejections)}))
"""


def ordinary(n_bytes: int) -> str:
    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.txt"))]
    parts, size = [], 0
    while size < n_bytes:
        parts.append(seeds[len(parts) % len(seeds)])
        size += len(parts[-1].encode()) + 2
    return "\n\n".join(parts)[:n_bytes]


def figures(total: int, per_sentence: int) -> str:
    cells = [f"{WORDS[k % len(WORDS)]} Q{k % 4 + 1} {CELLS[k % len(CELLS)]}" for k in range(total)]
    sentences = [" ".join(cells[i : i + per_sentence]) for i in range(0, total, per_sentence)]
    return "Tabel 4 Klanttevredenheid per sector\n\n" + ".\n".join(sentences) + "\n"


def measure(code: Path, text: str, timeout: float) -> dict | None:
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt") as fh:
        fh.write(text)
        fh.flush()
        try:
            r = subprocess.run([sys.executable, "-c", _MEASURE, str(code), fh.name], capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
    if r.returncode != 0:
        return {"error": (r.stderr.strip().splitlines() or ["?"])[-1][:80]}
    return json.loads(r.stdout.strip().splitlines()[-1])


def row(label: str, text: str, per: float, unit: str, code: Path, timeout: float) -> None:
    m = measure(code, text, timeout)
    size = f"{len(text.encode()) / 1024:8.0f} KB"
    if m is None:
        print(f"| {label} | {size} | over {timeout:.0f} s (stopped) | | | |", flush=True)
    elif "error" in m:
        print(f"| {label} | {size} | failed: {m['error']} | | | |", flush=True)
    else:
        extra = m["peak_mb"] - m["base_mb"]
        print(f"| {label} | {size} | {m['seconds']:.2f} | {m['seconds'] / per:.3f} s per {unit} | {m['peak_mb']:.0f} | "
              f"{extra / per:.1f} MB per {unit} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--code", default=str(ROOT), help="the checkout to measure (default: this one)")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds before a row is stopped (default: 300)")
    ap.add_argument("--quick", action="store_true", help="the smaller rows only")
    args = ap.parse_args()
    code = Path(args.code).resolve()
    print(f"code: {code}\n")
    print("| ordinary text | size | seconds | per 100 KB | peak MB | above the pipeline, per 100 KB |")
    print("|---|---|---|---|---|---|")
    for kb in (10, 30, 100, 300) if args.quick else (10, 30, 100, 300, 1000):
        text = ordinary(kb * 1024)
        row(f"{kb} KB", text, len(text.encode()) / 102400, "100 KB", code, args.timeout)
    print("\n| one sentence of figures | size | seconds | per 1,000 figures | peak MB | above the pipeline, per 1,000 figures |")
    print("|---|---|---|---|---|---|")
    for n in (100, 1000, 3000) if args.quick else (100, 1000, 3000, 12000):
        row(f"{n:,} figures", figures(n, n), n / 1000, "1,000 figures", code, args.timeout)
    if not args.quick:
        print("\n| 12,000 figures, per sentence | size | seconds | per 1,000 figures | peak MB | above the pipeline, per 1,000 figures |")
        print("|---|---|---|---|---|---|")
        for per in (10, 100, 1000, 12000):
            row(f"{per:,} a sentence", figures(12000, per), 12, "1,000 figures", code, args.timeout)


if __name__ == "__main__":
    main()
