"""``cxmetrics review``: the report served on 127.0.0.1, with corrections that stick.

Why it exists: an editor who sees a wrong figure should be able to fix it where
they see it, once. The server shows each article page as the next run will
write it (the extractor's cached output with every correction applied) and
accepts corrections (reject a mention, set fields, add a missed figure), which
it appends to ``corrections.jsonl``; every ``cxmetrics run`` applies them.

Safety: it binds to loopback only and checks the Host header (no DNS
rebinding); a write needs the per-session token that only its own pages carry,
a JSON body (so a cross-site form cannot post) and, when the browser sends one,
its own Origin; every correction is validated with ``schemas.records.Correction``
and dry-run applied before it is written; the file is rewritten atomically
under a lock. Article text reaches pages only escaped (the templates autoescape, ``review.pages``).
"""

from __future__ import annotations

import fcntl
import json
import re
import secrets
import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.middleware.trustedhost import TrustedHostMiddleware

from flows.io import atomic_writer, cache_path, load_cache, read_jsonl
from review.pages import STATIC, STATIC_GENERATED, json_script, page_name, static_names
from review.report import article_row, editor_rejected, read_article_text, render_article, render_index, write_report
from pipeline.article import sha256_bytes
from pipeline.corrections import apply_corrections, correction_dict, parse_corrections
from schemas.records import Correction

LOOPBACK = "127.0.0.1"
TOKEN_HEADER = "X-CX-Token"
_DATA_FILE = re.compile(r"(?:[am]\d+|facets|sort)\.js")
_STUDY_FILE = re.compile(r"st_[0-9a-f]+\.html")
_ROWS = re.compile(r'cxRows\("a",(\d+),(.*)\);\s*', re.S)
_NEAR = 200  # how far from the selected offsets to look for the selected text


@dataclass
class ReviewState:
    """What one review session serves: folders, its token, and the article list (reloaded when it changes)."""

    out: Path
    corpus: Path
    corrections: Path
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    port: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _articles: dict[str, dict] = field(default_factory=dict)
    _pages: dict[str, str] = field(default_factory=dict)
    _stamp: tuple = ()
    _live: tuple = ((), None)

    def articles(self) -> tuple[dict[str, dict], dict[str, str]]:
        """article_id -> record, page name -> article_id; reread when articles.jsonl changed."""
        path = self.out / "articles.jsonl"
        st = path.stat()
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp != self._stamp:
            arts = {a["article_id"]: a for a in read_jsonl(path) if a["status"] == "ok"}
            self._articles, self._pages, self._stamp = arts, {page_name(aid): aid for aid in arts}, stamp
        return self._articles, self._pages

    def corrections_by_article(self) -> dict[str, list[dict]]:
        try:
            text = self.corrections.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        return parse_corrections(text).by_article

    def corrections_for(self, article_id: str) -> list[dict]:
        return self.corrections_by_article().get(article_id, [])


@dataclass
class Live:
    """The index's counts as the next run will write them: the last run's, with the corrections made since."""

    counts: dict
    changed: dict[str, list[dict]]  # article_id -> its mentions with every correction applied, where they differ from the run's


def _lines_of(path: Path, article_ids: set[str]) -> dict[str, list[dict]]:
    """The records of a JSONL output file that belong to the given articles (the others are not parsed)."""
    keys = {f'"article_id":{json.dumps(a, ensure_ascii=False)}': a for a in article_ids}
    found: dict[str, list[dict]] = {a: [] for a in article_ids}
    try:
        fh = path.open(encoding="utf-8")
    except FileNotFoundError:
        return found
    with fh:
        for line in fh:
            if any(k in line for k in keys):
                rec = json.loads(line)
                if rec.get("article_id") in found:
                    found[rec["article_id"]].append(rec)
    return found


