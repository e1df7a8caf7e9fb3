"""Issue 13 end to end: a corpus of the files editors really have, through the Prefect flow.

A saved web page (navigation, cookie banner, footer, scripts), a Word file, a text PDF,
a scanned PDF and a broken Word file: the three real ones are ok with their figures, the
page's furniture yields no figures, its title and date come from its metadata, the scan
and the broken file are rejected with reasons, and every span holds on out/texts/.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flows.io import read_jsonl
from tests import formats_samples as S

from .conftest import run_flow

pytestmark = pytest.mark.usefixtures("prefect_harness")


def make_corpus(root: Path) -> Path:
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "webpagina.html").write_bytes(S.page_bytes(S.page_semantic()))
    (corpus / "persbericht.docx").write_bytes(S.docx_bytes())
    (corpus / "rapport.pdf").write_bytes(S.text_pdf_bytes())
    (corpus / "scan.pdf").write_bytes(S.scanned_pdf_bytes())
    (corpus / "kapot.docx").write_bytes(S.broken_docx_bytes())
    (corpus / "geheim.pdf").write_bytes(S.encrypted_pdf_bytes())
    (corpus / "leeg.htm").write_bytes(b"<html><body><nav><a href='/'>Home</a></nav></body></html>")
    (corpus / "notitie.txt").write_text("Notitie\n\nUit onderzoek van Klantpeil blijkt dat 55 procent tevreden is.", encoding="utf-8")
    return corpus


def test_every_format_through_the_flow(tmp_path):
    corpus = make_corpus(tmp_path)
    out = tmp_path / "out"
    summary = run_flow(corpus, out)
    articles = {a["path"]: a for a in read_jsonl(out / "articles.jsonl")}
    status = {p: (a["status"], (a["error"] or "").split(":")[0]) for p, a in articles.items()}
    assert status == {
        "webpagina.html": ("ok", ""),
        "persbericht.docx": ("ok", ""),
        "rapport.pdf": ("ok", ""),
        "notitie.txt": ("ok", ""),
        "scan.pdf": ("rejected", "no_text_layer"),
        "kapot.docx": ("rejected", "unreadable"),
        "geheim.pdf": ("rejected", "encrypted"),
        "leeg.htm": ("rejected", "empty"),
    }
    assert summary["ok"] == 4 and summary["rejected_articles"] == 4
    formats = {p: a["format"] for p, a in articles.items()}
    assert formats["webpagina.html"] == "html" and formats["leeg.htm"] == "html" and formats["kapot.docx"] == "docx"

    page = articles["webpagina.html"]
    assert page["title"] == "Tevredenheid over energieleveranciers daalt" and page["published"] == "2023-03-14"
    assert articles["rapport.pdf"]["text_path"] == "texts/rapport.txt" and articles["scan.pdf"]["text_path"] is None

    mentions = read_jsonl(out / "metrics.jsonl")
    by_article: dict[str, set[str]] = {}
    for m in mentions:
        by_article.setdefault(m["article_id"], set()).add(m["text"])
        stored = (out / articles_by_id(articles)[m["article_id"]]["text_path"]).read_text(encoding="utf-8")
        assert stored[m["span"]["start"] : m["span"]["end"]] == m["text"]
    assert {"64 procent", "71 procent", "6 minuten"} <= by_article["webpagina"]
    assert not by_article["webpagina"] & {"13 maanden", "100 procent", "25 procent", "99 procent", "42 procent", "55 procent"}
    assert {"87 procent", "7,4"} <= by_article["persbericht"]
    assert {"76 procent", "€ 2,5 miljoen"} <= by_article["rapport"]
    assert by_article["notitie"] == {"55 procent"}
    # the stored text of a .txt file is the decoded file itself
    assert (out / "texts" / "notitie.txt").read_bytes() == (corpus / "notitie.txt").read_bytes()
    assert sorted(p.name for p in (out / "texts").iterdir()) == ["notitie.txt", "persbericht.txt", "rapport.txt", "webpagina.txt"]

    reasons = {r["path"]: r["reason"] for r in read_jsonl(out / "rejected.jsonl") if r["level"] == "article"}
    assert reasons["scan.pdf"].startswith("no_text_layer") and reasons["kapot.docx"].startswith("unreadable")


def articles_by_id(articles: dict[str, dict]) -> dict[str, dict]:
    return {a["article_id"]: a for a in articles.values()}


def test_incremental_runs_for_binary_formats(tmp_path):
    corpus = make_corpus(tmp_path)
    out = tmp_path / "out"
    run_flow(corpus, out)
    first = {n: (out / n).read_bytes() for n in ("metrics.jsonl", "articles.jsonl", "rejected.jsonl")}
    page_mtime = (out / "texts" / "webpagina.txt").stat().st_mtime_ns

    again = run_flow(corpus, out)
    assert again["processed"] == 0 and again["unchanged"] == 8
    assert {n: (out / n).read_bytes() for n in first} == first

    # a changed PDF is read again; the other stored texts are not rewritten
    (corpus / "rapport.pdf").write_bytes(S.pdf_bytes([["Nieuwe cijfers", "Van de klanten is 33 procent ontevreden."]]))
    os.utime(corpus / "rapport.pdf", ns=(1, 1))
    changed = run_flow(corpus, out)
    assert changed["processed"] == 1 and changed["changed"] == 1
    assert "33 procent" in (out / "texts" / "rapport.txt").read_text(encoding="utf-8")
    assert (out / "texts" / "webpagina.txt").stat().st_mtime_ns == page_mtime  # same text: not rewritten

    # a deleted article's text goes with it; a full run equals the incremental one
    (corpus / "persbericht.docx").unlink()
    run_flow(corpus, out)
    assert not (out / "texts" / "persbericht.txt").exists()
    incremental = {n: (out / n).read_bytes() for n in first}
    full_out = tmp_path / "full"
    run_flow(corpus, full_out, full=True)
    assert {n: (full_out / n).read_bytes() for n in first} == incremental
    assert sorted(p.name for p in (full_out / "texts").iterdir()) == sorted(p.name for p in (out / "texts").iterdir())


def test_a_file_over_the_parse_time_limit_is_too_slow_and_the_run_goes_on(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "groot.pdf").write_bytes(S.pdf_bytes([S.PDF_PAGES[0] * 6] * 80, header=S.PDF_HEADER))
    (corpus / "notitie.txt").write_text("Notitie\n\nVan de klanten is 55 procent tevreden.", encoding="utf-8")
    out = tmp_path / "out"
    summary = run_flow(corpus, out, parse_seconds=0.001)
    articles = {a["path"]: a for a in read_jsonl(out / "articles.jsonl")}
    assert articles["groot.pdf"]["status"] == "rejected" and articles["groot.pdf"]["error"].startswith("too_slow")
    assert articles["notitie.txt"]["status"] == "ok" and summary["ok"] == 1
