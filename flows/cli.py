"""The ``cxmetrics`` command: run, eval, serve, report.

I/O at the edge: argument parsing, environment, exit codes, printing. Errors
that stop a run are one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from flows.settings import apply_prefect_settings

EXIT_OK, EXIT_ERROR = 0, 2  # 2: the run could not happen, or the command line was wrong


def _error(msg: str) -> int:
    print(f"cxmetrics: error: {msg}", file=sys.stderr)
    return EXIT_ERROR


class _Parser(argparse.ArgumentParser):
    """A wrong command line is one line on stderr and exit 2, like every other error."""

    def error(self, message: str):  # argparse calls this for every usage error
        print(f"cxmetrics: error: {message} (see `{self.prog} --help`)", file=sys.stderr)
        raise SystemExit(EXIT_ERROR)


def _at_least(minimum: float, kind: type = int):
    """An argparse type: a number not below ``minimum``."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {'whole ' if kind is int else ''}number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {text}")
        return value

    return parse


def _count(n: int, noun: str, plural: str | None = None) -> str:
    """'1 article', '2 articles', '0 articles'."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def _limits(args: argparse.Namespace):
    from flows.timelimit import Limits

    return Limits(args.parse_seconds, args.extract_seconds, args.max_chars, args.max_memory)


def cmd_run(args: argparse.Namespace) -> int:
    from flows import guard
    from flows.io import RunError, check_writable, run_lock
    from pipeline.rules import RuleFileError, load_all_rules

    corpus, out = Path(args.corpus), Path(args.out)
    if not corpus.is_dir():
        return _error(f"corpus folder {corpus} does not exist or is not a folder")
    try:
        check_writable(out)
        with run_lock(out, wait_seconds=args.wait):
            pass  # another run on this folder: one line here, not an error Prefect logs with its traceback
        load_all_rules()  # a bad rule file: one line here, not in a task's traceback
    except (RunError, RuleFileError) as exc:
        return _error(str(exc))
    try:
        with guard.stop_on_signals():
            done = _run(corpus, out, args)
    except KeyboardInterrupt:  # SIGTERM or Ctrl-C: the helper processes are killed already (flows.guard)
        _clean_after_stop(out)
        why = guard.stopped_by() or "an interrupt"
        guard.reported()
        return _error(f"stopped by {why} before the run was complete; the output files in {out} are whole "
                      "(the last complete run's, or this one's), and the next run completes them")
    if isinstance(done, int):
        return done
    state, summary = done  # the run is complete: what follows is reporting it
    _settle(state.state_details.flow_run_id, summary["tasks"])
    report = out / "report" / "index.html"
    print(summary_text(summary, full=args.full, report=None if args.no_report or not report.is_file() else report))
    return EXIT_OK


def _clean_after_stop(out: Path) -> None:
    """What a stopped run leaves: its early staging folder, and, when the run lock is free
    (no other run took the folder meanwhile), the temp files of writes it cut short."""
    import fcntl

    from flows import early
    from flows.io import STATE_DIR, remove_temp_files

    early.discard(wait=False)
    try:
        with (out / STATE_DIR / "run.lock").open("a") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            remove_temp_files(out)
    except OSError:
        pass


def _run(corpus: Path, out: Path, args: argparse.Namespace):
    """The run itself: an exit code when it could not happen, else the flow's state and summary."""
    from flows.io import RunError

    _use_serving_server(out)
    apply_prefect_settings()  # before Prefect is imported
    workers = 1 if args.dask else args.workers
    started = _start_early(corpus, out, args, workers)
    from flows.extract_flow import extract_corpus
    from flows.progress import Progress

    progress = Progress()
    progress.early = started
    flow_fn = extract_corpus
    if args.dask:
        from flows.dask_runner import dask_task_runner

        flow_fn = extract_corpus.with_options(task_runner=dask_task_runner(args.dask))
    try:
        state = flow_fn(
            corpus=str(corpus),
            out=str(out),
            full=args.full,
            batch_size=args.batch_size,
            max_bytes=args.max_bytes,
            lock_wait_seconds=args.wait,
            report=not args.no_report,
            progress=progress,
            corrections=args.corrections,
            parse_seconds=args.parse_seconds,
            extract_seconds=args.extract_seconds,
            max_chars=args.max_chars,
            max_memory_mb=args.max_memory,
            workers=workers,
            return_state=True,
        )
        summary = state.result()
    except RunError as exc:  # the flow ends Failed with it (a locked, unwritable or full output folder)
        return _error(str(exc))
    finally:
        progress.close()
        from flows import early, guard

        early.discard(wait=not guard.stopping())
    return state, summary


