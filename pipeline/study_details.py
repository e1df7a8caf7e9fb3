"""How a study was done and whom it asked: its method and population, from its sentences.

``pipeline.studies`` finds an article's studies (makers, commissioners, name, year,
sample); this module adds what the sentences that name a study, or describe its
sample, say about its method (``online survey``, ``mystery calling``, ``poll``,
``panel``, ``registry data``) and its population (``Nederlanders``, ``webshops``),
and turns the article's studies into plain records for the cache and for linking
across articles (``pipeline.corpus_studies``). Rule tables: ``rules/study_details.yaml``.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc

from pipeline.corpus_studies import clean_name, local_study_id
from pipeline.nlp import sent_of, sentence_texts, sentences
from pipeline.rules import load_rules
from pipeline.studies import ArticleStudies, Study
from schemas.records import check_year

TABLES = load_rules("study_details").tables

_METHODS = [(method, [re.compile(rx) for rx in rxs]) for method, rxs in TABLES["methods"].items()]
# all of them at once: one scan says whether a sentence states any method (most state none)
_ANY_METHOD = re.compile("|".join(f"(?:{rx.pattern})" for _m, rxs in _METHODS for rx in rxs))
_POP_NOUNS = sorted(TABLES["population_nouns"], key=len, reverse=True)
_GENERIC = {w.lower() for w in TABLES["generic_participants"]}
_CUE = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(TABLES["sample_cues"], key=len, reverse=True)) + r")\b", re.I)
_QUAL = "|".join(re.escape(w) for w in sorted(TABLES["sample_qualifiers"], key=len, reverse=True))
_NUM = r"(?:\d[\d.,]*\d|\d)(?:\s+(?:miljoen|duizend))?|(?:twee|drie|vier|vijf|zes|zeven|acht|negen|tien)?(?:honderd|duizend)"
_WORD = r"[\wÀ-ÿ'’\-]+"
# a number, up to two adjectives, a noun: '1.250 Nederlanders', 'ruim 800 Nederlandse consumenten'
_RE_COUNTED = re.compile(rf"(?<![\w.,])(?:(?i:{_QUAL})\s+)?(?:{_NUM})\s+(?P<phrase>(?:{_WORD}\s+){{0,2}}{_WORD})")
# 'onderzoek onder Nederlandse webshops', 'onder alle klanten'
_RE_AMONG = re.compile(rf"\bonder\s+(?:(?i:de|alle|het)\s+)?(?P<phrase>(?:{_WORD}\s+){{0,2}}{_WORD})")


def method_of(sentences: list[str]) -> str | None:
    """The first method a sentence states, the methods tried in table order per sentence."""
    for sentence in sentences:
        low = sentence.lower()
        if not _ANY_METHOD.search(low):
            continue
        for method, rxs in _METHODS:
            if any(rx.search(low) for rx in rxs):
                return method
    return None


def _population_noun(word: str) -> bool:
    low = word.lower()
    if low in _GENERIC:
        return False
    return any(low == n.lower() or (low.endswith(n.lower()) and len(low) > len(n)) for n in _POP_NOUNS)


def _adjective(word: str) -> bool:
    """'Nederlandse', 'grote', 'online': a word that can stand before the population noun."""
    return word.lower().endswith("e") or word.lower() in ("online",)


def _phrase(words: list[str]) -> str | None:
    """The population in a run of words after a number or 'onder': adjectives, then the noun."""
    for k, word in enumerate(words):
        if _population_noun(word):
            if all(_adjective(w) for w in words[:k]):
                return " ".join(words[: k + 1])
            return word
        if not _adjective(word):
            return None
    return None


def population_of(sentences: list[str]) -> str | None:
    """Whom the study asked or counted, from a sentence that describes its sample."""
    for sentence in sentences:
        if not _CUE.search(sentence):
            continue
        for rx in (_RE_COUNTED, _RE_AMONG):
            for m in rx.finditer(sentence):
                found = _phrase(m.group("phrase").split())
                if found:
                    return found
    return None


def describe_studies(
    doc: Doc, article_id: str, found: ArticleStudies, figures: list[tuple[int, int]], published_year: int | None = None
) -> tuple[list[dict], dict[int, str]]:
    """The article's studies as records (for the cache and cross-article linking), and the
    study id of each figure (by start token).

    ``link_year`` is the year that identifies the study across articles: the year it
    states, else the year the article was published (a study reported without a year is
    taken to be the one current then), else none (never linked).

    A study's method and population are read from the sentences that name it first, then
    from the sentences of the figures it governs.
    """
    sents = sentences(doc)
    sent_texts = sentence_texts(doc)
    sent_index = {s.start: k for k, s in enumerate(sents)}
    governed: dict[int, list[int]] = {}
    n_figures: dict[int, int] = {}
    for s, _e in figures:
        study = found.by_figure.get(s)
        if study is not None:
            k = sent_index[sent_of(doc, s).start]
            governed.setdefault(id(study), [])
            if k not in governed[id(study)]:
                governed[id(study)].append(k)
            n_figures[id(study)] = n_figures.get(id(study), 0) + 1
    records: list[dict] = []
    ids: dict[int, str] = {}
    used: set[str] = set()
    for study in found.studies:
        order = list(dict.fromkeys(study.sentences + governed.get(id(study), [])))
        texts = [sent_texts[k] for k in order]
        year = _in_range(study.year)
        link_year = year if year is not None else _in_range(published_year)
        name = clean_name(study.name)
        sid, salt = local_study_id(_orgs(study), name, link_year, article_id), 0
        while sid in used:  # never two studies of one article with one id
            salt += 1
            sid = local_study_id(_orgs(study), name, link_year, article_id, str(salt))
        used.add(sid)
        ids[id(study)] = sid
        records.append(
            {
                "study_id": sid,
                "makers": list(study.makers),
                "commissioners": [c for c in study.commissioners if c not in study.makers],
                "name": name,
                "year": year,
                "link_year": link_year,
                "sample_size": study.sample_size,
                "population": population_of(texts),
                "method": method_of(texts),
                "strength": study.strength,
                "n_figures": n_figures.get(id(study), 0),
            }
        )
    by_figure = {s: ids[id(st)] for s, st in found.by_figure.items() if st is not None}
    return records, by_figure


def _in_range(year: int | None) -> int | None:
    """A year the records accept (``schemas.records.check_year``), else None."""
    try:
        return check_year(None, year)
    except ValueError:
        return None


def _orgs(study: Study) -> list[str]:
    return study.organizations
