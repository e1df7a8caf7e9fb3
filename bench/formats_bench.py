"""Throughput per file format: reading (bytes -> text) and reading + extraction, per file.

    .venv/bin/python bench/formats_bench.py --n 200

Files are built by tests/formats_samples.py (a web page with furniture, a Word
press release, a 2-page and a 20-page text PDF, and the same article as .txt).
Readers run in-process here; in the flow they run in the time-limit worker,
which adds one pipe round trip (~1 ms) per file.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.article import build_article  # noqa: E402
from pipeline.extract import extract  # noqa: E402
from tests import formats_samples as S  # noqa: E402


def files() -> list[tuple[str, str, bytes]]:
    page = S.page_semantic()
    txt = build_article("p.html", S.page_bytes(page)).text.encode("utf-8")
    long_pdf = S.pdf_bytes([S.PDF_PAGES[k % 2] * 3 for k in range(20)], header=S.PDF_HEADER)
    return [
        ("txt", "a.txt", txt),
        ("html", "a.html", S.page_bytes(page)),
        ("docx", "a.docx", S.docx_bytes()),
        ("pdf (2 pages)", "a.pdf", S.text_pdf_bytes()),
        ("pdf (20 pages)", "b.pdf", long_pdf),
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    n = ap.parse_args().n
    print(f"{platform.machine()}, Python {platform.python_version()}, n={n} per format\n")
    print("| format | KB | read ms/file | read files/s | read+extract ms/file | read+extract files/s |")
    print("|---|---|---|---|---|---|")
    for label, name, data in files():
        build_article(name, data)  # imports and caches warmed
        t0 = time.perf_counter()
        for _ in range(n):
            art = build_article(name, data)
        read_s = (time.perf_counter() - t0) / n
        t0 = time.perf_counter()
        for _ in range(n):
            extract(build_article(name, data))
        both_s = (time.perf_counter() - t0) / n
        print(f"| {label} | {len(data) / 1024:.1f} | {read_s * 1000:.2f} | {1 / read_s:.0f} | {both_s * 1000:.2f} | {1 / both_s:.0f} |")
        del art


if __name__ == "__main__":
    main()