def _use_serving_server(out: Path) -> None:
    """With `cxmetrics serve` up on this output, run against its Prefect server: the run shows
    there like the served ones, and no temporary server has to start (most of a short run)."""
    import os

    from flows.serve import running_server

    if os.environ.get("PREFECT_API_URL"):
        return  # the user chose a server
    url = running_server(out)
    if url:
        os.environ["PREFECT_API_URL"] = url


def _start_early(corpus: Path, out: Path, args: argparse.Namespace, workers: int | None) -> float | None:
    """When the run will use worker processes, plan its work now and start on it while Prefect
    starts (flows/early.py; the workers load the pipeline meanwhile, flows/parallel.py).
    When it did, the time it started (``time.monotonic``, as the progress line counts)."""
    import time

    from flows import early, timelimit
    from flows.parallel import workers_for
    from flows.plan import batches, list_articles, plan, work_version

    try:
        entries = list_articles(corpus, args.max_bytes, args.corrections)
    except OSError:
        return None  # the flow reports it
    version = work_version()
    limits = _limits(args)
    todo = plan(out, entries, version, args.full, limits=limits.key()).todo
    n = workers_for(len(todo), workers) if workers != 1 else 1
    if n > 1:
        began = time.monotonic()
        early.start(corpus, out, batches(todo, args.batch_size), n, args.max_bytes, version, limits)
        return began
    if todo and not args.dask:
        timelimit.prestart()  # this process extracts: its child loads the pipeline while Prefect starts
    return None


def _settle(flow_run_id, n_tasks: int, timeout: float = 10.0) -> None:
    """Wait until the Prefect server has recorded this run's task runs, so exiting is quiet.

    Why: task-run states reach the server as events, which its task-run recorder
    writes to SQLite shortly after. When a short run exits at once, Prefect's
    temporary server is stopped while that write is in flight; the write is
    cancelled and the recorder logs "Error flushing 1 events" with a
    CancelledError traceback (seen with Prefect 3.8.8). Nothing is lost for us
    (the output is already written), but a clean run must not print errors, so
    we wait, briefly and best-effort, until every task run is recorded as final.
    """
    if not flow_run_id or not n_tasks:
        return
    try:
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
        from prefect.client.schemas.sorting import TaskRunSort
        from prefect.events.worker import EventsWorker

        EventsWorker.drain_all(timeout=timeout)
        deadline = time.monotonic() + timeout
        with get_client(sync_client=True) as client:
            flt = FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
            while time.monotonic() < deadline:
                # the sync client needs limit and sort spelled out (422 without them in 3.8.8)
                runs = client.read_task_runs(flow_run_filter=flt, limit=200, sort=TaskRunSort.EXPECTED_START_TIME_DESC)
                if len(runs) >= min(n_tasks, 200) and all(r.state is not None and r.state.is_final() for r in runs):
                    return
                time.sleep(0.1)
    except Exception:  # best effort: never fail a finished run over its bookkeeping
        return


def summary_text(s: dict, full: bool = False, report: Path | None = None) -> str:
    """The run summary: what was read, what came out, where to look."""
    kinds = ", ".join(f"{k} {v}" for k, v in s["by_kind"].items()) or "none"
    if full:  # every article was processed again: none of them is 'new'
        what = f"{s['processed']} reprocessed"
    else:
        what = f"{s['new']} new, {s['changed']} changed, {s['deleted']} deleted, {s['unchanged']} unchanged"
    lines = [
        f"cxmetrics: {_count(s['articles'], 'article')} ({s['ok']} ok, {s['rejected_articles']} rejected; {what})",
        f"cxmetrics: {_count(s['mentions'], 'mention')}: {kinds}",
        f"cxmetrics: {_count(s['rejected_mentions'], 'mention')} rejected by validation; see {Path(s['out']) / 'rejected.jsonl'}",
    ]
    if "studies" in s:  # studies.jsonl, findings.jsonl
        lines.append(
            f"cxmetrics: {_count(s['studies'], 'study', 'studies')} ({s['shared_studies']} in several articles), "
            f"{_count(s['findings'], 'finding')}, {_count(s['conflicts'], 'conflict')}"
        )
    if report is not None:
        lines.append(f"cxmetrics: report: {report}")
    return "\n".join(lines)


