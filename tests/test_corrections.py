"""Editors' corrections: the model, the pure application, and the flow (reruns, incremental runs, stale)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from pydantic import ValidationError

from flows.io import read_jsonl
from pipeline.article import build_article, sha256_bytes
from pipeline.corrections import apply_corrections, correction_dict, parse_corrections, sentence_around
from pipeline.extract import extract
from schemas.export import SCHEMA_DIR
from schemas.records import SCHEMA_VERSION, Correction

from .conftest import CORPUS

TEXT = (
    "Klanten zijn tevreden\n"
    "Uit onderzoek van Zendesk blijkt dat 64 procent van de klanten tevreden is. "
    "Bijna de helft wacht langer dan 10 minuten. Dertig klanten belden twee keer.\n"
)
AT = "2026-11-22T10:00:00Z"


def _article(text: str = TEXT, aid: str = "a"):
    art = build_article(f"{aid}.txt", text.encode())
    res = extract(art)
    rec = {"article_id": aid, "path": f"{aid}.txt", "sha256": art.sha256, "status": "ok", "published": None, "n_mentions": len(res.mentions)}
    return rec, res.mentions, []


def _corr(article: dict, start: int, end: int, action: str, **fields) -> dict:
    return correction_dict(
        Correction(article_id=article["article_id"], sha256=article["sha256"], span={"start": start, "end": end}, action=action, fields=fields, at=AT)
    )


def _span_of(mentions: list[dict], text: str) -> tuple[int, int]:
    m = next(m for m in mentions if m["text"] == text)
    return m["span"]["start"], m["span"]["end"]


def test_schema_version_and_committed_correction_schema():
    assert SCHEMA_VERSION == "1.1.0"
    schema = json.loads((SCHEMA_DIR / "correction.schema.json").read_text(encoding="utf-8"))
    good = {"article_id": "a", "sha256": "0" * 64, "span": {"start": 1, "end": 3}, "action": "set", "fields": {"year": 2024}, "at": AT}
    jsonschema.validate(good, schema)
    assert set(schema["required"]) >= {"article_id", "sha256", "span", "action", "at"}


@pytest.mark.parametrize(
    "bad, code",
    [
        ({"action": "reject", "fields": {"year": 2024}}, "reject_with_fields"),
        ({"action": "set", "fields": {}}, "set_without_fields"),
        ({"action": "add", "fields": {"kind": "percentage"}}, "add_without_kind_value"),
        ({"action": "set", "fields": {"year": 1200}}, "year_out_of_range"),
        ({"action": "set", "fields": {"colour": "red"}}, "extra"),
        ({"action": "delete"}, "literal"),
        ({"sha256": "abc"}, "pattern"),
    ],
)
def test_correction_model_rejects(bad, code):
    base = {"article_id": "a", "sha256": "0" * 64, "span": {"start": 1, "end": 3}, "action": "reject", "fields": {}, "at": AT}
    with pytest.raises(ValidationError) as exc:
        Correction.model_validate({**base, **bad})
    assert code in str(exc.value).lower().replace("string_pattern_mismatch", "pattern")


def test_reject_set_add_apply_and_say_so():
    article, mentions, rej = _article()
    s64 = _span_of(mentions, "64 procent")
    start = TEXT.index("Dertig klanten")
    corrs = [
        _corr(article, *s64, "set", source={"organization": "Gartner"}, year=2024),
        _corr(article, *_span_of(mentions, "10 minuten"), "reject"),
        _corr(article, start, start + len("Dertig klanten"), "add", kind="count", value=30),
    ]
    out = apply_corrections(article, mentions, rej, corrs, TEXT)
    by_text = {m["text"]: m for m in out.mentions}
    assert by_text["64 procent"]["source"]["organization"] == "Gartner" and by_text["64 procent"]["year"] == 2024
    assert by_text["64 procent"]["corrected"] == {"action": "set", "fields": ["source", "year"], "at": AT}
    assert "10 minuten" not in by_text
    added = by_text["Dertig klanten"]
    assert added["rule"] == "editor" and added["value"] == 30 and added["corrected"]["action"] == "add"
    assert added["sentence"] == "Dertig klanten belden twee keer."
    assert TEXT[added["span"]["start"] : added["span"]["end"]] == added["text"]
    assert out.article["n_mentions"] == len(out.mentions)
    (rejected,) = [r for r in out.rejections if r["reason"].startswith("rejected_by_editor")]
    assert rejected["level"] == "correction" and rejected["candidate"]["text"] == "10 minuten"
    assert [m["span"]["start"] for m in out.mentions] == sorted(m["span"]["start"] for m in out.mentions)
    assert out.applied == 3


def test_later_corrections_win_and_invalid_ones_are_reported():
    article, mentions, rej = _article()
    s64 = _span_of(mentions, "64 procent")
    corrs = [
        _corr(article, *s64, "set", year=2023),
        _corr(article, *s64, "set", year=2024, qualifier="about"),
        _corr(article, *s64, "set", value=140.0),  # a share above 100: the record would not validate
        _corr(article, 0, 5, "set", year=2020),  # no mention there
    ]
    out = apply_corrections(article, mentions, rej, corrs, TEXT)
    m = next(m for m in out.mentions if m["text"] == "64 procent")
    assert (m["year"], m["qualifier"], m["value"]) == (2024, "about", 64.0)
    assert m["corrected"]["fields"] == ["qualifier", "year"]
    reasons = [r["reason"] for r in out.rejections]
    assert any(r.startswith("invalid_correction: set at") and "share_out_of_range" in r for r in reasons)
    assert any(r.startswith("unmatched_correction: no mention at 0..5") for r in reasons)


def test_stale_when_the_article_changed():
    article, mentions, rej = _article()
    corr = _corr(article, *_span_of(mentions, "64 procent"), "reject")
    changed, m2, r2 = _article(TEXT.replace("Zendesk", "Gartner"))
    out = apply_corrections(changed, m2, r2, [corr], TEXT)
    assert len(out.mentions) == len(m2)
    (stale,) = out.rejections
    assert stale["level"] == "correction" and stale["reason"].startswith("stale_correction: reject at")
    assert stale["candidate"]["sha256"] == article["sha256"]


def test_add_over_an_extracted_mention_replaces_it_and_reapplying_is_stable():
    article, mentions, rej = _article()
    s, e = _span_of(mentions, "64 procent")
    corrs = [_corr(article, s, e + len(" van de klanten"), "add", kind="percentage", value=64, metric="customer_satisfaction")]
    once = apply_corrections(article, mentions, rej, corrs, TEXT)
    assert [m["text"] for m in once.mentions if m["span"]["start"] == s] == ["64 procent van de klanten"]
    assert any(r["reason"].startswith("replaced_by_editor") for r in once.rejections)
    twice = apply_corrections(article, once.mentions, [], corrs, TEXT)
    assert twice.mentions == once.mentions


def test_parse_keeps_bad_lines_with_their_reason():
    good = json.dumps({"article_id": "a", "sha256": "0" * 64, "span": {"start": 1, "end": 3}, "action": "reject", "at": AT})
    parsed = parse_corrections(f"{good}\nnot json\n\n" + json.dumps({"article_id": "b", "action": "reject"}) + "\n")
    assert len(parsed) == 1 and parsed.by_article["a"][0]["fields"] == {}
    assert [b["line"] for b in parsed.invalid] == [2, 4]
    assert parsed.invalid[1]["article_id"] == "b" and parsed.invalid[1]["reason"].startswith("invalid_correction: line 4")


def test_sentence_around():
    assert sentence_around(TEXT, TEXT.index("10 minuten"), TEXT.index("10 minuten") + 10) == "Bijna de helft wacht langer dan 10 minuten."


# --------------------------------------------------------------------------- through the flow


@pytest.mark.usefixtures("prefect_harness")
def test_corrections_survive_reruns_and_incremental_runs_and_go_stale(tmp_path):
    from flows.extract_flow import extract_corpus

    corpus, out = tmp_path / "corpus", tmp_path / "out"
    shutil.copytree(CORPUS, corpus)
    extract_corpus(corpus=str(corpus), out=str(out))
    metrics = read_jsonl(out / "metrics.jsonl")
    arts = {a["article_id"]: a for a in read_jsonl(out / "articles.jsonl")}
    aid = sorted(arts)[0]
    mine = [m for m in metrics if m["article_id"] == aid]
    text = (corpus / arts[aid]["path"]).read_text(encoding="utf-8")
    target, gone = mine[0], mine[1]
    word = text.index("klant")
    lines = [
        {"article_id": aid, "sha256": arts[aid]["sha256"], "span": target["span"], "action": "set", "fields": {"source": {"organization": "Editor BV"}}, "at": AT},
        {"article_id": aid, "sha256": arts[aid]["sha256"], "span": gone["span"], "action": "reject", "fields": {}, "at": AT},
        {"article_id": aid, "sha256": arts[aid]["sha256"], "span": {"start": word, "end": word + 5}, "action": "add", "fields": {"kind": "count", "value": 1}, "at": AT},
        {"article_id": "gone", "sha256": "0" * 64, "span": {"start": 0, "end": 1}, "action": "reject", "fields": {}, "at": AT},
    ]
    (corpus / "corrections.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")

    def check(o: Path) -> None:
        ms = {(m["article_id"], m["span"]["start"]): m for m in read_jsonl(o / "metrics.jsonl")}
        assert ms[(aid, target["span"]["start"])]["source"]["organization"] == "Editor BV"
        assert (aid, gone["span"]["start"]) not in ms
        assert ms[(aid, word)]["rule"] == "editor"
        reasons = [r["reason"] for r in read_jsonl(o / "rejected.jsonl")]
        assert any(r.startswith("rejected_by_editor") for r in reasons)
        assert any(r.startswith("stale_correction") and "'gone'" in r for r in reasons)
        assert "corrections.jsonl" not in {a["path"] for a in read_jsonl(o / "articles.jsonl")}

    summary = extract_corpus(corpus=str(corpus), out=str(out))  # only the corrections changed
    assert summary["processed"] == 0
    check(out)
    before = (out / "metrics.jsonl").read_bytes()
    other = sorted(arts)[1]
    (corpus / arts[other]["path"]).write_text((corpus / arts[other]["path"]).read_text(encoding="utf-8") + "\nNog 12 procent.\n", encoding="utf-8")
    summary = extract_corpus(corpus=str(corpus), out=str(out))  # incremental: another article changed
    assert summary["processed"] == 1
    check(out)
    full = tmp_path / "full"
    extract_corpus(corpus=str(corpus), out=str(full), full=True)
    assert (full / "metrics.jsonl").read_bytes() == (out / "metrics.jsonl").read_bytes() != before

    # the corrected article changes: its corrections are reported stale, not applied
    (corpus / arts[aid]["path"]).write_text(text.replace("klant", "kl\u00e4nt", 1), encoding="utf-8")
    extract_corpus(corpus=str(corpus), out=str(out))
    ms = [m for m in read_jsonl(out / "metrics.jsonl") if m["article_id"] == aid]
    assert not any(m.get("corrected") for m in ms)
    stale = [r for r in read_jsonl(out / "rejected.jsonl") if r["article_id"] == aid and r["reason"].startswith("stale_correction")]
    assert len(stale) == 3 and all(r["level"] == "correction" for r in stale)


@pytest.mark.usefixtures("prefect_harness")
def test_corrections_file_elsewhere(tmp_path):
    from flows.extract_flow import extract_corpus

    corpus, out = tmp_path / "corpus", tmp_path / "out"
    shutil.copytree(CORPUS, corpus)
    path = sorted(corpus.glob("*.txt"))[0]
    art = build_article(path.name, path.read_bytes())
    first = extract(art).mentions[0]
    cfile = tmp_path / "edits.jsonl"
    cfile.write_text(
        json.dumps({"article_id": art.article_id, "sha256": sha256_bytes(path.read_bytes()), "span": first["span"], "action": "reject", "at": AT}) + "\n",
        encoding="utf-8",
    )
    extract_corpus(corpus=str(corpus), out=str(out), corrections=str(cfile))
    assert first["id"] not in {m["id"] for m in read_jsonl(out / "metrics.jsonl")}


@pytest.mark.usefixtures("prefect_harness")
def test_eval_against_corrections_and_review_needs_a_run(tmp_path, capsys):
    from flows.cli import main
    from flows.extract_flow import extract_corpus

    corpus, out = tmp_path / "corpus", tmp_path / "out"
    shutil.copytree(CORPUS, corpus)
    extract_corpus(corpus=str(corpus), out=str(out))
    arts = {a["article_id"]: a for a in read_jsonl(out / "articles.jsonl")}
    aid = sorted(arts)[0]
    mine = [m for m in read_jsonl(out / "metrics.jsonl") if m["article_id"] == aid]
    text = (corpus / arts[aid]["path"]).read_text(encoding="utf-8")
    word = text.index("klant")
    sha = arts[aid]["sha256"]
    lines = [
        {"article_id": aid, "sha256": sha, "span": mine[0]["span"], "action": "reject", "at": AT},
        {"article_id": aid, "sha256": sha, "span": mine[1]["span"], "action": "set", "fields": {"source": {"organization": "Editor BV"}}, "at": AT},
        {"article_id": aid, "sha256": sha, "span": {"start": word, "end": word + 5}, "action": "add", "fields": {"kind": "count", "value": 1}, "at": AT},
    ]
    cfile = corpus / "corrections.jsonl"
    cfile.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    assert main(["eval", "--corrections", str(cfile), "--pred", str(out / "metrics.jsonl"), "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    n = len(mine)
    assert s["mentions"]["tp"] == n - 1 and s["mentions"]["fp"] == 1 and s["mentions"]["fn"] == 1
    assert s["attributes"]["source"] == pytest.approx((n - 2) / (n - 1), abs=1e-4)
    assert main(["eval", "--pred", str(out / "metrics.jsonl")]) == 2  # neither --gold nor --corrections
    assert main(["review", "--out", str(tmp_path / "nothing"), "--corpus", str(corpus)]) == 2
    assert "run `cxmetrics run` first" in capsys.readouterr().err
