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


@pytest.mark.usefixtures("prefect_harness")
def test_assembly_split_over_the_workers_writes_what_one_process_writes(tmp_path, monkeypatch):
    """flows/assembly.py: the articles' lines written in parts by the worker processes and
    joined in order equal one process's, with a duplicate article id (two folders, one file
    name), an editor's correction, a correction of an article that is gone, and a text."""
    import json

    import flows.extract_flow as flow_mod
    from flows.io import read_jsonl

    corpus = tmp_path / "corpus"
    (corpus / "a").mkdir(parents=True)
    (corpus / "b").mkdir()
    seeds = sorted(CORPUS.glob("*.txt"))
    for k, src in enumerate(seeds * 2):
        shutil.copy(src, corpus / "a" / f"{k:02d}_{src.name}")
    shutil.copy(seeds[0], corpus / "b" / f"00_{seeds[0].name}")  # the same article id as a/00_...
    one, two = tmp_path / "one", tmp_path / "two"
    flow_mod.extract_corpus(corpus=str(corpus), out=str(one), workers=1)
    aid = f"01_{seeds[1].stem}"
    art = next(a for a in read_jsonl(one / "articles.jsonl") if a["article_id"] == aid)
    m = next(m for m in read_jsonl(one / "metrics.jsonl") if m["article_id"] == aid)
    at = "2026-11-23T10:00:00Z"
    lines = [
        {"article_id": aid, "sha256": art["sha256"], "span": m["span"], "action": "reject", "fields": {}, "at": at},
        {"article_id": "gone", "sha256": "0" * 64, "span": {"start": 0, "end": 1}, "action": "reject", "fields": {}, "at": at},
    ]
    (corpus / "corrections.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    flow_mod.extract_corpus(corpus=str(corpus), out=str(one), workers=1)
    monkeypatch.setattr(flow_mod, "MIN_PARALLEL_ARTICLES", 2)  # split even these 11 articles
    flow_mod.extract_corpus(corpus=str(corpus), out=str(two), workers=2, batch_size=4)
    assert parallel.pool_workers() == 2
    for name in OUTPUTS + ("studies.jsonl", "findings.jsonl"):
        assert (two / name).read_bytes() == (one / name).read_bytes(), name
    reasons = [r["reason"] for r in read_jsonl(two / "rejected.jsonl")]
    assert any(r.startswith("duplicate_article_id") and "a/00_" in r for r in reasons)
    assert any(r.startswith("rejected_by_editor") for r in reasons) and any("'gone'" in r for r in reasons)
    assert sorted(p.name for p in (two / "texts").iterdir()) == sorted(p.name for p in (one / "texts").iterdir())
    assert not (two / ".cxmetrics" / "assembly").exists()

    # a worker killed during assembly: nothing was joined yet, so this process writes it all
    from concurrent.futures.process import BrokenProcessPool

    def broken(*a, **k):
        raise BrokenProcessPool("killed")

    monkeypatch.setattr(flow_mod, "_write_parts", broken)
    three = tmp_path / "three"
    flow_mod.extract_corpus(corpus=str(corpus), out=str(three), workers=2, batch_size=4)
    for name in OUTPUTS + ("studies.jsonl", "findings.jsonl"):
        assert (three / name).read_bytes() == (one / name).read_bytes(), name


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


def test_the_plan_is_new_changed_and_uncached_files(tmp_path):
    """What a run extracts (flows/plan.py): the flow and `cxmetrics run`'s early start share it."""
    import os

    from flows.io import cache_path, save_manifest
    from flows.plan import list_articles, plan
    from schemas.records import SCHEMA_VERSION

    corpus, out = tmp_path / "corpus", tmp_path / "out"
    shutil.copytree(CORPUS, corpus)
    (corpus / "corrections.jsonl").write_text("", encoding="utf-8")  # the editors' file is no article
    entries = list_articles(corpus, 10**6, None)
    assert len(entries) == 5 and plan(out, entries, "v1", full=False).new == 5  # no manifest yet
    a, b, c, d, e = entries
    for x in entries[:4]:
        cache_path(out, x.path).parent.mkdir(parents=True, exist_ok=True)
        cache_path(out, x.path).write_text("{}", encoding="utf-8")
    articles = {x.path: {"size": x.size, "mtime_ns": x.mtime_ns, "sha256": ""} for x in entries[:4]}
    articles["gone.txt"] = {"size": 1, "mtime_ns": 1, "sha256": ""}
    save_manifest(out, {"extractor_version": "v1", "schema_version": SCHEMA_VERSION, "articles": articles})
    os.utime(corpus / b.path, ns=(b.mtime_ns + 10**9, b.mtime_ns + 10**9))  # touched: size or time changed
    cache_path(out, c.path).unlink()  # its cache is gone
    cache_path(out, d.path).write_text("", encoding="utf-8")  # emptied by a power cut before the flush
    entries = list_articles(corpus, 10**6, None)
    p = plan(out, entries, "v1", full=False)
    assert [x.path for x in p.todo] == [b.path, c.path, d.path, e.path]
    assert (p.new, p.unchanged, p.deleted) == (1, 1, 1)
    assert len(plan(out, entries, "v2", full=False).todo) == 5  # another extractor: everything
    assert len(plan(out, entries, "v1", full=True).todo) == 5


@pytest.mark.usefixtures("prefect_harness")
def test_early_work_is_taken_not_done_again(tmp_path):
    """Articles extracted before Prefect is up (flows/early.py) are moved into the cache, not
    extracted again; a file that changed since is extracted anew; nothing is left behind."""
    from flows import early
    from flows.extract_flow import extract_batch
    from flows.io import cache_path, list_corpus, load_cache
    from flows.plan import work_version
    from flows.timelimit import Limits

    corpus, out = tmp_path / "corpus", tmp_path / "out"
    shutil.copytree(CORPUS, corpus)
    entries = list_corpus(corpus)
    version = work_version()
    early.start(corpus, out, [entries], 2, 10**6, version, Limits(parse_seconds=30.0))
    staging = out / ".cxmetrics" / f"early-{__import__('os').getpid()}"
    # one article changes after the early start saw it: the flow's listing differs
    changed = corpus / entries[0].path
    changed.write_text(changed.read_text(encoding="utf-8") + "\nNog 12 procent erbij.\n", encoding="utf-8")
    now = list_corpus(corpus)
    claimed = early.claim(corpus, out, now, 10**6, version, Limits(parse_seconds=30.0))
    assert sorted(claimed) == sorted(e.path for e in entries[1:])
    assert early.claim(corpus, out, now, 10**6, "another-version", Limits(parse_seconds=30.0)) == {}
    summaries = extract_batch.fn(str(corpus), str(out), now, 10**6, version, Limits(parse_seconds=30.0), 2)
    assert [s["path"] for s in summaries] == [e.path for e in now]
    fresh = load_cache(cache_path(out, now[0].path))
    assert fresh["size"] == now[0].size and "Nog 12 procent erbij" in fresh["text"]
    assert all(load_cache(cache_path(out, e.path))["size"] == e.size for e in now)
    early.discard()
    assert not staging.exists()


def test_staging_folders_of_gone_processes_are_removed(tmp_path):
    import os
    import subprocess
    import sys

    from flows import early

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    state = tmp_path / ".cxmetrics"
    dead, alive = state / f"early-{gone.stdout.strip()}", state / f"early-{os.getpid()}"
    for d in (dead, alive):
        (d / "x").mkdir(parents=True)
    early.remove_stale(tmp_path)
    assert not dead.exists() and alive.exists()


@pytest.mark.usefixtures("prefect_harness")
def test_a_run_that_starts_early_writes_what_one_process_writes(tmp_path):
    from flows.cli import main

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for k, src in enumerate(sorted(CORPUS.glob("*.txt")) * 2):
        shutil.copy(src, corpus / f"{k:02d}_{src.name}")
    one, two = tmp_path / "one", tmp_path / "two"
    assert main(["run", "--corpus", str(corpus), "--out", str(one), "--no-report", "--workers", "1"]) == 0
    assert main(["run", "--corpus", str(corpus), "--out", str(two), "--no-report", "--workers", "2", "--batch-size", "3"]) == 0
    for name in OUTPUTS + ("studies.jsonl", "findings.jsonl"):
        assert (two / name).read_bytes() == (one / name).read_bytes(), name
    assert not list((two / ".cxmetrics").glob("early-*"))


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


def test_the_rate_is_of_extraction_alone():
    """What comes after the last batch (writing the output) is not counted in the rate."""
    now = [100.0]
    out = io.StringIO()
    p = Progress(stream=out, clock=lambda: now[0])
    p(0, 200)
    now[0] += 2.0
    p(200, 200)
    now[0] += 30.0  # assembly
    p.close()
    assert out.getvalue().strip() == "cxmetrics: extracted 200 articles in 2.0 s (100 articles/s)"


def test_the_rate_counts_from_an_early_start():
    """Articles extracted before the flow began (flows/early.py) count from when that began."""
    now = [100.0]
    out = io.StringIO()
    p = Progress(stream=out, clock=lambda: now[0])
    p.early = 95.0
    p(0, 200)
    now[0] += 3.0
    p(200, 200)
    p.close()
    assert out.getvalue().strip() == "cxmetrics: extracted 200 articles in 8.0 s (25 articles/s)"


def test_short_runs_say_nothing():
    out = io.StringIO()
    p = Progress(stream=out)
    p(0, MIN_ARTICLES - 1)
    p(MIN_ARTICLES - 1, MIN_ARTICLES - 1)
    p.close()
    assert out.getvalue() == ""
