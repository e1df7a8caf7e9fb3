"""The Prefect flow end to end: corpus in, three validated JSONL files out."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import jsonschema
import pytest

from flows.io import load_manifest, read_jsonl, save_manifest
from schemas.export import SCHEMA_DIR

from .conftest import run_flow

pytestmark = pytest.mark.usefixtures("prefect_harness")

OUTPUTS = ("metrics.jsonl", "articles.jsonl", "rejected.jsonl")


def snapshot(out: Path) -> dict[str, bytes]:
    return {n: (out / n).read_bytes() for n in OUTPUTS}


def add_bad_files(corpus: Path) -> None:
    (corpus / "leeg.txt").write_bytes(b"")
    (corpus / "spaties.txt").write_bytes(b"  \n \t\n")
    (corpus / "plaatje.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    (corpus / "windows 1252 é.txt").write_bytes("Café-onderzoek\nUit onderzoek van Motivaction blijkt dat 64 procent ‘tevreden’ is.".encode("cp1252"))
    (corpus / "kapot.txt").write_bytes(b"Titel\n\x81\x8d\x8f\x90\x9d")
    (corpus / "notities.odt").write_bytes(b"PK\x03\x04")
    (corpus / "groot.txt").write_bytes(b"a" * 30000)
    secret = corpus.parent / "buiten.txt"
    secret.write_text("Titel\n99 procent")
    (corpus / "link.txt").symlink_to(secret)


def test_corpus_end_to_end_with_bad_input(corpus_copy, tmp_path):
    add_bad_files(corpus_copy)
    out = tmp_path / "out"
    summary = run_flow(corpus_copy, out, max_bytes=20000)
    articles = {a["path"]: a for a in read_jsonl(out / "articles.jsonl")}
    assert summary["ok"] == 6 and summary["rejected_articles"] == 7
    expect = {
        "leeg.txt": "empty",
        "spaties.txt": "empty",
        "plaatje.txt": "binary",
        "kapot.txt": "undecodable",
        "notities.odt": "unsupported_extension",
        "groot.txt": "too_large",
        "link.txt": "symlink_outside_corpus",
    }
    for path, code in expect.items():
        assert articles[path]["status"] == "rejected" and articles[path]["error"].startswith(code), articles[path]
    cp = articles["windows 1252 é.txt"]
    assert cp["status"] == "ok" and cp["encoding"] == "cp1252" and cp["n_mentions"] == 1
    rejected = read_jsonl(out / "rejected.jsonl")
    assert {r["path"] for r in rejected if r["level"] == "article"} >= set(expect)

    schema = json.loads((SCHEMA_DIR / "metric_mention.schema.json").read_text())
    texts = {}
    for m in read_jsonl(out / "metrics.jsonl"):
        jsonschema.validate(m, schema)
        aid = m["article_id"]
        if aid not in texts:
            src = next(p for p in corpus_copy.iterdir() if p.stem == aid)
            raw = src.read_bytes()
            texts[aid] = raw.decode("utf-8") if aid != "windows 1252 é" else raw.decode("cp1252")
        assert texts[aid][m["span"]["start"] : m["span"]["end"]] == m["text"]
    keys = [(m["article_id"], m["span"]["start"]) for m in read_jsonl(out / "metrics.jsonl")]
    assert keys == sorted(keys)
    assert "\\u00e9" not in (out / "articles.jsonl").read_text(encoding="utf-8")


def test_rerun_is_byte_identical_and_does_no_work(corpus_copy, tmp_path):
    out = tmp_path / "out"
    run_flow(corpus_copy, out)
    first = snapshot(out)
    again = run_flow(corpus_copy, out)
    assert snapshot(out) == first
    assert again["processed"] == 0 and again["unchanged"] == 5
    other = tmp_path / "out2"
    run_flow(corpus_copy, other, full=True)
    assert snapshot(other) == first  # same ids, same order, no run-dependent values


def test_incremental_equals_full_run(corpus_copy, tmp_path):
    out = tmp_path / "out"
    run_flow(corpus_copy, out)
    files = sorted(corpus_copy.glob("*.txt"))
    files[0].unlink()  # deleted
    changed = files[1]
    changed.write_text(changed.read_text(encoding="utf-8") + "\nUit onderzoek van Gartner blijkt dat 12 procent twijfelt.", encoding="utf-8")
    (corpus_copy / "nieuw.md").write_text("Nieuw\nVolgens Motivaction wil 40 procent bellen.", encoding="utf-8")
    touched = files[2]
    os.utime(touched, (time.time() + 5, time.time() + 5))  # stat changed, bytes the same
    s = run_flow(corpus_copy, out)
    assert (s["new"], s["changed"], s["deleted"]) == (1, 1, 1)
    assert s["processed"] == 3
    fresh = tmp_path / "fresh"
    run_flow(corpus_copy, fresh, full=True)
    assert snapshot(out) == snapshot(fresh)
    ids = {a["article_id"] for a in read_jsonl(out / "articles.jsonl")}
    assert files[0].stem not in ids and "nieuw" in ids


def test_new_extractor_version_invalidates_cache(corpus_copy, tmp_path):
    out = tmp_path / "out"
    run_flow(corpus_copy, out)
    manifest = load_manifest(out)
    manifest["extractor_version"] = "older-rules"
    save_manifest(out, manifest)
    s = run_flow(corpus_copy, out)
    assert s["processed"] == 5


def test_deleted_manifest_only_costs_time(corpus_copy, tmp_path):
    out = tmp_path / "out"
    run_flow(corpus_copy, out)
    first = snapshot(out)
    (out / ".cxmetrics" / "manifest.json").unlink()
    shutil.rmtree(out / ".cxmetrics" / "cache")
    run_flow(corpus_copy, out)
    assert snapshot(out) == first


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="names fsynced files through /proc")
def test_per_article_files_are_flushed_once_before_the_manifest(corpus_copy, tmp_path, monkeypatch):
    """Cache files and stored texts are written atomically without an fsync each; the run
    flushes them all with one call before it saves the manifest that names them. The output
    files and the manifest keep their own fsync."""
    import flows.extract_flow as ef
    import flows.io as fio

    out = tmp_path / "out"
    synced: list[str] = []
    events: list[tuple[str, bool]] = []
    real_fsync = os.fsync

    def fsync(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        return real_fsync(fd)

    monkeypatch.setattr(fio.os, "fsync", fsync)
    monkeypatch.setattr(ef, "flush_writes", lambda: events.append(("flush", (out / ".cxmetrics" / "manifest.json").exists())))
    run_flow(corpus_copy, out)
    assert events == [("flush", False)]  # once, before the manifest was written
    names = [Path(p).name for p in synced]
    assert not [p for p in synced if "/cache/" in p or "/texts/" in p]
    assert len(list((out / ".cxmetrics" / "cache").rglob("*.json"))) == 5 and len(list((out / "texts").iterdir())) == 5
    for name in ("metrics.jsonl", "articles.jsonl", "studies.jsonl", "manifest.json"):
        assert any(n.startswith(f".{name}.") for n in names), name  # the temp file, fsynced before the rename
    events.clear()
    run_flow(corpus_copy, out)  # nothing changed: nothing written, nothing to flush
    assert events == []
