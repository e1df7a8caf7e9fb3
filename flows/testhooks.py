"""A test hook in the flow's write path: stop at a named stage so a test can kill the run exactly there.

``tests/test_crash.py`` SIGKILLs a run at each stage of writing and checks that the
next run still writes the output of one clean run. Killing after a fixed delay
may miss the moment on a faster or slower machine; this hook makes it exact:

    CXMETRICS_TEST_PAUSE_AT=<stage>  CXMETRICS_TEST_PAUSE_MARKER=<file>

When the run reaches ``<stage>`` it writes the stage name to ``<file>`` and sleeps
until it is killed. Unset (always, outside the tests) a stage costs one lookup.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

# in the order a run reaches them
STAGES = (
    "cache",  # one article's cache entry written, the rest of the batch not yet
    "writing",  # the three output files written as temp files, not yet renamed into place
    "assembled",  # the outputs renamed into place, the manifest not yet saved
    "manifest",  # the manifest saved, the run lock still held
)


def pause_at(stage: str) -> None:
    """Stop here for good if the environment asks for this stage (tests only)."""
    if os.environ.get("CXMETRICS_TEST_PAUSE_AT") != stage:
        return
    marker = Path(os.environ.get("CXMETRICS_TEST_PAUSE_MARKER", ".cxmetrics-paused"))
    marker.write_text(f"{stage} {os.getpid()}\n", encoding="utf-8")
    while True:
        time.sleep(60)
