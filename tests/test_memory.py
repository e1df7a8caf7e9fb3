"""Extraction leaves no reference cycles behind: a long run's memory stays flat.

A spaCy Doc whose user_data holds Spans of itself is a cycle that only a full
garbage collection frees, with the Doc's token arrays; over 10,000 articles that
grew the process by hundreds of MB. The benchmark measures the memory; this test
pins the cause.
"""

from __future__ import annotations

import gc

from pipeline.article import build_article
from pipeline.extract import extract
from tests.conftest import CORPUS


def test_extract_leaves_no_cyclic_garbage():
    path = sorted(CORPUS.glob("*.txt"))[2]
    data = path.read_bytes()
    extract(build_article(path.name, data))  # warm up: caches built once are not garbage
    gc.collect()
    gc.disable()
    try:
        result = extract(build_article(path.name, data))
        unreachable = gc.collect()
    finally:
        gc.enable()
    assert result.mentions, "the article has mentions, so the Doc was fully used"
    assert unreachable == 0, f"{unreachable} objects were only freeable by the cycle collector"
