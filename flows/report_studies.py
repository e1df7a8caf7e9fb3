"""The review report's studies: one page per study (report/studies/<study_id>.html) and, for
the index, a list of studies and of conflicts (findings articles disagree about).

Reads studies.jsonl (small: one line per study) and streams findings.jsonl, which comes
grouped by study. Text from articles reaches the pages only through ``html.escape``.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

from flows.io import atomic_writer, iter_jsonl

e = html.escape
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


def _study_title(s: dict) -> str:
    year = f" ({s['year']})" if s.get("year") and str(s["year"]) not in (s.get("name") or "") else ""
    return (" / ".join(s["organizations"]) or "maker not named") + (f": {s['name']}" if s.get("name") else "") + year


def _article_link(aid: str, article_pages: dict[str, str], prefix: str, anchor: str = "") -> str:
    page = article_pages.get(aid)
    return f"<a href='{prefix}articles/{e(page)}{anchor}'>{e(aid)}</a>" if page else e(aid)


def _values(f: dict) -> str:
    return ", ".join(f"{v:g}" for v in f["values"]) + (f" {e(f['unit'])}" if f.get("unit") else "")


def render_study(
    study: dict, findings: list[dict], article_pages: dict[str, str], titles: dict[str, str], mention_article: dict[str, str], page
) -> str:
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
    facts_html = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in facts)
    arts = "".join(
        f"<li>{_article_link(aid, article_pages, '../')} <span class='muted'>{e(titles.get(aid) or '')}</span></li>"
        for aid in study["article_ids"]
    )
    rows = []
    for f in findings:
        mention_links = " ".join(
            _article_link(aid, article_pages, "../", f"#m-{mid}")
            for mid, aid in _mention_articles(f, mention_article)
        )
        mark = "<span class='chip conflict'>conflict</span>" if f["conflict"] else ""
        rows.append(
            f"<tr id='{e(f['finding_id'])}' class='{'conflict' if f['conflict'] else ''}'><td>{e(f['kind'])}</td><td>{e(f.get('metric') or '')}</td>"
            f"<td>{e(str(f.get('year') or ''))}</td><td>{e(f.get('subject') or '')}</td><td class='num'>{_values(f)}</td>"
            f"<td>{mark}{mention_links}</td><td>{e(f.get('note') or '')}</td></tr>"
        )
    n_conflicts = sum(f["conflict"] for f in findings)
    body = (
        f"<p><a href='../index.html'>&larr; index</a></p><h1>Study: {e(_study_title(study))}</h1>"
        f"<table class='stats'><tbody>{facts_html}</tbody></table>"
        f"<h2>Articles ({len(study['article_ids'])})</h2><ul>{arts}</ul>"
        f"<h2>Findings ({len(findings)}, {n_conflicts} in conflict)</h2>"
        "<table id='findings'><colgroup><col style='width:8rem'><col style='width:7rem'><col style='width:3.5rem'><col style='width:12%'>"
        "<col style='width:8rem'><col><col style='width:30%'></colgroup>"
        "<thead><tr><th>kind</th><th>metric</th><th>year</th><th>subject</th><th class='num'>values</th><th>mentions</th><th>note</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    return page(f"Study: {_study_title(study)}", body)


def _mention_articles(f: dict, mention_article: dict[str, str]) -> list[tuple[str, str]]:
    """(mention id, article id) of each mention of a finding."""
    if len(f["article_ids"]) == 1:
        return [(mid, f["article_ids"][0]) for mid in f["mention_ids"]]
    return [(mid, mention_article.get(mid, "")) for mid in f["mention_ids"]]


def shared_mentions(out: Path) -> set[str]:
    """The mention ids of findings reported by several articles (their pages need each mention's article)."""
    return {mid for f in iter_jsonl(out / "findings.jsonl", missing_ok=True) if len(f["article_ids"]) > 1 for mid in f["mention_ids"]}


def write_study_pages(out: Path, report: Path, article_pages: dict[str, str], titles: dict[str, str], mention_article: dict[str, str], page) -> str:
    """Write report/studies/*.html; return the index's studies and conflicts sections (HTML)."""
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
        with atomic_writer(folder / name) as fh:
            fh.write(render_study(study, findings, article_pages, titles, mention_article, page))
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
    s_rows = "".join(
        f"<tr><td><a href='studies/{study_page_name(s['study_id'])}'>{e(_study_title(s))}</a></td>"
        f"<td class='num'>{len(s['article_ids'])}</td><td class='num'>{s['n_mentions']}</td>"
        f"<td class='num'>{summary.get(s['study_id'], (0, 0))[0]}</td><td class='num'>{summary.get(s['study_id'], (0, 0))[1]}</td></tr>"
        for s in ranked[:STUDIES_INLINE]
    )
    s_more = f"<p class='muted'>and {len(ranked) - STUDIES_INLINE} more (see studies.jsonl)</p>" if len(ranked) > STUDIES_INLINE else ""
    c_rows = "".join(
        f"<tr class='conflict'><td><a href='studies/{study_page_name(s['study_id'])}#{e(f['finding_id'])}'>{e(_study_title(s))}</a></td>"
        f"<td>{e(f['kind'])}{' / ' + e(f['metric']) if f.get('metric') else ''}</td><td>{e(f.get('subject') or '')}</td>"
        f"<td class='num'>{_values(f)}</td><td>{e(f.get('note') or '')}</td></tr>"
        for s, f in conflicts
    )
    c_more = f"<p class='muted'>and {n_conflicts - CONFLICTS_INLINE} more (see findings.jsonl)</p>" if n_conflicts > CONFLICTS_INLINE else ""
    conflicts_html = (
        f"<h2>Conflicts ({n_conflicts})</h2>"
        + (
            "<table id='conflicts'><thead><tr><th>study</th><th>kind</th><th>subject</th><th class='num'>values</th><th>why</th></tr></thead>"
            f"<tbody>{c_rows}</tbody></table>{c_more}"
            if n_conflicts
            else "<p class='muted'>No finding is reported differently by two articles.</p>"
        )
    )
    studies_html = (
        f"<h2>Studies ({len(studies)})</h2>"
        "<table id='studies'><colgroup><col><col style='width:6rem'><col style='width:6rem'><col style='width:6rem'><col style='width:6rem'></colgroup>"
        "<thead><tr><th>study</th><th class='num'>articles</th><th class='num'>mentions</th><th class='num'>findings</th><th class='num'>conflicts</th></tr></thead>"
        f"<tbody>{s_rows}</tbody></table>{s_more}"
    )
    return conflicts_html + studies_html