def live_counts(state: ReviewState) -> Live:
    """The last run's counts (report/data/counts.json) with the corrections editors made since applied.

    Only articles with corrections are looked at: each one's cached extraction with every
    correction applied (what the next run writes) against what the last run wrote.
    """
    files = [state.out / "report" / "data" / "counts.json", state.out / "metrics.jsonl", state.out / "rejected.jsonl", state.corrections]
    stamp = tuple((st.st_mtime_ns, st.st_size) if (st := _stat(f)) else None for f in files)
    if state._live[0] == stamp:
        return state._live[1]
    if stamp[0] is None:  # a report written before counts.json existed: its counts stay as they are
        return Live({}, {})
    counts = json.loads(files[0].read_text(encoding="utf-8"))
    arts, _pages = state.articles()
    aids = {aid for aid in (state.corrections_by_article()) if aid in arts}
    run_mentions, run_rejections = _lines_of(files[1], aids), _lines_of(files[2], aids)
    changed: dict[str, list[dict]] = {}
    for aid in sorted(aids):
        try:
            preview, _text, _sha = _preview(state, arts[aid])
        except HTTPException:  # no cache or no text: nothing to preview
            continue
        before, after = run_mentions[aid], preview.mentions
        rej_before = sum(map(editor_rejected, run_rejections[aid]))
        rej_after = sum(map(editor_rejected, preview.rejections))
        if before == after and rej_before == rej_after:
            continue
        changed[aid] = after
        counts["mentions"] += len(after) - len(before)
        counts["corrected"] += sum(bool(m.get("corrected")) for m in after) - sum(bool(m.get("corrected")) for m in before)
        counts["rejected_by_editors"] += rej_after - rej_before
        for table, field_of in (("by_kind", lambda m: m["kind"]), ("by_metric", lambda m: m.get("metric") or "(none)")):
            for m, step in [(m, -1) for m in before] + [(m, 1) for m in after]:
                counts[table][field_of(m)] = counts[table].get(field_of(m), 0) + step
    live = Live(counts, changed)
    state._live = (stamp, live)
    return live


def _stat(path: Path):
    try:
        return path.stat()
    except OSError:
        return None


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _extracted(state: ReviewState, article: dict) -> tuple[dict, list[dict], list[dict]]:
    """The extractor's own records of an article (from the run's cache), before corrections."""
    cached = load_cache(cache_path(state.out, article["path"]))
    if cached and cached.get("article", {}).get("sha256") == article["sha256"]:
        return cached["article"], cached["mentions"], cached["rejections"]
    raise HTTPException(409, "the run's cache for this article is missing: run `cxmetrics run` first")


def _current(state: ReviewState, article: dict) -> tuple[str, str]:
    """The article's text as it is on disk now, and the SHA-256 of its bytes."""
    path = state.corpus / article["path"]
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise HTTPException(409, f"cannot read {article['path']}: {exc.strerror or exc}") from None
    text = read_article_text(state.corpus, article, state.out)
    if text is None:
        raise HTTPException(409, f"cannot decode {article['path']}")
    return text, sha256_bytes(data)


def _preview(state: ReviewState, article: dict, extra: dict | None = None):
    base, mentions, rejections = _extracted(state, article)
    text, sha = _current(state, article)
    corrs = state.corrections_for(article["article_id"]) + ([extra] if extra else [])
    return apply_corrections(base, mentions, rejections, corrs, text), text, sha


