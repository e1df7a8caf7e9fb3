"""Every Prefect setting cxmetrics makes, in one place.

Prefect reads its settings from the environment when it is imported, so these are
applied before the first ``import prefect``: by the command line (``flows.cli``),
the tests (``tests/conftest.py``), the benchmark (``bench/run_bench.py``), and for
the local server that ``cxmetrics serve`` starts (``flows.serve``). A value already
in the environment wins: a user can still say otherwise.

This module must not import Prefect.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from pathlib import Path

PREFECT_SETTINGS: dict[str, str] = {
    # measured here: the temporary server takes 8-19 s to start, close to Prefect's 20 s default
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    # no usage data from the server (its telemetry service can also hold the SQLite
    # database at exit: "database is locked")
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # ... nor from the client. Prefect 3.8.8 has no PREFECT_* setting for its SDK
    # telemetry: it honours the DO_NOT_TRACK convention (prefect/_internal/analytics/
    # enabled.py), which also keeps its first-run "collects anonymous usage data"
    # notice off a user's terminal
    "DO_NOT_TRACK": "1",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_LOGGING_TO_API_ENABLED": "false",
}


def apply_prefect_settings(environ: MutableMapping[str, str] | None = None, home: Path | str | None = None) -> MutableMapping[str, str]:
    """Set every setting not already set in ``environ`` (default: this process's environment).

    ``home`` sets ``PREFECT_HOME`` (always: the tests' and the local server's own folder).
    """
    env = os.environ if environ is None else environ
    for name, value in PREFECT_SETTINGS.items():
        env.setdefault(name, value)
    if home is not None:
        env["PREFECT_HOME"] = str(home)
    return env


def local_server_env(home: Path) -> dict[str, str]:
    """The environment of a ``prefect server start`` process with its database under ``home``."""
    env = apply_prefect_settings(dict(os.environ), home=home)
    env.pop("PREFECT_API_URL", None)  # the server must not think it is a client of another one
    return env
