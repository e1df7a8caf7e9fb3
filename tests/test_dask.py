"""Scale-out: a run on a local Dask cluster with two workers writes the same output as a local run."""

from __future__ import annotations

import pytest

from flows.dask_runner import dask_task_runner

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.slow]


def test_dask_output_identical_to_local(corpus_copy, tmp_path):
    from flows.extract_flow import extract_corpus

    local, dask = tmp_path / "local", tmp_path / "dask"
    extract_corpus(corpus=str(corpus_copy), out=str(local))
    on_dask = extract_corpus.with_options(task_runner=dask_task_runner("local"))
    summary = on_dask(corpus=str(corpus_copy), out=str(dask), batch_size=2)  # 3 batches over 2 workers
    assert summary["processed"] == 5
    for name in ("metrics.jsonl", "articles.jsonl", "rejected.jsonl"):
        assert (dask / name).read_bytes() == (local / name).read_bytes(), name