def _append(path: Path, line: str) -> None:
    """Add one line to the corrections file: rewritten whole to a temp file, then renamed (atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with (path.parent / f".{path.name}.lock").open("a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            old = path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            old = ""
        if old and not old.endswith("\n"):
            old += "\n"
        with atomic_writer(path) as fh:
            fh.write(old + line + "\n")


def _snap(text: str, start: int, end: int, selected: str | None) -> tuple[int, int]:
    """The span of the selected text: as given, or its nearest occurrence (a browser may count line breaks differently)."""
    if not selected or text[start:end] == selected:
        return start, end
    best = None
    for m in re.finditer(re.escape(selected), text[max(0, start - _NEAR) : start + _NEAR + len(selected)]):
        at = max(0, start - _NEAR) + m.start()
        if best is None or abs(at - start) < abs(best - start):
            best = at
    if best is None:
        raise HTTPException(422, "the selected text is not in the article at that place")
    return best, best + len(selected)


def create_app(state: ReviewState) -> FastAPI:
    app = FastAPI(title="cxmetrics review", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=[LOOPBACK, "localhost"])
    report = state.out / "report"

    @app.get("/")
    def root() -> RedirectResponse:
        return RedirectResponse("/index.html")

    @app.get("/index.html")
    def index() -> HTMLResponse:
        """The last run's index, its counts live: corrections made since are counted (``live_counts``)."""
        live = live_counts(state)
        if not live.changed:
            return FileResponse(report / "index.html", media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-store"})
        context = json.loads((report / "data" / "index.json").read_text(encoding="utf-8"))
        page = render_index(context, live.counts, live=len(live.changed))
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    @app.get("/data/{name}")
    def data(name: str):
        path = report / "data" / name
        if not _DATA_FILE.fullmatch(name) or not path.is_file():
            raise HTTPException(404, "no such data file")
        live = live_counts(state) if name.startswith("a") else None
        if not live or not live.changed:
            return FileResponse(path, media_type="text/javascript; charset=utf-8", headers={"Cache-Control": "no-store"})
        # the article list with the mention counts, kinds and sources of corrected articles as the next run writes them
        m = _ROWS.fullmatch(path.read_text(encoding="utf-8"))
        k, rows = m.group(1), json.loads(m.group(2))
        arts, pages = state.articles()
        for n, row in enumerate(rows):
            aid = pages.get(row[1] or "")
            if aid in live.changed:
                rows[n] = article_row(arts[aid], row[1], live.changed[aid])
        body = f'cxRows("a",{k},{json_script(rows)});\n'
        return Response(body, media_type="text/javascript; charset=utf-8", headers={"Cache-Control": "no-store"})

    @app.get("/articles/{name}")
    def article_page(name: str) -> HTMLResponse:
        arts, pages = state.articles()
        aid = pages.get(name)
        if aid is None:
            raise HTTPException(404, "no such article")
        article = arts[aid]
        preview, text, sha = _preview(state, article)
        page = render_article(preview.article, text, preview.mentions, preview.rejections, review={"token": state.token}, stale=sha != article["sha256"])
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    @app.get("/studies/{name}")
    def study_page(name: str):
        path = report / "studies" / name
        if not _STUDY_FILE.fullmatch(name) or not path.is_file():
            raise HTTPException(404, "no such study")
        return FileResponse(path, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-store"})

    @app.get("/static/{name}")
    def static(name: str):
        """The package's own static files (the pages this server renders use them), the generated ones from the report."""
        path = (report / "static" if name in STATIC_GENERATED else STATIC) / name
        if name not in static_names() or not path.is_file():
            raise HTTPException(404, "no such file")
        kind = {".js": "text/javascript", ".css": "text/css"}.get(path.suffix, "text/plain")
        return FileResponse(path, media_type=f"{kind}; charset=utf-8", headers={"Cache-Control": "no-store"})

    @app.post("/api/corrections")
    async def add_correction(request: Request) -> JSONResponse:
        if not secrets.compare_digest(request.headers.get(TOKEN_HEADER, ""), state.token):
            raise HTTPException(403, "missing or wrong session token: reload the page from this server")
        origin = request.headers.get("origin")
        if origin is not None and origin not in {f"http://{LOOPBACK}:{state.port}", f"http://localhost:{state.port}"}:
            raise HTTPException(403, "cross-origin writes are refused")
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise HTTPException(415, "send JSON")
        try:
            body = json.loads(await request.body())
        except ValueError:
            raise HTTPException(422, "the body is not JSON") from None
        if not isinstance(body, dict):
            raise HTTPException(422, "the body must be a JSON object")
        arts, _pages = state.articles()
        article = arts.get(body.get("article_id"))
        if article is None:
            raise HTTPException(404, "no such article in the last run")
        _extracted(state, article)  # the run's cache must be there (409 otherwise)
        text, sha = _current(state, article)
        if sha != article["sha256"]:
            raise HTTPException(409, "the article changed on disk since the last run: run `cxmetrics run`, then correct it")
        span = body.get("span") or {}
        if body.get("action") == "add" and isinstance(span.get("start"), int) and isinstance(span.get("end"), int):
            start, end = _snap(text, span["start"], span["end"], body.get("text"))
            span = {"start": start, "end": end}
        try:
            corr = Correction.model_validate(
                {"article_id": article["article_id"], "sha256": sha, "span": span, "action": body.get("action"), "fields": body.get("fields") or {}, "at": _now()}
            )
        except ValidationError as exc:
            raise HTTPException(422, "; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in exc.errors())) from None
        record = correction_dict(corr)
        with state._lock:
            preview, _text, _sha = _preview(state, article, record)
            problems = [r["reason"] for r in preview.rejections if r.get("candidate") is record or r.get("candidate") == record]
            problems = [p for p in problems if not p.startswith("rejected_by_editor")]
            if problems:
                raise HTTPException(422, problems[0])
            _append(state.corrections, json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        return JSONResponse({"ok": True, "correction": record})

    return app


def review(out: Path, corpus: Path, corrections: Path, port: int = 8765, ready=None) -> int:
    """Serve until stopped (Ctrl-C). ``port=0`` picks a free port; ``ready(url, server)`` is called once it listens."""
    import uvicorn

    out, corpus = Path(out), Path(corpus)
    report = out / "report"
    if not all((report / f).is_file() for f in ("index.html", "data/counts.json", "data/index.json", "static/kinds.css")):
        write_report(out, corpus)  # none yet, or one from before the counts the server keeps live or the static files
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, port))  # loopback only, never 0.0.0.0
    state = ReviewState(out=out, corpus=corpus, corrections=Path(corrections))
    state.port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(state), log_level="warning", access_log=False))
    url = f"http://{LOOPBACK}:{state.port}/"
    if ready is not None:
        threading.Thread(target=_when_started, args=(server, ready, url), daemon=True).start()
    server.run(sockets=[sock])
    return 0


def _when_started(server, ready, url: str) -> None:
    import time

    while not server.started and not server.should_exit:
        time.sleep(0.05)
    ready(url, server)


__all__ = ["ReviewState", "create_app", "review"]
