"""Who made the research behind each figure: organizations, reports, people.

Word lists live in ``rules/sources.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from spacy.lang.nl.stop_words import STOP_WORDS
from spacy.tokens import Doc

from pipeline.nlp import sent_of
from pipeline.rules import load_rules

SOURCES = load_rules("sources").tables

_NAME_WORD = r"(?:[A-Z][\w&'’.\-]*[\w&.]|[A-Z])"
_CONNECT = r"(?:van|voor|de|der|den|het|and|&|of)"
# names never span lines: [ \t] rather than \s between their words
ORG = rf"{_NAME_WORD}(?:[ \t]+(?:{_CONNECT}[ \t]+){{0,2}}{_NAME_WORD}){{0,5}}"
PERSON = r"[A-Z][\w'’\-]+(?:[ \t]+(?:(?:van der|van den|van|de|der|den|ter|ten)[ \t]+)?[A-Z][\w'’\-]+){0,3}"


def _alt(words: list[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


_CUES = _alt(SOURCES["cue_nouns"])
_DESCRIPTORS = _alt(SOURCES["org_descriptors"])
_RESEARCH_VERBS = _alt(SOURCES["research_verbs"])
_SPEECH = _alt(SOURCES["speech_verbs"])
_POLL = _alt(SOURCES["poll_words"])
_NOT_ORG = set(SOURCES["not_organizations"])
_ABBREV = set(SOURCES["abbreviations"])
_ORG_WORDS = set(SOURCES["org_words"])
_DESCRIPTOR_SET = {w.lower() for w in SOURCES["org_descriptors"]}

_PEOPLE_CUES = {w.lower() for w in SOURCES["people_cues"]}
_ROLE_CUES = {w.lower() for w in SOURCES["role_cues"]}
# 'het onderzoeksbureau', 'de', 'onderzoeksbureau': words before a name that say it is an organization
_ARTICLE_OR_DESCRIPTOR = rf"(?:(?i:de|het)\s+(?:(?i:{_DESCRIPTORS})\s+)?|(?i:{_DESCRIPTORS})\s+)"
_RE_VAN_ORG = re.compile(rf"\s(?:van|door|(?i:in samenwerking met))\s+{_ARTICLE_OR_DESCRIPTOR}?(?P<org>{ORG})")
_RE_CUE = re.compile(rf"(?i:\b(?:{_CUES}|{_alt(SOURCES['people_cues'] + SOURCES['role_cues'])}))\b")
_RE_REPORT_LIKE = re.compile(rf"(?i:(?:{_alt(SOURCES['report_nouns'])})(?:\s+\d{{4}})?)$")
_RE_HYPHEN = re.compile(rf"\b(?P<org>[A-Z][\w&]*)-(?i:{_CUES})\b")
_RE_SUBJECT = re.compile(
    rf"{_ARTICLE_OR_DESCRIPTOR}?(?P<org>{ORG})(?:\s*,\s*{ORG})*(?:\s+(?:en|samen met|in samenwerking met)\s+{ORG})?(?:\s+[\w'’]+){{0,8}}?\s+(?i:{_RESEARCH_VERBS})\b"
)
_RE_POLL = re.compile(rf"(?i:\b(?:{_POLL}))\b[^.?!]{{0,60}}?\bvia\s+(?P<org>{ORG})")
# 'volgens het CBS', 'Dat meldt onderzoeksbureau GfK': an article or a descriptor says the name is an organization
_RE_ATTRIBUTION_ORG = re.compile(
    rf"\b(?i:{_alt(SOURCES['org_attribution_verbs'])})\s+{_ARTICLE_OR_DESCRIPTOR}(?P<org>{ORG})"
)
_RE_BRON = re.compile(rf"\b(?i:bron)\s*:\s*(?P<org>{ORG})")
_RE_SPEECH_BIJ = re.compile(
    rf"\b(?i:{_SPEECH})\s+(?P<person>{PERSON})\s*,\s*(?P<role>[^.;\"“”]{{0,100}}?)\s+bij\s+(?P<org>{ORG})"
)
_RE_SPEECH_VAN = re.compile(
    rf"\b(?i:{_SPEECH})\s+(?P<person>{PERSON})\s*,\s*(?P<role>[^.;\"“”]{{0,100}}?)\s+van\s+(?P<org>{ORG})"
)
_ORG_ATTRIBUTION = {w.lower() for w in SOURCES["org_attribution_verbs"]}
_RE_SPEECH = re.compile(rf"\b(?i:{_alt(SOURCES['speech_verbs'] + SOURCES['org_attribution_verbs'])})\s+(?P<person>{PERSON})")
_RE_PERSON_DASH = re.compile(rf"(?P<person>{PERSON})\s+[-–]\s+(?P<role>[A-Za-z][^\n]{{0,60}}?)\s+(?P<org>{ORG})\s*$", re.M)
_RE_REPORT = re.compile(
    r"(?P<report>(?:[A-Z][\w\-]*\s+){1,8}(?:Report|Rapport|Monitor|Benchmark|Barometer|Index|Survey|Study|Studie|Onderzoek|Trendonderzoek)(?:\s+\d{4})?)"
)
_RE_BACKWARD = re.compile(r"^\W*(?:Dat|Dit|Zo|Het)\s+(?:blijkt|bleek|komt|staat|meldt|melden|concludeert|stelt|schrijft)\b")


@dataclass
class SourceRef:
    organization: str | None
    report: str | None = None
    person: str | None = None

    def as_dict(self) -> dict:
        return {"organization": self.organization, "report": self.report, "person": self.person}


def _generic(word: str, lower_words: set[str]) -> bool:
    return word.lower() in STOP_WORDS or word in _NOT_ORG or word.lower() in lower_words


def clean_org(name: str, lower_words: set[str], initial: bool = True) -> str | None:
    """Trim an organization name; None when it is not one (a common word, an acronym of a KPI).

    ``initial``: the name stands at the start of the sentence, where a capital says
    nothing ('Klanten van Zendesk'), so leading common words are dropped. After
    'van', 'volgens' and the like every capitalised word belongs to the name
    ('van Customer Talk'), unless all of them are common words.
    """
    words = name.split()
    while words and words[0].lower() in _DESCRIPTOR_SET:  # 'Onderzoeksbureau Motivaction'
        words = words[1:]
    for k, w in enumerate(words):  # a name ends where a sentence ends: 'NTT Ltd.. CX-strategie'
        if w.endswith(".") and (w.endswith("..") or w not in _ABBREV) and k < len(words) - 1:
            words = words[: k + 1]
            break
    if initial or all(_generic(w, lower_words) for w in words):
        while words and _generic(words[0], lower_words):
            words = words[1:]
    else:
        while words and words[0].lower() in STOP_WORDS:
            words = words[1:]
    while words and words[-1].lower() in STOP_WORDS:
        words = words[:-1]
    if not words:
        return None
    last = words[-1]
    if last not in _ABBREV:
        stripped = last.rstrip(".")
        if stripped + "." in _ABBREV:
            stripped += "."
        words[-1] = stripped
    out = " ".join(words).strip(" -")
    if not out or out in _NOT_ORG or out.lower() in lower_words:
        return None
    if re.fullmatch(r"[A-Z]{1,5}-[a-zà-ÿ].*", out):  # CX-volwassenheid, CX-strategie: common nouns
        return None
    if _RE_REPORT_LIKE.search(out):  # 'Benchmarking Report' is a report, not who made it
        return None
    return out


@dataclass
class SourceTracker:
    """Finds each sentence's source and carries it to the figures that follow."""

    lower_words: set[str]
    people: dict[str, str] = field(default_factory=dict)  # person (full or last name) -> employer

    @classmethod
    def for_text(cls, text: str) -> SourceTracker:
        no_urls = re.sub(r"\S+\.(?:nl|com|io|org|net|be|eu)\S*|https?://\S+|www\.\S+", " ", text)
        lower_words = {w for w in re.findall(r"\b[a-zà-ÿ][\w\-]+\b", no_urls)}
        tracker = cls(lower_words=lower_words)
        for rx in (_RE_SPEECH_BIJ, _RE_SPEECH_VAN, _RE_PERSON_DASH):
            for m in rx.finditer(text):
                org = clean_org(m.group("org"), lower_words)
                person = m.group("person").strip()
                if org:
                    tracker.people.setdefault(person, org)
                    tracker.people.setdefault(person.split()[-1], org)
        return tracker

    def _org(self, m: re.Match) -> str | None:
        initial = not m.string[: m.start("org")].strip(" \t\"“‘'(")
        return clean_org(m.group("org"), self.lower_words, initial=initial)

    def _cue_van(self, sentence: str) -> SourceRef | None:
        """'onderzoek van X', 'het rapport <titel> van de X', 'de cijfers van X': a cue noun
        within the same phrase before 'van'/'door' and an organization after it.
        After a cue for people ('onderzoeker Peter Jansen van TNO') the name is the person."""
        for m in _RE_VAN_ORG.finditer(sentence):
            window = sentence[max(0, m.start() - 90) : m.start()]
            window = re.split(r"[.,;:!?\"“”]", window)[-1]
            cue = None
            for cue in _RE_CUE.finditer(window):
                pass
            if cue is None:
                continue
            org = self._org(m)
            if org:
                title = re.sub(r"^(?:de|het|een)\s+", "", window[cue.end() :].strip(" ()"))
                named = title if title[:1].isupper() else None
                cue_word = cue.group(0).lower()
                if cue_word in _PEOPLE_CUES or cue_word in _ROLE_CUES:
                    person = named if named and re.fullmatch(PERSON, named) else None
                    if person is None and cue_word in _ROLE_CUES:
                        continue
                    return SourceRef(org, person=person)
                return SourceRef(org, report=named)
        return None

    def sentence_source(self, sentence: str) -> SourceRef | None:
        report = None
        rm = _RE_REPORT.search(sentence)
        if rm:
            report = rm.group("report").strip()
        found = self._cue_van(sentence)
        if found:
            return SourceRef(found.organization, report=report or found.report, person=found.person)
        for rx in (_RE_SUBJECT, _RE_HYPHEN, _RE_ATTRIBUTION_ORG, _RE_POLL, _RE_BRON):
            for m in rx.finditer(sentence):
                org = self._org(m)
                if org:
                    return SourceRef(org, report=report)
        for rx in (_RE_SPEECH_BIJ, _RE_SPEECH_VAN):
            m = rx.search(sentence)
            if m:
                org = self._org(m)
                if org:
                    return SourceRef(org, report=report, person=m.group("person").strip())
        for m in _RE_SPEECH.finditer(sentence):
            person = m.group("person").strip()
            employer = self.people.get(person) or self.people.get(person.split()[-1])
            if employer:
                return SourceRef(employer, report=report, person=person)
            looks_like_org = " " not in person or any(w in _ORG_WORDS for w in person.split())
            if m.group(0).lower().split()[0] in _ORG_ATTRIBUTION and looks_like_org:
                whole = re.match(ORG, sentence[m.start("person") :])  # 'Thuiswinkel.org', not 'Thuiswinkel'
                org = clean_org(whole.group(0) if whole else person, self.lower_words, initial=False)
                if org:
                    return SourceRef(org, report=report)
        return None

    def assign(self, doc: Doc, figures: list[tuple[int, int]]) -> dict[int, SourceRef | None]:
        """Source of each figure (keyed by its first token)."""
        sents = list(doc.sents)
        own = [self.sentence_source(s.text) for s in sents]
        # 'Dat blijkt uit onderzoek van X.' names the source of the sentence before it
        for k in range(1, len(sents)):
            if own[k] and own[k - 1] is None and _RE_BACKWARD.search(sents[k].text):
                own[k - 1] = own[k]
        first = next((s for s in own if s), None)
        sent_index = {s.start: k for k, s in enumerate(sents)}
        carried: list[SourceRef | None] = []
        current = None
        for s in own:
            current = s or current
            carried.append(current)
        out: dict[int, SourceRef | None] = {}
        for s, _e in figures:
            k = sent_index[sent_of(doc, s).start]
            out[s] = carried[k] or first
        return out
