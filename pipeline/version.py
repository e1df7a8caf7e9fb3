"""The cache key of extraction (``extractor_version``), in a module of its own.

Why apart from ``pipeline.extract``: ``cxmetrics run`` computes the key before Prefect is
up, to plan and start the run's extraction early (``flows/early.py``), and the main process
has no need for spaCy; this module imports nothing heavier than the schema.
"""

from __future__ import annotations

import hashlib
import platform
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from schemas.records import SCHEMA_VERSION

CODE_VERSION = "1"  # bump when extraction code changes behaviour; rule files are hashed in


# What the cache key reads: every project file that runs or is read while an article is
# extracted (globs under the project root: the flow code reads, quarantines and builds the
# records the per-article cache stores; a new module counts unless listed as not taking
# part), and the libraries extraction calls.
KEY_ROOT = Path(__file__).resolve().parent.parent
KEY_FILES = ("pipeline/**/*.py", "pipeline/rules/*.yaml", "schemas/*.py", "flows/*.py")
KEY_NOT_EXTRACTION = (
    "flows/cli.py", "flows/dask_runner.py", "flows/serve.py", "flows/settings.py", "flows/testhooks.py",
    "flows/export.py", "flows/parallel.py", "flows/progress.py", "flows/watch.py",
    "flows/warm.py", "flows/plan.py", "flows/early.py",
)
KEY_LIBRARIES = ("spacy", "text2num", "dateparser", "pydantic", "pydantic-core", "pyyaml", "wordfreq")


@lru_cache(maxsize=1)
def extractor_version() -> str:
    """The cache key: changes whenever anything that can change the output changes.

    That is the extraction code (all of ``pipeline/``, the rule loader included, and
    the flow code that reads articles and builds their records), the rule files, the
    schema (``schemas/``: validation limits reject mentions), the versions of the
    libraries extraction calls, and Python's (its ``re``). Files are hashed by path and
    content, so adding, renaming or deleting one counts too.
    """
    h = hashlib.sha256(f"{CODE_VERSION}|{SCHEMA_VERSION}|python {platform.python_version()}".encode())
    paths = {p for pattern in KEY_FILES for p in KEY_ROOT.glob(pattern) if p.is_file()}
    paths -= {KEY_ROOT / rel for rel in KEY_NOT_EXTRACTION}
    for path in sorted(paths, key=lambda p: p.relative_to(KEY_ROOT).as_posix()):
        h.update(f"\0file {path.relative_to(KEY_ROOT).as_posix()}\0".encode())
        h.update(path.read_bytes())
    for lib in KEY_LIBRARIES:
        try:
            version = metadata.version(lib)
        except metadata.PackageNotFoundError:
            version = "absent"
        h.update(f"\0lib {lib} {version}".encode())
    return h.hexdigest()[:16]
