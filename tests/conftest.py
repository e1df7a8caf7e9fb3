"""Shared fixtures. Prefect runs against one temporary server for the whole session,
with its home in a temp folder (never the user's ~/.prefect)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from flows.settings import apply_prefect_settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
GOLD = ROOT.parent / "shared" / "gold"

# the project's Prefect settings (flows/settings.py), with a home of the session's own
_PREFECT_HOME = tempfile.mkdtemp(prefix="cxmetrics-prefect-home-")
apply_prefect_settings(home=_PREFECT_HOME)


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def run_flow(corpus: Path, out: Path, **kw) -> dict:
    """The extraction flow on a corpus folder, as a scheduled or manual run calls it."""
    from flows.extract_flow import extract_corpus

    return extract_corpus(corpus=str(corpus), out=str(out), **kw)


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "corpus"
    shutil.copytree(CORPUS, dst)
    return dst


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_PREFECT_HOME, ignore_errors=True)


def chromium_and_playwright():
    """Headless Chromium and playwright for the browser tests, or a skip that says what is missing."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("no chromium installed (Debian package 'chromium'); .ci/run installs it")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed")
    return chromium, sync_playwright
