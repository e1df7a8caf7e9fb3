"""Drop to data: watch the corpus folder and start a run when files stop changing.

Why it exists: on a schedule alone, an article dropped into the corpus waits for the
next run (up to the interval). ``cxmetrics serve`` runs this watcher beside its
deployment: when files under the corpus are added, changed or removed, it waits
until nothing has changed for ``settle`` seconds (an editor copying ten files, a
browser saving a page in several writes), then asks for one run. Several drops in
a row make one run; the schedule stays as the safety net.

The watcher only decides *when*; the run itself goes through the deployment
(``flows.serve``), so it shows in Prefect like any scheduled run. File events come
from the operating system (watchfiles: inotify on Linux), not from polling.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path

SETTLE_SECONDS = 2.0  # quiet time after the last change before a run is asked for
MAX_WAIT_SECONDS = 60.0  # files changing without pause: a run at least this often anyway


class CorpusFilter:
    """Which file events count: not editors' temp and swap files, nor anything under
    ``ignore`` (the output folder when it lies inside the corpus)."""

    def __init__(self, ignore: list[Path]) -> None:
        from watchfiles import DefaultFilter

        self.default = DefaultFilter()
        self.ignore = [p.resolve() for p in ignore]

    def __call__(self, change, path: str) -> bool:
        if not self.default(change, path):
            return False
        p = Path(path)
        if p.name.startswith(".") and p.name.endswith(".tmp"):  # our own atomic writes (corrections)
            return False
        return not any(p == root or root in p.parents for root in self.ignore)


def watch_corpus(
    corpus: Path,
    on_settled: Callable[[list[str]], None],
    stop: threading.Event,
    settle: float = SETTLE_SECONDS,
    ignore: list[Path] | None = None,
) -> None:
    """Call ``on_settled(paths)`` each time changes under ``corpus`` have been quiet for
    ``settle`` seconds, until ``stop`` is set. Blocks; run it in a thread."""
    from watchfiles import watch

    for changes in watch(
        corpus,
        watch_filter=CorpusFilter(ignore or []),
        step=int(settle * 1000),  # yield once no change came for this long ...
        debounce=int(MAX_WAIT_SECONDS * 1000),  # ... or after this long at the latest
        stop_event=stop,
        rust_timeout=1000,  # how often the stop event is looked at
        raise_interrupt=False,
    ):
        if stop.is_set():
            return
        on_settled(sorted({path for _change, path in changes}))


def start_watcher(
    corpus: Path, on_settled: Callable[[list[str]], None], settle: float = SETTLE_SECONDS, ignore: list[Path] | None = None
) -> threading.Event:
    """``watch_corpus`` in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()

    def run() -> None:
        try:
            watch_corpus(corpus, on_settled, stop, settle, ignore)
        except Exception as exc:  # the schedule still runs: say so and go on without the watcher
            print(f"cxmetrics: not watching {corpus} ({type(exc).__name__}: {exc}); runs follow the schedule only",
                  file=sys.stderr, flush=True)

    threading.Thread(target=run, name="cxmetrics-watch", daemon=True).start()
    return stop