def cmd_review(args: argparse.Namespace) -> int:
    from flows.plan import corrections_path
    from review.server import review

    out, corpus = Path(args.out), Path(args.corpus)
    if not (out / "articles.jsonl").is_file():
        return _error(f"no output in {out} (run `cxmetrics run` first)")
    if not corpus.is_dir():
        return _error(f"corpus folder {corpus} does not exist or is not a folder")

    def ready(url: str, _server) -> None:
        print(f"cxmetrics: review at {url} (127.0.0.1 only; Ctrl-C to stop); corrections go to "
              f"{corrections_path(corpus, args.corrections)}", flush=True)

    try:
        return review(out, corpus, corrections_path(corpus, args.corrections), port=args.port, ready=ready)
    except OSError as exc:
        return _error(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}")


def _corrected_eval_sets(corrections_file: Path, pred_path: Path, corpus_arg: str | None) -> tuple[list, list, list]:
    """(pred, gold, articles) for --corrections: the extractor's output and the corrected one, on the corrected articles."""
    from flows.io import load_manifest, read_jsonl
    from pipeline.article import build_article
    from pipeline.corrections import apply_corrections, parse_corrections
    from pipeline.evaluate import gold_from_mentions
    from pipeline.extract import extract

    parsed = parse_corrections(corrections_file.read_text(encoding="utf-8"))
    corpus = Path(corpus_arg or load_manifest(pred_path.parent).get("corpus") or corrections_file.parent)
    articles = {a["article_id"]: a for a in read_jsonl(pred_path.with_name("articles.jsonl")) if a["status"] == "ok"}
    pred, gold, scored = [], [], []
    for aid, corrs in sorted(parsed.by_article.items()):
        a = articles.get(aid)
        if a is None:
            continue
        data = (corpus / a["path"]).read_bytes()
        art = build_article(a["path"], data)
        fresh = {**a, "sha256": art.sha256}
        if not any(c["sha256"] == art.sha256 for c in corrs):
            continue  # every correction of it is stale: the article is not gold any more
        result = extract(art)
        applied = apply_corrections(fresh, result.mentions, [], corrs, art.text)
        pred += result.mentions
        gold += gold_from_mentions(applied.mentions)
        scored.append({"article_id": aid, "published": art.published})
    return pred, gold, scored


