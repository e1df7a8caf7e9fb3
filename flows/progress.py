"""Progress of a long run: articles done of total, rate and time left.

On a terminal, a tqdm bar on stderr (``312/2000 articles [00:03<00:14, 118 articles/s]``);
when stderr is not a terminal (a log file, a service), one line at the end instead of
a bar redrawn in place: ``cxmetrics: extracted 2000 articles in 12.4 s (161 articles/s, 2 processes)``.
Runs with few articles say nothing: they are over before a bar would help.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

MIN_ARTICLES = 50  # fewer to extract: no bar, no line


class Progress:
    """Called by the flow as ``progress(done, total)`` after each batch; ``close()`` at the end."""

    def __init__(self, stream: TextIO | None = None, workers: int | None = None, clock=time.monotonic) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.workers = workers
        self.clock = clock
        self.start = clock()
        self.early: float | None = None  # when extraction began before the flow did (flows/early.py)
        self.end: float | None = None
        self.bar = None
        self.done = self.total = 0

    def __call__(self, done: int, total: int) -> None:
        if done == 0:  # extraction starts now (or started early): the rate counts from there
            self.start = self.early if self.early is not None else self.clock()
        self.end = self.clock() if done >= total else None  # ... to here: writing the output is not extraction
        self.done, self.total = done, total
        if total < MIN_ARTICLES or not self.tty:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=" articles", file=self.stream, dynamic_ncols=True, leave=True, smoothing=0.1)
            self.bar.start_t = self.start  # the rate counts from the start of extraction
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        elif not self.tty and self.total >= MIN_ARTICLES and self.done:
            print(self.summary(), file=self.stream, flush=True)

    def summary(self) -> str:
        elapsed = max((self.end if self.end is not None else self.clock()) - self.start, 1e-6)
        procs = f", {self.workers} processes" if self.workers and self.workers > 1 else ""
        return f"cxmetrics: extracted {self.done} articles in {elapsed:.1f} s ({self.done / elapsed:.0f} articles/s{procs})"
