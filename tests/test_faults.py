"""No single file can stop a run, and a full or read-only output folder leaves nothing behind (issue 24).

Each case through the real command (``python -m flows.cli run``, as a user types it) on
real files, against the session's Prefect server so the runs stay quick:

- articles over a limit (too long, too slow, too much memory) are quarantined with their
  code and reason while every other article is written; under other limits they are
  extracted again, and the run equals a full one;
- a full disk mid-run (a real tmpfs, where the machine lets the test mount one) and the
  write errors no test can cause for real as root (read-only, no permission, over quota,
  injected at exact points by ``flows.testhooks``): one line on stderr naming the folder
  and what failed, exit 2, the previous output byte-identical, no temp or staging file
  left; with space again the next run equals a full one.

What a kill leaves is ``tests/test_no_orphans.py``. Times and memory are the benchmark's
(``bench/limits_bench.py``), not assertions here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import CORPUS, ROOT, run_flow

pytestmark = pytest.mark.usefixtures("prefect_harness")

OUTPUTS = ("metrics.jsonl", "articles.jsonl", "rejected.jsonl", "studies.jsonl", "findings.jsonl")
SEEDS = sorted(CORPUS.glob("*.txt"))


def cxmetrics(*args: str, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    from prefect.settings import PREFECT_API_URL

    env = dict(os.environ, PREFECT_API_URL=PREFECT_API_URL.value(), **(extra_env or {}))
    return subprocess.run([sys.executable, "-m", "flows.cli", "run", "--no-report", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def articles(out: Path) -> dict[str, dict]:
    return {a["path"]: a for a in map(json.loads, (out / "articles.jsonl").read_text(encoding="utf-8").splitlines())}


def outputs(out: Path) -> dict[str, bytes]:
    return {n: (out / n).read_bytes() for n in OUTPUTS}


def snapshot(out: Path) -> dict[str, bytes]:
    files = {n: (out / n).read_bytes() for n in OUTPUTS}
    files["manifest"] = (out / ".cxmetrics" / "manifest.json").read_bytes()
    return files


def leftovers(out: Path) -> list[str]:
    """Temp files and staging folders anywhere under the output folder."""
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                  if p.name.endswith(".tmp") or p.name.startswith(("early-", ".probe-")) or p.name == "assembly")


def table(n_figures: int) -> str:
    """A PDF table without full stops, as its text layer reads: one 'sentence' of figures."""
    cells = ["64 procent", "12,5%", "+13", "2,9 keer", "€ 2,5 miljoen", "7,5", "1.359", "45 minuten"]
    rows = " ".join(f"regio{k % 12} Q{k % 4 + 1} {cells[k % len(cells)]}" for k in range(n_figures))
    return f"Tabel 4 Klanttevredenheid per regio\n\n{rows}\n"


def long_report(n_chars: int) -> str:
    """Ordinary text, many sentences: the seed articles one after another."""
    seeds = [p.read_text(encoding="utf-8") for p in SEEDS]
    parts, size = [], 0
    while size < n_chars:
        parts.append(seeds[len(parts) % len(seeds)])
        size += len(parts[-1]) + 2
    return "\n\n".join(parts)


def seed_corpus(dst: Path, n: int = 3) -> Path:
    dst.mkdir(parents=True)
    for p in SEEDS[:n]:
        shutil.copy(p, dst / p.name)
    return dst


# --------------------------------------------------------------------------- limits


def test_articles_over_the_length_and_time_limits_are_quarantined_and_the_run_goes_on(tmp_path):
    corpus = seed_corpus(tmp_path / "corpus")
    (corpus / "jaarverslag.txt").write_text(long_report(120_000), encoding="utf-8")
    (corpus / "tabel.txt").write_text(table(3_000), encoding="utf-8")  # 3,000 figures: seconds to extract
    out = tmp_path / "out"
    r = cxmetrics("--corpus", str(corpus), "--out", str(out), "--max-chars", "100000", "--extract-seconds", "0.5")
    assert r.returncode == 0, r.stderr
    got = articles(out)
    assert all(got[p.name]["status"] == "ok" and got[p.name]["n_mentions"] > 0 for p in SEEDS[:3])
    n_chars = len((corpus / "jaarverslag.txt").read_text(encoding="utf-8"))
    assert got["jaarverslag.txt"]["error"] == f"too_long: the text is {n_chars:,} characters, over the limit of 100,000; not extracted"
    assert got["tabel.txt"]["error"] == "too_slow: extracting its figures took longer than 0.5 s; stopped"
    rejected = [json.loads(line) for line in (out / "rejected.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["path"]: r["reason"].split(":")[0] for r in rejected if r["level"] == "article"} == {
        "jaarverslag.txt": "too_long", "tabel.txt": "too_slow"}
    assert leftovers(out) == []

    # under the default limits both are extracted (the manifest remembers the limits): the same as a full run
    again = run_flow(corpus, out)
    got = articles(out)
    assert again["processed"] == 2 and got["jaarverslag.txt"]["status"] == "ok" and got["tabel.txt"]["status"] == "ok"
    assert got["tabel.txt"]["n_mentions"] > 1_000
    full = tmp_path / "full"
    run_flow(corpus, full, full=True)
    assert outputs(out) == outputs(full)


def test_an_article_over_the_memory_limit_is_too_big_and_the_run_goes_on(tmp_path):
    corpus = seed_corpus(tmp_path / "corpus", 1)
    # a million characters of one-letter words: spaCy's tokens and ours take about 220 MB
    # beyond the ~130 MB the child has with the pipeline loaded (measured: 341 MB peak)
    (corpus / "woorden.txt").write_text("a " * 500_000, encoding="utf-8")
    out = tmp_path / "out"
    r = cxmetrics("--corpus", str(corpus), "--out", str(out), "--max-memory", "250")
    assert r.returncode == 0, r.stderr
    got = articles(out)
    assert got[SEEDS[0].name]["status"] == "ok"
    assert got["woorden.txt"]["error"] == "too_big: extracting its figures needed more than 250 MB of memory; stopped"


def test_limits_that_are_not_numbers_are_usage_errors(tmp_path):
    for args, message in [
        (["--max-chars", "0"], "argument --max-chars: must be at least 1, got 0"),
        (["--extract-seconds", "soon"], "argument --extract-seconds: expected a number, got 'soon'"),
        (["--max-memory", "10"], "argument --max-memory: must be at least 64, got 10"),
    ]:
        r = subprocess.run([sys.executable, "-m", "flows.cli", "run", "--out", str(tmp_path / "out"), *args],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert r.returncode == 2 and r.stderr == f"cxmetrics: error: {message} (see `cxmetrics run --help`)\n"
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- a folder that refuses writes


def _changed_corpus(corpus: Path) -> None:
    """A new article and a changed one: the next run must rewrite every output."""
    (corpus / "nieuw.txt").write_text("Nieuw onderzoek\n\nVolgens Ipsos is 41 procent van de klanten ontevreden.\n", encoding="utf-8")
    first = corpus / SEEDS[0].name
    first.write_text(first.read_text(encoding="utf-8") + "\nNog 12 procent erbij.\n", encoding="utf-8")


def _one_line(r: subprocess.CompletedProcess, out: Path) -> str:
    assert r.returncode == 2, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"cxmetrics: error: cannot write to output folder {out}: "), lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def before_and_after(tmp_path_factory, prefect_harness) -> tuple[Path, Path, Path]:
    """A corpus, its output, and the output of a full run after it changed: made once."""
    root = tmp_path_factory.mktemp("refused")
    corpus, out, full = seed_corpus(root / "corpus"), root / "out", root / "full"
    run_flow(corpus, out)
    changed = root / "changed"
    shutil.copytree(corpus, changed)
    _changed_corpus(changed)
    run_flow(changed, full, full=True)
    return out, changed, full


@pytest.mark.parametrize(
    ("errno_name", "where", "what"),
    [
        ("EROFS", "cache/*/*.json:1", "writing the cache file of "),  # the second cache file: mid-extraction
        ("EACCES", "texts/*.txt", "writing texts/"),
        ("EDQUOT", "metrics.jsonl", "writing metrics.jsonl"),
        ("ENOSPC", ".cxmetrics/manifest.json", "writing .cxmetrics/manifest.json"),
    ],
)
def test_a_write_the_folder_refuses_is_one_line_and_the_previous_output_stays(tmp_path, before_and_after, errno_name, where, what):
    import errno

    base, corpus, full = before_and_after
    out = tmp_path / "out"
    shutil.copytree(base, out)
    before = snapshot(out)
    r = cxmetrics("--corpus", str(corpus), "--out", str(out), extra_env={"CXMETRICS_TEST_WRITE_ERROR": f"{errno_name}:{where}"})
    line = _one_line(r, out)
    assert f": {what}" in line, line
    assert line.endswith(f" failed: {os.strerror(getattr(errno, errno_name))}; the previous output is unchanged"), line
    assert snapshot(out) == before
    assert leftovers(out) == []
    run_flow(corpus, out)  # the folder takes writes again: the next run equals a full one
    assert outputs(out) == outputs(full)


def _mount_tmpfs(where: Path, size: str) -> None:
    where.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip() or r.returncode}): the injected write errors cover the path")


def _used(where: Path) -> int:
    st = os.statvfs(where)
    return (st.f_blocks - st.f_bfree) * st.f_frsize


def test_a_full_disk_mid_run_is_one_line_and_the_next_run_with_space_equals_a_full_one(tmp_path):
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    disk = tmp_path / "disk"
    _mount_tmpfs(disk, "16m")
    try:
        corpus = seed_corpus(tmp_path / "corpus", 5)
        out = disk / "out"
        run_flow(corpus, out)
        before = snapshot(out)
        # room for the next run's smaller files, not for the cache file of a 300 KB report
        (corpus / "jaarverslag.txt").write_text(long_report(300_000), encoding="utf-8")
        subprocess.run(["mount", "-o", f"remount,size={_used(disk) + 256 * 1024}", str(disk)], check=True)
        r = cxmetrics("--corpus", str(corpus), "--out", str(out))
        line = _one_line(r, out)
        assert line.endswith("failed: No space left on device; the previous output is unchanged"), line
        assert snapshot(out) == before
        assert leftovers(out) == []
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        again = cxmetrics("--corpus", str(corpus), "--out", str(out))
        assert again.returncode == 0, again.stderr
        full = tmp_path / "full"
        run_flow(corpus, full, full=True)
        assert outputs(out) == outputs(full)
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
