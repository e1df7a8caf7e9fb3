"""The review report's studies: one page per study (report/studies/<study_id>.html) and, for
the index, a list of studies and of conflicts (findings articles disagree about).

Reads studies.jsonl (small: one line per study) and streams findings.jsonl, which comes
grouped by study. Pages are the templates ``study.html``, ``_studies.html`` and ``_conflicts.html``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from flows.io import atomic_writer, iter_jsonl
from review.pages import render

STUDIES_INLINE = 200  # studies listed on the index (the most reported first)
CONFLICTS_INLINE = 200  # conflicts listed on the index


def _by_study(findings: Iterator[dict]) -> Iterator[tuple[str, list[dict]]]:
    sid, group = None, []
    for f in findings:
        if f["study_id"] != sid and group:
            yield sid, group
            group = []
        sid = f["study_id"]
        group.append(f)
    if group:
        yield sid, group


def study_page_name(study_id: str) -> str:
    return f"{study_id}.html"  # ids are st_ and hex: safe as a file name


def study_title(s: dict) -> str:
    year = f" ({s['year']})" if s.get("year") and str(s["year"]) not in (s.get("name") or "") else ""
    return (" / ".join(s["organizations"]) or "maker not named") + (f": {s['name']}" if s.get("name") else "") + year


def render_study(study: dict, findings: list[dict], article_pages: dict[str, str], titles: dict[str, str], mention_article: dict[str, str]) -> str:
    """One study's page: what it is, the articles that report it, its findings (conflicts marked)."""
    facts = [
        ("organizations", ", ".join(study["organizations"])),
        ("name", study.get("name") or ""),
        ("year", str(study.get("year") or "")),
        ("sample size", str(study.get("sample_size") or "")),
        ("population", study.get("population") or ""),
        ("method", study.get("method") or ""),
        ("mentions", str(study["n_mentions"])),
    ]
    articles = [{"id": aid, "page": article_pages.get(aid), "title": titles.get(aid) or ""} for aid in study["article_ids"]]
    rows = [
        (f, [{"id": aid, "page": article_pages.get(aid), "mention": mid} for mid, aid in _mention_articles(f, mention_article)])
        for f in findings
    ]
    return render(
        "study.html", title=f"Study: {study_title(study)}", root="../", review=False, facts=facts, articles=articles, findings=rows,
        n_conflicts=sum(f["conflict"] for f in findings),
    )


def _mention_articles(f: dict, mention_article: dict[str, str]) -> list[tuple[str, str]]:
    """(mention id, article id) of each mention of a finding."""
    if len(f["article_ids"]) == 1:
        return [(mid, f["article_ids"][0]) for mid in f["mention_ids"]]
    return [(mid, mention_article.get(mid, "")) for mid in f["mention_ids"]]


def shared_mentions(out: Path) -> set[str]:
    """The mention ids of findings reported by several articles (their pages need each mention's article)."""
    return {mid for f in iter_jsonl(out / "findings.jsonl", missing_ok=True) if len(f["article_ids"]) > 1 for mid in f["mention_ids"]}


def write_study_pages(out: Path, report: Path, article_pages: dict[str, str], titles: dict[str, str], mention_article: dict[str, str]) -> dict:
    """Write report/studies/*.html; return what the index shows of studies and conflicts (the context of its partials)."""
    folder = report / "studies"
    folder.mkdir(parents=True, exist_ok=True)
    studies = {s["study_id"]: s for s in iter_jsonl(out / "studies.jsonl", missing_ok=True)}
    written: set[str] = set()
    summary: dict[str, tuple[int, int]] = {}
    conflicts: list[tuple[dict, dict]] = []
    n_conflicts = 0
    done: set[str] = set()

    def emit(sid: str, findings: list[dict]) -> None:
        nonlocal n_conflicts
        study = studies.get(sid)
        if study is None:
            return
        for f in findings:
            if f["conflict"]:
                n_conflicts += 1
                if len(conflicts) < CONFLICTS_INLINE:
                    conflicts.append((study, f))
        name = study_page_name(sid)
        with atomic_writer(folder / name, durable=False) as fh:  # flushed with the article pages (review.report)
            fh.write(render_study(study, findings, article_pages, titles, mention_article))
        written.add(name)
        summary[sid] = (len(findings), sum(f["conflict"] for f in findings))
        done.add(sid)

    for sid, findings in _by_study(iter_jsonl(out / "findings.jsonl", missing_ok=True)):
        emit(sid, findings)
    for sid in sorted(set(studies) - done):  # studies whose figures were all rejected
        emit(sid, [])
    for stale in folder.glob("*.html"):
        if stale.name not in written:
            stale.unlink(missing_ok=True)

    ranked = sorted(studies.values(), key=lambda s: (-len(s["article_ids"]), -summary.get(s["study_id"], (0, 0))[1], (s["organizations"] or [""])[0].lower(), s["study_id"]))
    listed = [
        {"study_id": s["study_id"], "title": study_title(s), "n_articles": len(s["article_ids"]), "n_mentions": s["n_mentions"],
         "n_findings": summary.get(s["study_id"], (0, 0))[0], "n_conflicts": summary.get(s["study_id"], (0, 0))[1]}
        for s in ranked[:STUDIES_INLINE]
    ]
    return {
        "studies": listed, "n_studies": len(studies), "n_conflicts": n_conflicts,
        "conflicts": [({"study_id": s["study_id"], "title": study_title(s)}, f) for s, f in conflicts],
    }
