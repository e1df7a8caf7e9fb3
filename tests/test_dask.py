"""Scale-out: a run on a local Dask cluster with two workers writes the same output as a local run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flows.dask_runner import dask_task_runner
from flows.extract_flow import OUTPUT_FILES

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.slow]


def test_dask_output_identical_to_local(corpus_copy, tmp_path):
    from flows.extract_flow import extract_corpus

    for f in (Path(__file__).parent / "studies_corpus").glob("*.txt"):  # a study two articles report (issue 12)
        shutil.copy(f, corpus_copy / f.name)
    local, dask = tmp_path / "local", tmp_path / "dask"
    extract_corpus(corpus=str(corpus_copy), out=str(local))
    on_dask = extract_corpus.with_options(task_runner=dask_task_runner("local"))
    summary = on_dask(corpus=str(corpus_copy), out=str(dask), batch_size=2)  # 4 batches over 2 workers
    assert summary["processed"] == 8
    assert any(line.count('"article_ids":["a_klantwacht","b_servicenieuws"]') for line in (dask / "studies.jsonl").open())
    for name in OUTPUT_FILES:  # metrics, articles, rejected, studies, findings
        assert (dask / name).read_bytes() == (local / name).read_bytes(), name
