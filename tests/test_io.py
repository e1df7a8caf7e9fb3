"""Atomic writes and the run lock."""

from __future__ import annotations

import json

import pytest

from flows.io import RunError, atomic_write_lines, atomic_writer, list_corpus, run_lock


def test_atomic_write_replaces_whole_file(tmp_path):
    path = tmp_path / "metrics.jsonl"
    atomic_write_lines(path, [{"a": "é"}, {"b": 2}])
    assert path.read_text(encoding="utf-8") == '{"a":"é"}\n{"b":2}\n'  # real characters, no \u escapes


def test_crash_mid_write_leaves_old_file_and_no_temp(tmp_path):
    path = tmp_path / "metrics.jsonl"
    atomic_write_lines(path, [{"old": 1}])

    def boom():
        yield {"new": 1}
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        atomic_write_lines(path, boom())
    assert json.loads(path.read_text()) == {"old": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.jsonl"]


def test_reader_never_sees_partial_file(tmp_path):
    path = tmp_path / "f.jsonl"
    atomic_write_lines(path, [{"v": 0}])
    with atomic_writer(path) as fh:
        fh.write('{"v": 1}\n')
        fh.flush()
        assert path.read_text() == '{"v":0}\n'  # still the old complete file while writing
    assert path.read_text() == '{"v": 1}\n'


def test_second_run_on_same_output_fails_clearly(tmp_path):
    with run_lock(tmp_path):
        with pytest.raises(RunError, match="another cxmetrics run"):
            with run_lock(tmp_path, wait_seconds=0.3):
                pass
    with run_lock(tmp_path):  # released
        pass


def test_list_corpus_flags_problems_without_reading(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("x")
    (corpus / "b.odt").write_bytes(b"PK\x03\x04")
    (corpus / "big.txt").write_bytes(b"x" * 100)
    (tmp_path / "secret.txt").write_text("geheim")
    (corpus / "link.txt").symlink_to(tmp_path / "secret.txt")
    (corpus / ".hidden.txt").write_text("x")
    entries = {e.path: e.problem for e in list_corpus(corpus, max_bytes=50)}
    assert entries["a.txt"] is None
    assert entries["b.odt"].startswith("unsupported_extension")
    assert entries["big.txt"].startswith("too_large")
    assert entries["link.txt"].startswith("symlink_outside_corpus")
    assert ".hidden.txt" not in entries


def test_missing_corpus_is_a_run_error(tmp_path):
    with pytest.raises(RunError, match="does not exist"):
        list_corpus(tmp_path / "nope")


def test_written_files_get_the_usual_mode_not_mkstemp_private(tmp_path):
    # mkstemp creates 0600 files; downstream readers running as another user
    # (a dashboard, a cron job) must be able to read the output like any file.
    import flows.io as io_mod

    path = tmp_path / "metrics.jsonl"
    atomic_write_lines(path, [{"v": 1}])
    assert path.stat().st_mode & 0o777 == 0o666 & ~io_mod._UMASK


def _listed(tmp_path, text: str, max_bytes: int = 5_000_000):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(text, encoding="utf-8")
    (entry,) = list_corpus(corpus, max_bytes)
    return corpus, entry


def test_file_that_vanishes_after_listing_is_quarantined(tmp_path):
    from flows.extract_flow import process_entry

    corpus, entry = _listed(tmp_path, "Titel\n\n64 procent van de klanten belt.\n")
    (corpus / "a.txt").unlink()
    res = process_entry(corpus, entry, 5_000_000)
    assert res["article"]["status"] == "rejected"
    assert res["article"]["error"].startswith("vanished")
    assert res["rejections"][0]["level"] == "article"


def test_file_changed_after_listing_is_read_as_it_is_now(tmp_path):
    # the hash and the records describe the same bytes: the ones actually read
    import hashlib

    from flows.extract_flow import process_entry

    corpus, entry = _listed(tmp_path, "Titel\n\n64 procent van de klanten belt.\n")
    new = "Titel\n\nNu belt 71 procent van de klanten.\n"
    (corpus / "a.txt").write_text(new, encoding="utf-8")
    res = process_entry(corpus, entry, 5_000_000)
    assert res["article"]["sha256"] == hashlib.sha256(new.encode()).hexdigest()
    assert [m["text"] for m in res["mentions"]] == ["71 procent"]
    assert all(new[m["span"]["start"] : m["span"]["end"]] == m["text"] for m in res["mentions"])


def test_file_that_grows_past_the_limit_after_listing_is_quarantined(tmp_path):
    from flows.extract_flow import process_entry

    corpus, entry = _listed(tmp_path, "Titel\n\nkort.\n", max_bytes=100)
    (corpus / "a.txt").write_text("Titel\n\n" + "64 procent. " * 50, encoding="utf-8")
    res = process_entry(corpus, entry, 100)
    assert res["article"]["status"] == "rejected"
    assert res["article"]["error"].startswith("too_large")