def cmd_eval(args: argparse.Namespace) -> int:
    from flows.io import read_jsonl
    from pipeline.evaluate import ATTRIBUTES, score

    pred_path = Path(args.pred)
    if not pred_path.is_file():
        return _error(f"no predictions at {pred_path} (run `cxmetrics run` first)")
    if args.corrections:
        cfile = Path(args.corrections)
        if not cfile.is_file():
            return _error(f"no corrections at {cfile}")
        try:
            pred, gold, scored = _corrected_eval_sets(cfile, pred_path, args.corpus)
        except (OSError, ValueError) as exc:
            return _error(f"cannot score against corrections: {exc}")
        if not scored:
            return _error(f"no article in {cfile} has corrections that still apply")
        report = score(pred, gold, scored, None)  # editors do not correct dates: published is not scored
    else:
        if not args.gold:
            return _error("give --gold DIR or --corrections FILE")
        gold_dir = Path(args.gold)
        gold_m, gold_a = gold_dir / "mentions.jsonl", gold_dir / "articles.jsonl"
        if not gold_m.is_file():
            return _error(f"no gold mentions at {gold_m}")
        try:
            gold = read_jsonl(gold_m)
            pred = read_jsonl(pred_path)
            gold_articles = read_jsonl(gold_a) if gold_a.is_file() else None
            pred_articles_path = pred_path.with_name("articles.jsonl")
            pred_articles = read_jsonl(pred_articles_path) if pred_articles_path.is_file() else None
        except (OSError, ValueError) as exc:
            return _error(f"cannot read JSON Lines: {exc}")
        report = score(pred, gold, gold_articles, pred_articles)
    if args.json:
        out = report.summary()
        if args.errors:
            out["errors"] = [{k: v for k, v in e.items() if k not in ("pred",) or not isinstance(v, dict)} for e in report.errors()]
        print(json.dumps(out, ensure_ascii=False, indent=2, default=str))
        return EXIT_OK
    s = report.summary()
    m = s["mentions"]
    print(f"{'measure':<22}{'value':>8}")
    print(f"{'-' * 30}")
    print(f"{'mention precision':<22}{m['precision']:>8.3f}")
    print(f"{'mention recall':<22}{m['recall']:>8.3f}")
    print(f"{'mention F1':<22}{m['f1']:>8.3f}")
    print(f"{'  tp / fp / fn':<22}{m['tp']:>3} / {m['fp']} / {m['fn']}")
    for a in ATTRIBUTES:
        print(f"{a + ' accuracy':<22}{s['attributes'][a]:>8.3f}")
    if s["published"]["total"]:
        p = s["published"]
        print(f"{'published accuracy':<22}{p['accuracy']:>8.3f}  ({p['correct']}/{p['total']})")
    if args.errors:
        print("\nerrors (missed, spurious, mis-attributed):")
        for e in report.errors():
            detail = "" if e["type"] in ("missed", "spurious") else f" gold={e.get('gold')!r} pred={e.get('pred')!r}"
            print(f"  {e['type']:<16}{e['article_id']}  @{e.get('start', '')}  {e.get('text', '')!r}{detail}  {e.get('rule') or ''}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from review.report import write_report

    out = Path(args.out)
    if not (out / "metrics.jsonl").is_file():
        return _error(f"no output in {out} (run `cxmetrics run` first)")
    path = write_report(out)
    print(f"cxmetrics: report written to {path}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from flows.export import ExportError, export

    if not args.duckdb and not args.parquet:
        return _error("export needs --duckdb FILE and/or --parquet DIR")
    try:
        counts = export(Path(args.out), Path(args.duckdb) if args.duckdb else None, Path(args.parquet) if args.parquet else None)
    except ExportError as exc:
        return _error(str(exc))
    where = " and ".join(x for x in (args.duckdb, args.parquet and f"{args.parquet}/*.parquet") if x)
    print(f"cxmetrics: exported {', '.join(f'{t} {n}' for t, n in counts.items())} to {where}")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    apply_prefect_settings()  # before Prefect is imported
    from flows.io import RunError, check_writable
    from flows.serve import serve
    from pipeline.rules import RuleFileError, load_all_rules

    try:
        check_writable(Path(args.out))
        load_all_rules()
    except (RunError, RuleFileError) as exc:
        return _error(str(exc))
    return serve(corpus=args.corpus, out=args.out, cron=args.cron, interval=args.interval, state=Path(args.state),
                 settle=args.settle)


def _paths(p: argparse.ArgumentParser, corpus: bool = True) -> None:
    if corpus:
        p.add_argument("--corpus", default="corpus", help="folder of .txt/.md articles (default: corpus)")
    p.add_argument("--out", default="out", help="output folder (default: out)")


def build_parser() -> argparse.ArgumentParser:
    from flows.timelimit import DEFAULT_EXTRACT_SECONDS, DEFAULT_MAX_CHARS, DEFAULT_MAX_MEMORY_MB, DEFAULT_PARSE_SECONDS

    p = _Parser(prog="cxmetrics", description="Figures in Dutch CX articles as validated JSON Lines.")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="extract new and changed articles from the corpus and write the output")
    _paths(r)
    r.add_argument("--full", action="store_true", help="ignore the manifest: process every article again")
    r.add_argument("--dask", metavar="ADDRESS", help="run tasks on a Dask cluster (scheduler address, or 'local')")
    r.add_argument("--batch-size", type=_at_least(1), default=200, help="articles per task (default: 200)")
    r.add_argument(
        "--workers", type=_at_least(1), default=None,
        help="processes that extract (default: every core when there are 100 or more articles to extract, else 1)",
    )
    r.add_argument("--max-bytes", type=_at_least(1), default=5 * 1024 * 1024, help="quarantine files larger than this (default: 5 MB)")
    r.add_argument("--wait", type=_at_least(0, float), default=0.0, help="seconds to wait for another run on the same output to end")
    r.add_argument(
        "--parse-seconds", type=_at_least(0.1, float), default=DEFAULT_PARSE_SECONDS,
        help=f"time limit to read one web page, Word file or PDF; a slower one is quarantined as too_slow (default: {DEFAULT_PARSE_SECONDS:g})",
    )
    r.add_argument(
        "--extract-seconds", type=_at_least(0.1, float), default=DEFAULT_EXTRACT_SECONDS,
        help=f"time limit to extract one article's figures; a slower one is quarantined as too_slow (default: {DEFAULT_EXTRACT_SECONDS:g})",
    )
    r.add_argument(
        "--max-chars", type=_at_least(1), default=DEFAULT_MAX_CHARS,
        help=f"quarantine an article whose text is longer, as too_long (default: {DEFAULT_MAX_CHARS:,})",
    )
    r.add_argument(
        "--max-memory", type=_at_least(64), default=DEFAULT_MAX_MEMORY_MB, metavar="MB",
        help=f"memory to read and extract one article; one that needs more is quarantined as too_big (default: {DEFAULT_MAX_MEMORY_MB})",
    )
    r.add_argument("--no-report", action="store_true", help="do not write the HTML report")
    r.add_argument("--corrections", metavar="FILE", help="editors' corrections (default: corrections.jsonl in the corpus)")
    r.set_defaults(func=cmd_run)

    rv = sub.add_parser("review", help="serve the report on 127.0.0.1 so editors can correct mentions")
    rv.add_argument("--corpus", default="corpus", help="folder of .txt/.md articles (default: corpus)")
    rv.add_argument("--out", default="out", help="output folder of a run (default: out)")
    rv.add_argument("--corrections", metavar="FILE", help="where corrections go (default: corrections.jsonl in the corpus)")
    rv.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default: 8765; 0 picks a free one)")
    rv.set_defaults(func=cmd_review)

    e = sub.add_parser("eval", help="precision, recall and attribute accuracy against a gold folder")
    e.add_argument("--gold", help="folder with mentions.jsonl (and articles.jsonl)")
    e.add_argument(
        "--corrections", metavar="FILE", help="score the extractor against the articles editors corrected (instead of --gold)"
    )
    e.add_argument("--corpus", help="with --corrections: the corpus (default: the one of the --pred run)")
    e.add_argument("--pred", default="out/metrics.jsonl", help="predicted metrics.jsonl (default: out/metrics.jsonl)")
    e.add_argument("--json", action="store_true", help="print JSON for machines")
    e.add_argument("--errors", action="store_true", help="list each missed, spurious and mis-attributed mention")
    e.set_defaults(func=cmd_eval)

    rep = sub.add_parser("report", help="write the HTML review report for an output folder")
    _paths(rep, corpus=False)
    rep.set_defaults(func=cmd_report)

    x = sub.add_parser("export", help="the output as tables (mentions, articles, studies, findings): DuckDB and/or Parquet")
    _paths(x, corpus=False)
    x.add_argument("--duckdb", metavar="FILE", help="write a DuckDB database file")
    x.add_argument("--parquet", metavar="DIR", help="write one Parquet file per table into DIR")
    x.set_defaults(func=cmd_export)

    s = sub.add_parser("serve", help="serve the flow on a schedule (a local Prefect server is started if none is set)")
    _paths(s)
    s.add_argument("--state", default=".state", help="where the local Prefect server keeps its SQLite database (default: .state)")
    g = s.add_mutually_exclusive_group()
    g.add_argument("--cron", help="cron expression, e.g. '*/10 * * * *'")
    g.add_argument("--interval", type=_at_least(1), help="seconds between runs (default: 600)")
    s.add_argument(
        "--settle", type=_at_least(0.1, float), default=2.0,
        help="a run starts this many seconds after files in the corpus stop changing (default: 2)",
    )
    s.set_defaults(func=cmd_serve)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from pipeline.rules import RuleFileError

    try:
        return args.func(args)
    except RuleFileError as exc:  # a bad rule file met outside run and serve (eval, review): one line too
        return _error(str(exc))
    except KeyboardInterrupt:
        return _error("interrupted")


def command() -> int:
    """The ``cxmetrics`` console command: ``main`` on the command line, then a quick exit.

    Why: when the interpreter exits it runs one last garbage collection over every object
    still alive (Prefect's and pydantic's modules, the run's records); measured after a
    cold run of 2,000 articles that took about a second, after the output was written
    and the summary printed. ``gc.freeze`` moves those objects out of the collector's
    reach first. Exit handlers still run (Prefect's temporary server is stopped, the
    worker processes are shut down); every output file is closed by then. Not in ``main``,
    which the tests call in their own long-lived process.
    """
    import gc

    from flows import guard

    if sys.argv[1:2] in (["run"], ["serve"], ["review"]):
        guard.start_guardian()  # no process these commands start outlives them, however they end
    code = main()
    if guard.stopping():
        guard.exit_now(code)  # threads winding down after SIGTERM are not waited for
    sys.stdout.flush()
    gc.freeze()
    return code


if __name__ == "__main__":
    raise SystemExit(command())
