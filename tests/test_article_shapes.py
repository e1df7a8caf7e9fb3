"""Hostile article shapes never stop a run (issue 24): property-based, through the flow.

Hypothesis builds the shapes that made extraction quadratic or could: very long sentences,
tables of numbers (a PDF's text layer without full stops), deep nesting of brackets and
quotes, long runs of capitalised words, and mixtures. Each example is dropped into a small
corpus beside two seed articles and the flow runs under the run's limits; it must end,
write both seed articles exactly as a run without the odd one does, and leave the odd one
extracted (every span exact) or quarantined with a coded reason. How long a shape takes is
the benchmark's (``bench/limits_bench.py``), not an assertion.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import CORPUS, run_flow

pytestmark = pytest.mark.usefixtures("prefect_harness")

SEEDS = sorted(CORPUS.glob("*.txt"))[:2]
FIGURES = ["64 procent", "12,5%", "+13", "2,9 keer", "€ 2,5 miljoen", "7,5", "1.359", "45 minuten", "een derde", "38/62"]
WORDS = ["klanten", "tevreden", "de", "wachttijd", "steeg", "van", "naar", "in", "2023", "volgens", "onderzoek"]
CAPS = ["Zendesk", "Gartner", "Klant", "Service", "Rapport", "Onderzoek", "Van", "De", "Nederland", "Bank", "KPN", "NS"]
OPEN, CLOSE = "([{“‘'\"«", ")]}”’'\"»"

cell = st.sampled_from(FIGURES + WORDS)
long_sentence = st.lists(cell, min_size=200, max_size=4000).map(lambda ws: "Samenvatting " + " ".join(ws) + "\n")
table = st.builds(
    lambda rows, cols, sep, nl: nl.join(sep.join(f"{(r * 7 + c * 13) % 97},{c}%" for c in range(cols)) for r in range(rows)) + "\n",
    st.integers(1, 300), st.integers(1, 40), st.sampled_from([" ", " | ", "\t", "  ", ";"]), st.sampled_from(["\n", " ", "\n\n"]),
)
nesting = st.builds(
    lambda depth, core, seed: "".join(OPEN[(seed + k) % len(OPEN)] for k in range(depth)) + core
    + "".join(CLOSE[(seed + k) % len(CLOSE)] for k in reversed(range(depth))) + "\n",
    st.integers(10, 6000), st.sampled_from(["volgens Gartner 64 procent", "12%", "", "Zendesk meldt +13"]), st.integers(0, 7),
)
capitalised = st.lists(st.sampled_from(CAPS + FIGURES), min_size=100, max_size=5000).map(lambda ws: " ".join(ws) + "\n")
shape = st.one_of(long_sentence, table, nesting, capitalised,
                  st.lists(st.one_of(long_sentence, table, nesting, capitalised), min_size=2, max_size=3).map("\n".join))

_REFERENCE: dict[str, dict] = {}


def _articles(out: Path) -> dict[str, dict]:
    return {a["path"]: a for a in map(json.loads, (out / "articles.jsonl").read_text(encoding="utf-8").splitlines())}


def _mentions(out: Path, path: str) -> list[str]:
    aid = Path(path).stem
    return [line for line in (out / "metrics.jsonl").read_text(encoding="utf-8").splitlines() if json.loads(line)["article_id"] == aid]


def _corpus(root: Path) -> Path:
    corpus = root / "corpus"
    corpus.mkdir()
    for p in SEEDS:
        shutil.copy(p, corpus / p.name)
    return corpus


def _reference() -> dict:
    """The seed articles' lines from a run without the odd article, made once."""
    if not _REFERENCE:
        root = Path(tempfile.mkdtemp(prefix="cxmetrics-shapes-"))
        try:
            out = root / "out"
            run_flow(_corpus(root), out)
            _REFERENCE.update({p.name: _mentions(out, p.name) for p in SEEDS})
        finally:
            shutil.rmtree(root, ignore_errors=True)
    return _REFERENCE


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(shape)
def test_a_hostile_shape_never_stops_the_run(text):
    reference = _reference()
    root = Path(tempfile.mkdtemp(prefix="cxmetrics-shapes-"))
    try:
        corpus, out = _corpus(root), root / "out"
        (corpus / "vreemd.txt").write_text(text, encoding="utf-8")
        # limits a hostile shape may meet; the seed articles are far inside them
        summary = run_flow(corpus, out, extract_seconds=60.0, max_chars=100_000, max_memory_mb=800)
        got = _articles(out)
        assert summary["articles"] == 3
        for p in SEEDS:
            assert got[p.name]["status"] == "ok" and _mentions(out, p.name) == reference[p.name]
        odd = got["vreemd.txt"]
        if odd["status"] == "ok":
            stored = (out / odd["text_path"]).read_text(encoding="utf-8")
            for line in _mentions(out, "vreemd.txt"):
                m = json.loads(line)
                assert stored[m["span"]["start"] : m["span"]["end"]] == m["text"]
        else:
            assert re.fullmatch(r"[a-z_]+: \S.*", odd["error"]), odd["error"]
            rejected = [json.loads(line) for line in (out / "rejected.jsonl").read_text(encoding="utf-8").splitlines()]
            assert any(r["path"] == "vreemd.txt" and r["level"] == "article" and r["reason"] == odd["error"] for r in rejected)
    finally:
        shutil.rmtree(root, ignore_errors=True)
