"""A test hook in the flow's write path: stop at a named stage so a test can kill the run exactly there.

``tests/test_crash.py`` SIGKILLs a run at each stage of writing and checks that the
next run still writes the output of one clean run. Killing after a fixed delay
may miss the moment on a faster or slower machine; this hook makes it exact:

    CXMETRICS_TEST_PAUSE_AT=<stage>  CXMETRICS_TEST_PAUSE_MARKER=<file>

When the run reaches ``<stage>`` it writes the stage name to ``<file>`` and sleeps
until it is killed. Unset (always, outside the tests) a stage costs one lookup.

A second hook fails a write as a full or read-only folder would, wherever the run writes
(``flows.io.Staged``, under every output, cache file, text, manifest and report page), in
each process of the run, for the errors no test can cause for real as root (EROFS, EACCES,
EDQUOT) and at exact points:

    CXMETRICS_TEST_WRITE_ERROR=<errno name>:<path pattern>[:<writes that succeed first>]

e.g. ``ENOSPC:cache/*/*.json:3``: in each process the fourth cache file written fails.
"""

from __future__ import annotations

import errno
import os
import time
from fnmatch import fnmatch
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


_matched = 0


def write_fails(path: Path) -> None:
    """Raise the OSError the environment asks for, if ``path`` matches (tests only)."""
    global _matched
    spec = os.environ.get("CXMETRICS_TEST_WRITE_ERROR")
    if not spec:
        return
    name, pattern, *rest = spec.split(":")
    if fnmatch(Path(path).as_posix(), f"*/{pattern}"):
        _matched += 1
        if _matched > (int(rest[0]) if rest else 0):
            code = getattr(errno, name)
            raise OSError(code, os.strerror(code), str(path))
