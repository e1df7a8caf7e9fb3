"""Both cores: a run split over worker processes writes the same bytes as one process,
and long runs show their progress (flows/parallel.py, flows/progress.py)."""

from __future__ import annotations

import io
import shutil

import pytest

from flows import parallel
from flows.progress import MIN_ARTICLES, Progress
from tests.conftest import CORPUS

OUTPUTS = ("metrics.jsonl", "articles.jsonl", "rejected.jsonl")


@pytest.mark.usefixtures("prefect_harness")
def test_two_processes_write_what_one_writes(tmp_path):
    from flows.extract_flow import extract_corpus

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for k, src in enumerate(sorted(CORPUS.glob("*.txt")) * 2):  # 10 articles, a bad one among them
        shutil.copy(src, corpus / f"{k:02d}_{src.name}")
    (corpus / "leeg.txt").write_text("  \n", encoding="utf-8")
    one, two = tmp_path / "one", tmp_path / "two"
    s1 = extract_corpus(corpus=str(corpus), out=str(one), workers=1)
    pids_before = _worker_pids()
    s2 = extract_corpus(corpus=str(corpus), out=str(two), workers=2, batch_size=4)  # 3 batches, each over 2 processes
    assert _worker_pids() - pids_before, "no worker process took part"
    assert s1["processed"] == s2["processed"] == 11 and s2["rejected_articles"] == 1
    for name in OUTPUTS:
        assert (two / name).read_bytes() == (one / name).read_bytes(), name
    # an incremental run after that is unaffected by how the cold one was split
    (corpus / "03_extra.txt").write_text("Nieuw\n\nBij 23 procent van de klanten ging het mis.\n", encoding="utf-8")
    extract_corpus(corpus=str(corpus), out=str(one), workers=1)
    extract_corpus(corpus=str(corpus), out=str(two), workers=2)
    for name in OUTPUTS:
        assert (two / name).read_bytes() == (one / name).read_bytes(), name


def _worker_pids() -> set[int]:
    pool = parallel._pool
    return set(pool._processes) if pool is not None else set()


def test_how_many_processes():
    assert parallel.workers_for(10) == 1  # a few articles: starting workers costs more than it saves
    assert parallel.workers_for(5000) == parallel.available_cores()
    assert parallel.workers_for(3, requested=8) == 3  # never more processes than articles
    assert parallel.workers_for(0, requested=2) == 1
    assert parallel.split(list(range(7)), 3) == [[0, 1, 2], [3, 4], [5, 6]]
    assert parallel.split([1], 4) == [[1]]


def test_expected_work_counts_new_and_changed_files(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    assert parallel.expected_work(corpus, tmp_path / "out", full=False, max_bytes=10**6) == 5  # no manifest yet


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_shows_done_total_and_rate():
    out = _Terminal()
    p = Progress(stream=out)
    p(0, 200)
    p(100, 200)
    p(200, 200)
    p.close()
    text = out.getvalue()
    assert "200/200" in text and "articles/s" in text


def test_progress_elsewhere_is_one_line_at_the_end():
    out = io.StringIO()
    p = Progress(stream=out)
    for done in (0, 100, 200):
        p(done, 200)
    assert out.getvalue() == ""
    p.close()
    (line,) = out.getvalue().splitlines()
    assert line.startswith("cxmetrics: extracted 200 articles in ") and "articles/s" in line


def test_short_runs_say_nothing():
    out = io.StringIO()
    p = Progress(stream=out)
    p(0, MIN_ARTICLES - 1)
    p(MIN_ARTICLES - 1, MIN_ARTICLES - 1)
    p.close()
    assert out.getvalue() == ""
