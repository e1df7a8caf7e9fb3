"""The studies an article reports, and the study behind each figure.

A study is the unit of attribution (ANNOTATION.md, "source" and "year"): who
made it (and who commissioned it), its name, its year, its sample. Each
sentence is read for attribution evidence (``onderzoek van X``, ``X
ondervroeg``, ``in opdracht van X``, ``volgens X``, ``klachten bij X`` ...);
evidence naming the same organization is one study. The article's main study
is the one the evidence over the whole article points to
(``pipeline.attribution``: research clauses in any word order, headline, ``Over
X``, the publisher in the first person), else the first study named. Each figure
then gets the study that governs it: the one its own sentence names (or, for a
sentence that introduces figures without stating one, its paragraph), else the
main study, else none. ``source`` and ``year`` of a record come from its study.

Word lists and phrase tables live in ``rules/sources.yaml``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span

from pipeline.dutch import all_forms, common_word, dutch_words, verb_forms
from pipeline.names import STOP_WORDS, norm_name, same_org  # noqa: F401  (norm_name, same_org: part of this module's API)
from pipeline.nlp import doc_text, paragraph_numbers, sent_of, sentence_texts, sentences
from pipeline.rules import load_rules

def _verb_tables(tables: dict) -> dict[str, list[str]]:
    """The verb forms the patterns below read, made from the lemma tables by ``pipeline.dutch``:
    every form of a research verb ('peilde', 'ondervraagd', 'deed onderzoek'), the finite ones
    (a verb before its subject: 'Eerder dit jaar ondervroeg Ipsos'), a registry's verbs, and the
    finite forms of the verbs that present research."""
    irregular = tables["irregular_verbs"]
    research = [verb_forms(e, irregular) for e in tables["research_lemmas"]]
    verb_first = {f"{v} {p}" for f in research for v, p in f.split if " " in e_particle(f.lemma)}
    return {
        # a subject, then its verb: the finite forms ('Ipsos ondervroeg'); a participle or infinitive
        # there is mostly a passive or an auxiliary's ('werd gemeten', 'gaat meten'): read by attribution
        "research_verbs": sorted({w for f in research for w in f.finite if w != f.lemma.rpartition("|")[2]} | verb_first),
        "inverted_research_verbs": sorted({w for f in research for w in f.finite if " " not in w}),
        "registry_verbs": all_forms(tables["registry_lemmas"], irregular),
        "presenting_verbs": sorted({w for e in tables["presenting_lemmas"] for w in verb_forms(e, irregular).finite}),
    }


def e_particle(entry: str) -> str:
    return entry.rpartition("|")[0]


SOURCES = load_rules("sources").tables
SOURCES = {**SOURCES, **_verb_tables(SOURCES)}

_NAME_WORD = r"(?:[A-Z][\w&'’.\-]*[\w&.]|[A-Z])"
_CONNECT = r"(?:van|voor|de|der|den|het|and|&|of)"
# names never span lines: [ \t] rather than \s between their words
ORG = rf"{_NAME_WORD}(?:[ \t]+(?:{_CONNECT}[ \t]+){{0,2}}{_NAME_WORD}){{0,5}}"
PERSON = r"[A-Z][\w'’\-]+(?:[ \t]+(?:(?:van der|van den|van|de|der|den|ter|ten)[ \t]+)?[A-Z][\w'’\-]+){0,3}"


def _alt(words: list[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


def _start(words: list[str]) -> str:
    """Any of the words in any case, from a word boundary. The look-ahead at their first
    letters is an exact pre-test that lets the regex engine pass over every other position
    at once: a case-insensitive alternation tried at each character is the slow part of a
    pattern scanned over whole sentences and articles (2x faster measured)."""
    firsts = "".join(sorted({re.escape(w[:1].lower()) for w in words}))
    return rf"(?=(?i:[{firsts}]))\b(?i:{_alt(words)})"


_CUES = _alt(SOURCES["cue_nouns"])
_DESCRIPTORS = _alt(SOURCES["org_descriptors"])
_RESEARCH_VERBS = _alt(SOURCES["research_verbs"])
_NOT_ORG = set(SOURCES["not_organizations"])
_ABBREV = set(SOURCES["abbreviations"])
_ORG_WORDS = set(SOURCES["org_words"])
_DESCRIPTOR_SET = {w.lower() for w in SOURCES["org_descriptors"]}

_PEOPLE_CUES = {w.lower() for w in SOURCES["people_cues"]}
_ROLE_CUES = {w.lower() for w in SOURCES["role_cues"]}
# 'het onderzoeksbureau', 'de', 'onderzoeksbureau': words before a name that say it is an organization
# a lower-case compound ending in an organization noun also says a name follows: 'beroepsfederatie BVVO',
# 'schoenenketen Torfs', 'bankvergelijkingssite Bankshopper.be'
_DESCRIPTOR_WORD = rf"(?:(?i:{_DESCRIPTORS})|[a-z]*(?:{_alt(SOURCES['org_noun_endings'])}))"
_RE_DESCRIPTOR_WORD = re.compile(_DESCRIPTOR_WORD)
_ARTICLE_NAME = rf"(?i:de|het)\s+(?:{_DESCRIPTOR_WORD}\s+)?"  # 'de', 'het onderzoeksbureau' before a name
_ARTICLE_OR_DESCRIPTOR = rf"(?:{_ARTICLE_NAME}|{_DESCRIPTOR_WORD}\s+)"


def _words(table: str) -> str:
    """A table's words or phrases as whole words, any case."""
    return rf"{_start(SOURCES[table])}\b"


def _then_org(table: str) -> re.Pattern:
    """A table's phrase, then (an article or descriptor and) an organization: 'in opdracht van de NMa'."""
    return re.compile(rf"{_start(SOURCES[table])}\s+{_ARTICLE_OR_DESCRIPTOR}?(?P<org>{ORG})")
_RE_VAN_ORG = re.compile(rf"\s(?:van|door|(?i:in samenwerking met))\s+{_ARTICLE_OR_DESCRIPTOR}?(?P<org>{ORG})")
# a public body written in lower case, as Dutch writes them: 'het rapport van de rekenkamer'
_RE_VAN_INSTITUTION = re.compile(rf"\s(?:van|door)\s+(?:de|het)\s+(?P<org>[a-z]*(?:{_alt(SOURCES['institution_endings'])}))\b")
# a person's office after the name: ', federaal minister van Economie', ' (CD&V), staatssecretaris van Financiën'
_MINISTERS = {w.lower() for w in SOURCES["ministers"]}
_RE_OFFICE = re.compile(
    rf"[ \t]*(?:\([^()\n]{{1,30}}\))?[ \t]*,[ \t]*(?:[a-z]+[ \t]+){{0,2}}?"
    rf"(?P<role>(?i:{_alt(SOURCES['ministers'] + SOURCES['role_cues'])}))[ \t]+(?:van|bij)[ \t]+(?:(?:de|het)[ \t]+)?(?P<org>{ORG})"
)
_RE_CUE = re.compile(rf"{_start(SOURCES['cue_nouns'] + SOURCES['people_cues'] + SOURCES['role_cues'])}\b")
_RE_REPORT_LIKE = re.compile(rf"(?i:(?:{_alt(SOURCES['report_nouns'])})(?:\s+\d{{4}})?)$")
# a capitalised compound ending in a title noun names a report, whatever follows: 'KlantenMonitor Zorgverzekeringen'
_TITLE_COMPOUND = rf"(?:[A-Z]{{1,5}}-)?[A-Z][a-z]+(?:{_alt([w.capitalize() for w in SOURCES['title_compound_endings']] + SOURCES['title_compound_endings'])})"
_RE_TITLE_COMPOUND = re.compile(rf"\b{_TITLE_COMPOUND}\b")
_RE_HYPHEN = re.compile(rf"\b(?P<org>[A-Z][\w&]*)-(?i:{_CUES})\b")
_RE_SUBJECT = re.compile(
    rf"{_ARTICLE_OR_DESCRIPTOR}?(?P<org>{ORG})(?:\s*,\s*{ORG})*(?:\s+(?:en|samen met|in samenwerking met)\s+{ORG})?(?:\s+[\w'’]+){{0,8}}?\s+(?i:{_RESEARCH_VERBS})\b"
)
_RE_POLL = re.compile(rf"{_start(SOURCES['poll_words'])}\b[^.?!]{{0,60}}?\bvia\s+(?P<org>{ORG})")
# 'volgens het CBS', 'Dat meldt onderzoeksbureau GfK': an article or a descriptor says the name is an organization
_RE_ATTRIBUTION_ORG = re.compile(
    rf"{_start(SOURCES['org_attribution_verbs'])}\s+{_ARTICLE_OR_DESCRIPTOR}(?P<org>{ORG})"
)
# '(bron: X)', or 'Bron: X' after a figure's sentence on its line; a line that is only 'Bron: Belga'
# is a byline crediting a news agency, not a study
_RE_BRON = re.compile(rf"(?:\([ \t]*|(?<=\S)[ \t]+)(?i:bron)\s*:\s*(?P<org>{ORG})")
_RE_SPEECH_BIJ = re.compile(
    rf"{_start(SOURCES['speech_verbs'])}\s+(?P<person>{PERSON})\s*,\s*(?P<role>[^.;\"“”]{{0,100}}?)\s+bij\s+(?P<org>{ORG})"
)
_RE_SPEECH_VAN = re.compile(
    rf"{_start(SOURCES['speech_verbs'])}\s+(?P<person>{PERSON})\s*,\s*(?P<role>[^.;\"“”]{{0,100}}?)\s+van\s+(?P<org>{ORG})"
)
_ORG_ATTRIBUTION = {w.lower() for w in SOURCES["org_attribution_verbs"]}
_RE_SPEECH = re.compile(rf"{_start(SOURCES['speech_verbs'] + SOURCES['org_attribution_verbs'])}\s+(?P<person>{PERSON})")
# 'zegt Godert de Bordes, die Quality Support samen met Ron Gubbels in eigendom heeft': the employer
_RE_SPEECH_DIE = re.compile(
    rf"{_start(SOURCES['speech_verbs'])}\s+(?P<person>{PERSON})\s*,\s*die\s+(?:[a-z]+\s+){{0,4}}?{_ARTICLE_OR_DESCRIPTOR}?(?P<org>{ORG})"
)
# a first name and a last name, not inside a longer run of capitalised words
_RE_FULL_NAME = re.compile(
    r"(?<![\w&.\-])\b(?P<first>[A-Z][a-z]{1,11})[ \t]+(?P<last>(?:(?:van der|van den|van|de|der|den|ter|ten)[ \t]+)?[A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b(?![ \t]+[A-Z])"
)
_RE_PERSON_DASH = re.compile(rf"(?P<person>{PERSON})\s+[-–]\s+(?P<role>[A-Za-z][^\n]{{0,60}}?)\s+(?P<org>{ORG})\s*$", re.M)
_REPORT_NOUNS = ["Report", "Rapport", "Monitor", "Benchmark", "Barometer", "Index", "Survey", "Study", "Studie", "Onderzoek", "Trendonderzoek"]
_RE_REPORT = re.compile(
    rf"(?P<report>[A-Z][\w\-]*\s+(?:(?:[A-Z][\w\-]*|of|van|voor|de|the|and|&)\s+){{0,7}}(?:{'|'.join(_REPORT_NOUNS)})(?:\s+\d{{4}})?"
    rf"|{_TITLE_COMPOUND}(?:[ \t]+[A-Z][\w\-]*){{0,3}}(?:[ \t]+\d{{4}})?)"
)
_RE_BACKWARD = re.compile(r"^\W*(?:Dat|Dit|Zo|Het)\s+(?:blijkt|bleek|komt|staat|meldt|melden|concludeert|stelt|schrijft)\b")


# characters within one clause; a dot inside a number (15.000) does not end it
_IN_CLAUSE = r"(?:[^.;:!?]|\.(?=\d))"
_REG_NOUNS = _alt(SOURCES["registry_nouns"])
_REG_VERBS = _alt(SOURCES["registry_verbs"])
_RE_COMMISSION = _then_org("commission_markers")
_RE_EXECUTOR = _then_org("executor_markers")
# 'een onderzoek dat beroepsfederatie BVVO liet uitvoeren', 'een enquête die X samen met Y hield'
_RE_RELATIVE = re.compile(rf"{_start(SOURCES['cue_nouns'])}\s+(?:dat|die|waarvoor|waarin)\s+{_ARTICLE_OR_DESCRIPTOR}?(?P<org>{ORG})")
# Dutch inversion after a time adverbial: 'Vorige maand publiceerde McKinsey', 'Eerder dit jaar ondervroeg Ipsos'
_RE_VERB_ORG = _then_org("inverted_research_verbs")
# a general verb needs a research noun after the name: 'hield Thomas More een online bevraging'
_RE_VERB_ORG_CUE = re.compile(
    rf"{_start(SOURCES['inverted_general_verbs'])}\s+{_ARTICLE_OR_DESCRIPTOR}?(?P<org>{ORG})\b{_IN_CLAUSE}{{0,50}}?(?i:{_CUES})"
)
# the maker as subject of a general verb with a research noun as object:
# 'Het Vlaams Centrum voor Kwaliteitszorg en Dimarso stellen op 27 september de bevindingen voor'
_RE_SUBJECT_CUE = re.compile(
    rf"^\W*{_ARTICLE_OR_DESCRIPTOR}?(?P<org>{ORG})(?:\s+(?:en|&)\s+{_ARTICLE_OR_DESCRIPTOR}?{ORG})?\s+"
    rf"(?i:{_alt(SOURCES['presenting_verbs'] + SOURCES['inverted_general_verbs'])})\b(?:[^.;:!?,]|\.(?=\d)){{0,60}}?(?i:{_CUES})"
)
# a headline 'Onderzoek ACM: ...'
_RE_HEADLINE = re.compile(rf"^\W*(?i:{_CUES})\s+(?P<org>{ORG})\s*:")
# registered figures: 'klachten kwamen binnen bij de Vlaamse Ombudsdienst', 'De ombudsdienst ontving 14.039 verzoeken'
_RE_REGISTRY_BIJ = re.compile(rf"{_start(SOURCES['registry_nouns'])}\b{_IN_CLAUSE}{{0,80}}?\bbij\s+{_ARTICLE_OR_DESCRIPTOR}?(?P<org>{ORG})")
_RE_REGISTRY_SUBJ = re.compile(rf"\b{_ARTICLE_NAME}(?P<org>{ORG})\s+(?:[a-z]+\s+){{0,3}}?(?i:{_REG_VERBS})\b")
_RE_REGISTRY_INV = re.compile(
    rf"{_start(SOURCES['registry_verbs'])}\s+{_ARTICLE_NAME}(?P<org>{ORG})\b{_IN_CLAUSE}{{0,80}}?\b(?i:{_REG_NOUNS})\b"
)
# 'het BIPT trekt uit zijn jaarlijkse enquête': an organization and its own research
_RE_OWN_RESEARCH = re.compile(
    rf"\b{_ARTICLE_NAME}(?P<org>{ORG})\b{_IN_CLAUSE}{{0,40}}?\b(?:zijn|haar|hun)\s+(?:[a-z]+\s+)?(?i:{_CUES})\b"
)
# where the research appeared: 'verscheen in de Consumentengids van september 2016'
_RE_PUBLISHED_IN = re.compile(rf"{_start(SOURCES['published_in'])}\s+(?:(?i:de|het)\s+)?(?P<org>{ORG})")
# 'Over Trengo' as the heading of the closing boilerplate of a press release: who published it
_RE_ABOUT = re.compile(rf"(?m)^[ \t]*(?i:over)[ \t]+(?P<org>{ORG})[ \t]*:?[ \t]*$")
_RE_FIRST_PERSON = re.compile(_words("first_person"))
_RE_DATING = re.compile(_words("dating_phrases"))
_RE_EARLIER = re.compile(_words("earlier_words"))
_RE_SAMPLE = re.compile(_words("sample_verbs"))
# partners of joint research: 'onderzoek van Zendesk in samenwerking met Enterprise Strategy Group (ESG)'
_RE_PARTNER = re.compile(rf"\b(?i:in samenwerking met|samen met)\s+{_ARTICLE_OR_DESCRIPTOR}?(?P<org>{ORG})(?:\s*\((?P<short>[A-Z][\w&.\-]*)\))?")
# verbs of speech only: 'volgens' names organizations as often as people
_RE_SPEAKER = re.compile(rf"{_start([v for v in SOURCES['speech_verbs'] if v != 'volgens'])}\s+(?P<person>{PERSON})")


def _lower(words: list[str]) -> frozenset[str]:
    """The words lower-cased, without those that hold another of them: a text holds one of
    the words exactly when it holds one of these ('peilingen' holds 'peiling'), and there
    are fewer to look for."""
    low = {w.lower() for w in words}
    return frozenset(w for w in low if not any(o != w and o in w for o in low))


# The words each pattern cannot match without (any case; as substrings, since some match inside
# compounds: 'opiniepeilingen'). Each article is searched once for all of them, and a pattern runs
# only on the sentences holding one of its words: most sentences hold none.
_CUE_WORDS = _lower(SOURCES["cue_nouns"])
_NEEDS: dict[re.Pattern, frozenset[str]] = {
    _RE_COMMISSION: _lower(SOURCES["commission_markers"]),
    _RE_EXECUTOR: _lower(SOURCES["executor_markers"]),
    _RE_RELATIVE: _CUE_WORDS,
    _RE_SUBJECT: _lower(SOURCES["research_verbs"]),
    _RE_VERB_ORG: _lower(SOURCES["inverted_research_verbs"]),
    _RE_VERB_ORG_CUE: _lower(SOURCES["inverted_general_verbs"]),
    _RE_SUBJECT_CUE: _lower(SOURCES["presenting_verbs"] + SOURCES["inverted_general_verbs"]),
    _RE_OWN_RESEARCH: _CUE_WORDS,
    _RE_HYPHEN: _CUE_WORDS,
    _RE_HEADLINE: _CUE_WORDS,
    _RE_POLL: _lower(SOURCES["poll_words"]),
    _RE_REGISTRY_BIJ: _lower(SOURCES["registry_nouns"]),
    _RE_REGISTRY_SUBJ: _lower(SOURCES["registry_verbs"]),
    _RE_REGISTRY_INV: _lower(SOURCES["registry_verbs"]),
    _RE_ATTRIBUTION_ORG: _lower(SOURCES["org_attribution_verbs"]),
    _RE_PUBLISHED_IN: _lower(SOURCES["published_in"]),
    _RE_BRON: frozenset({"bron"}),
    _RE_SPEECH_BIJ: _lower(SOURCES["speech_verbs"]),
    _RE_SPEECH_VAN: _lower(SOURCES["speech_verbs"]),
    _RE_SPEECH: _lower(SOURCES["speech_verbs"] + SOURCES["org_attribution_verbs"]),
    _RE_PARTNER: frozenset({"samen met", "in samenwerking met"}),
    _RE_REPORT: _lower(_REPORT_NOUNS + SOURCES["title_compound_endings"]),
    _RE_DATING: _lower(SOURCES["dating_phrases"]),
    _RE_SAMPLE: _lower(SOURCES["sample_verbs"]),
    # 'onderzoek van X' needs a cue or a report's title before 'van' (``_cue_van``)
    _RE_VAN_ORG: _lower(SOURCES["cue_nouns"] + SOURCES["people_cues"] + SOURCES["role_cues"] + SOURCES["title_compound_endings"]),
}
# looked up by identity: hashing a compiled pattern hashes its whole compiled code (about 7 us
# for the longest here), and ``_may`` looks up a pattern tens of times per sentence
_NEEDS_BY_ID = {id(rx): words for rx, words in _NEEDS.items()}
# every reading of a sentence's attribution needs one of these
_ANCHORS = _lower(
    SOURCES["cue_nouns"] + SOURCES["people_cues"] + SOURCES["role_cues"] + SOURCES["research_verbs"]
    + SOURCES["speech_verbs"] + SOURCES["org_attribution_verbs"] + SOURCES["poll_words"]
    + SOURCES["commission_markers"] + SOURCES["executor_markers"] + SOURCES["inverted_research_verbs"]
    + SOURCES["inverted_general_verbs"] + SOURCES["presenting_verbs"] + SOURCES["registry_nouns"]
    + SOURCES["registry_verbs"] + SOURCES["published_in"] + SOURCES["ministers"] + ["bron", "samen met"]
)


_NEEDLES = tuple(sorted(_ANCHORS.union(*_NEEDS.values())))


def words_in(sentence: str) -> frozenset[str]:
    """The pattern words (``_NEEDS``) that one sentence holds."""
    low = sentence.lower()
    return frozenset(w for w in _NEEDLES if w in low)


def _words_per_sentence(text: str, sents: list[Span], texts: list[str]) -> list[frozenset[str]]:
    """``words_in`` of every sentence at once: each word is looked for once in the whole text,
    and a sentence holds it when an occurrence lies inside it."""
    low = text.lower()
    if len(low) != len(text):  # a letter whose lower case is longer ('İ'): offsets differ, test each sentence
        return [words_in(t) for t in texts]
    starts = [s.start_char for s in sents]
    found: list[set[str]] = [set() for _ in sents]
    for w in _NEEDLES:
        i = low.find(w)
        while i != -1:
            k = bisect_right(starts, i) - 1
            if k >= 0 and i + len(w) <= sents[k].end_char:
                found[k].add(w)
            i = low.find(w, i + 1)
    return [frozenset(f) for f in found]


def _may(rx: re.Pattern, words: frozenset[str]) -> bool:
    """Whether the pattern can match a sentence holding these pattern words."""
    needs = _NEEDS_BY_ID.get(id(rx))
    return needs is None or not needs.isdisjoint(words)


_ACTOR_PATTERNS = (_RE_VERB_ORG, _RE_VERB_ORG_CUE)
_RE_AND_ORG = re.compile(rf"\s+(?:en|&)\s+{_ARTICLE_OR_DESCRIPTOR}?(?P<org>{ORG})")
_PLACES = {w.lower() for w in SOURCES["places"]}
_NON_NAMES = _PLACES | {w.lower() for w in SOURCES["non_names"]} | {m.lower() for m in load_rules("exclusions").tables["months"]}


@dataclass
class SourceRef:
    organization: str | None
    report: str | None = None
    person: str | None = None
    strength: str = "study"  # study: research evidence, carries on; quote: 'volgens X', holds in its paragraph
    commissioner: str | None = None  # 'in opdracht van X'
    partners: list[str] = field(default_factory=list)  # 'in samenwerking met X (XY)'

    def as_dict(self) -> dict:
        return {"organization": self.organization, "report": self.report, "person": self.person}


# pronominal adverbs open sentences with inversion ('Daarbij brachten de onderzoekers ...'): never names
_RE_PRONOMINAL_ADVERB = re.compile(
    r"(?:daar|hier|waar|er)(?:bij|na|door|mee|om|in|op|uit|voor|naast|tegen|over|onder|van|aan|toe|achter|boven|tussen|binnen|buiten|zonder|langs|af)"
)


def _generic(word: str, lower_words: set[str]) -> bool:
    if re.match(r"[A-Z][a-z]+[A-Z]", word):  # CamelCase is a name ('LiveChat'), whatever the article writes in lower case
        return False
    low = word.lower()
    return low in STOP_WORDS or _RE_PRONOMINAL_ADVERB.fullmatch(low) is not None or word in _NOT_ORG or low in lower_words or low in _NON_NAMES


def clean_org(name: str, lower_words: set[str], initial: bool = True, places: bool = False) -> str | None:
    """Trim an organization name; None when it is not one (a common word, an acronym of a KPI).

    ``places``: the name is the actor of a research verb, where a country or Europe stands for
    its government ('houdt Europa geregeld peilingen'), so a place name is kept.

    ``initial``: the name stands at the start of the sentence, where a capital says
    nothing ('Klanten van Zendesk'), so leading common words are dropped. After
    'van', 'volgens' and the like every capitalised word belongs to the name
    ('van Customer Talk'), unless all of them are common words.
    """
    if places and name.strip().lower() in _PLACES:
        return name.strip()
    words = name.split()
    while words and words[0].lower() in _DESCRIPTOR_SET:  # 'Onderzoeksbureau Motivaction'
        words = words[1:]
    # 'Verzekeraar Veilig Thuis': a descriptor compound before a name of two words or more, or of one
    # that is no common word ('Ombudsdienst Pensioenen' is the name: 'Pensioenen' alone is a word)
    # (at a sentence start only: inside a sentence a capitalised 'Vereniging' belongs to the name)
    if initial and len(words) >= 2 and _RE_DESCRIPTOR_WORD.fullmatch(words[0].lower()) and (len(words) >= 3 or not common_word(words[1])):
        words = words[1:]
    for k, w in enumerate(words):  # a name ends where a sentence ends: 'NTT Ltd.. CX-strategie'
        initial_letter = re.fullmatch(r"[A-Z]\.", w) is not None  # 'Jan M. de Mos'
        if w.endswith(".") and (w.endswith("..") or w not in _ABBREV) and not initial_letter and k < len(words) - 1:
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
    if not out or out in _NOT_ORG or out.lower() in lower_words or out.lower() in _NON_NAMES:
        return None
    if re.fullmatch(r"[A-Z]{1,5}-[a-zà-ÿ].*", out):  # CX-volwassenheid, CX-strategie: common nouns
        return None
    if _RE_REPORT_LIKE.search(out) or _RE_TITLE_COMPOUND.search(out):  # 'Benchmarking Report' is a report, not who made it
        return None
    if " " not in out and _RE_CUE_END.search(out.lower()) and common_word(out):  # 'Drinkwaterstatistieken 2017': a title
        return None
    return out


# a compound ending in a research noun: 'drinkwaterstatistieken', 'vliegreisonderzoek'
_RE_CUE_END = re.compile(rf"\w{{3}}(?:{_alt([w for w in SOURCES['cue_nouns'] if ' ' not in w and len(w) >= 5])})$")
_RE_CAPITAL = re.compile(r"\b[A-ZÀ-Ý][a-zà-ÿ]+\b(?![\w&.\-])")
# a capitalised word after a word or a sign that does not end a sentence: inside a sentence
_RE_CAPITAL_INSIDE = re.compile(r"(?<=[a-zà-ÿ0-9,(:] )[A-ZÀ-Ý][a-zà-ÿ]+\b(?![\w&.\-])")
_RE_CAPITAL_BEFORE_NAME = re.compile(r"\b[A-ZÀ-Ý][a-zà-ÿ]+(?=[ \t]+[A-Z])")
# a web address: a word holding a domain, or a URL (a domain can only be matched from the
# start of its word, so the look-behind changes no match and skips every other position)
_RE_URL = re.compile(r"(?<!\S)\S+\.(?:nl|com|io|org|net|be|eu)\S*|https?://\S+|www\.\S+")
# where a verb of speech starts: every pattern that opens with one can only match there
_RE_SPEECH_START = re.compile(_start(SOURCES["speech_verbs"]))
_SPEECH_WORDS = all(re.fullmatch(r"\w+", v) for v in SOURCES["speech_verbs"])


def _speech_starts(text: str) -> list[int] | None:
    """The offsets where a verb of speech starts (found in one scan), or None when a verb is
    not a plain word (then a verb could start inside another's match: scan as usual)."""
    return [m.start() for m in _RE_SPEECH_START.finditer(text)] if _SPEECH_WORDS else None


def _matches_at(rx: re.Pattern, text: str, starts: list[int] | None):
    """``rx.finditer(text)`` for a pattern that can only match at ``starts``: the same matches,
    tried at those offsets alone (leftmost first, none overlapping the one before)."""
    if starts is None:
        yield from rx.finditer(text)
        return
    end = 0
    for p in starts:
        if p >= end:
            m = rx.match(text, p)
            if m:
                yield m
                end = max(m.end(), p + 1)


@dataclass
class SourceTracker:
    """Finds each sentence's source and carries it to the figures that follow."""

    lower_words: set[str]
    people: dict[str, str] = field(default_factory=dict)  # person (full or last name) -> employer
    speakers: set[str] = field(default_factory=set)  # full names of people quoted
    surnames: set[str] = field(default_factory=set)  # last names of people named in full: 'volgens Gubbels' quotes a person

    @classmethod
    def for_text(cls, text: str) -> SourceTracker:
        no_urls = _RE_URL.sub(" ", text)
        lower_words = {w for w in re.findall(r"\b[a-zà-ÿ][\w\-]+\b", no_urls)}
        # a capitalised common Dutch word that the article never capitalises inside a sentence is
        # a word, not a name ('Klanttevredenheid' as a heading, 'Tegelijk' opening a sentence)
        # ('Aspect Software' is a name: a word before another capitalised word is left alone)
        inside = set(_RE_CAPITAL_INSIDE.findall(no_urls)) | set(_RE_CAPITAL_BEFORE_NAME.findall(no_urls))
        lower_words |= {w.lower() for w in set(_RE_CAPITAL.findall(no_urls)) - inside if common_word(w)}
        tracker = cls(lower_words=lower_words)
        # people the article quotes by full name ('stelt Van Belleghem', 'zegt Jan Bakker'): a name
        # that is one of them, or ends in one, is a person wherever it stands
        verbs = _speech_starts(text)
        for m in _matches_at(_RE_SPEAKER, text, verbs):
            name = m.group("person").strip()
            if len(name.split()) >= 2 and not any(w in _ORG_WORDS for w in name.split()):
                tracker.speakers.add(name)
        # a first name and a last name ('Ron Gubbels'): the last name alone is that person ('volgens Gubbels')
        for m in _RE_FULL_NAME.finditer(text):
            first, last = m.group("first"), m.group("last")
            before = text[max(0, m.start() - 40) : m.start()].split()
            if before and before[-1][:1].isupper() and text[m.start() - 1] in " \t":
                continue  # inside a longer name: 'Jan M. de Mos Management Consultancy'

            if not (
                _generic(first, lower_words) or first in _ORG_WORDS or last in _ORG_WORDS
                or _RE_DESCRIPTOR_WORD.fullmatch(first.lower()) or _RE_CUE.fullmatch(first)  # 'Onderzoek Kassa:'
            ):
                tracker.surnames.add(last)
        for rx in (_RE_SPEECH_BIJ, _RE_SPEECH_VAN, _RE_PERSON_DASH, _RE_SPEECH_DIE):
            for m in rx.finditer(text) if rx is _RE_PERSON_DASH else _matches_at(rx, text, verbs):
                org = clean_org(m.group("org"), lower_words)
                person = m.group("person").strip()
                if org:
                    tracker.people.setdefault(person, org)
                    tracker.people.setdefault(person.split()[-1], org)
        return tracker

    def _org(self, m: re.Match) -> str | None:
        initial = not m.string[: m.start("org")].strip(" \t\"“‘'(")
        if m.re in _ACTOR_PATTERNS:  # 'Onder die naam houdt Europa geregeld peilingen': a place acts as its government
            place = clean_org(m.group("org"), self.lower_words, initial=initial, places=True)
            if place:
                return place
        office = _RE_OFFICE.match(m.string, m.end("org"))
        if office:  # 'in opdracht van Nathalie Muylle (CD&V), minister van Economie': the ministry
            org = clean_org(office.group("org"), self.lower_words, initial=False)
            if org:
                return f"ministerie van {org}" if office.group("role").lower() in _MINISTERS else org
        org = clean_org(m.group("org"), self.lower_words, initial=initial)
        before = m.string[: m.start("org")].split()
        if org and " " not in org and before and _RE_DESCRIPTOR_WORD.fullmatch(before[-1]) and org.lower() in dutch_words():
            return f"{before[-1]} {org}"  # 'de ombudsdienst Pensioenen': the descriptor is part of a name that is a word
        return org

    def _cue_van(self, sentence: str) -> SourceRef | None:
        """'onderzoek van X', 'het rapport <titel> van de X', 'de cijfers van X': a cue noun
        within the same phrase before 'van'/'door' and an organization after it.
        After a cue for people ('onderzoeker Peter Jansen van TNO') the name is the person."""
        matches = sorted([*_RE_VAN_ORG.finditer(sentence), *_RE_VAN_INSTITUTION.finditer(sentence)], key=lambda m: m.start())
        for m in matches:
            window = sentence[max(0, m.start() - 90) : m.start()]
            window = re.split(r"[.,;:!?\"“”]", window)[-1]
            cue = None
            for cue in _RE_CUE.finditer(window):
                pass
            if cue is None:  # a report's title is a cue too: 'uit de Reizigersbarometer van Panelwijzer'
                for cue in _RE_TITLE_COMPOUND.finditer(window):
                    pass
            if cue is None:
                continue
            if m.re is _RE_VAN_INSTITUTION:
                if cue.group(0).lower() in _PEOPLE_CUES | _ROLE_CUES:
                    continue
                return SourceRef(m.group("org"))
            org = self._org(m)
            if org and self.is_person(org):
                # 'een enquête van Steven Van Belleghem en Survey Sampling International': the partner
                nxt = _RE_AND_ORG.match(sentence, m.end())
                org = clean_org(nxt.group("org"), self.lower_words, initial=False) if nxt else None
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

    def _first_org(self, rxs, sentence: str, words: frozenset[str]) -> tuple[str, re.Match] | None:
        for rx in rxs:
            if not _may(rx, words):
                continue
            for m in rx.finditer(sentence):
                org = self._org(m)
                if org and not self.is_person(org):
                    return org, m
        return None

    def _and_partner(self, m: re.Match) -> list[str]:
        """'het onderzoek dat X en Y elk jaar uitvoeren': Y made it too."""
        nxt = _RE_AND_ORG.match(m.string, m.end("org"))
        org = clean_org(nxt.group("org"), self.lower_words, initial=False) if nxt else None
        return [org] if org and not self.is_person(org) else []

    def is_person(self, name: str) -> bool:
        """A name the article uses for a person ('zegt Jan Bakker, CEO bij X'), not an organization."""
        if name in self.people and name not in self.people.values():
            return True
        return any(name == p or name.endswith(" " + p) for p in self.speakers)

    def sentence_source(self, sentence: str, words: frozenset[str] | None = None) -> SourceRef | None:
        """The attribution evidence of one sentence, strongest reading first. ``words``: the
        pattern words it holds (``words_in``), when already known. Every reading needs one of
        the anchor words, and most sentences have none."""
        if words is None:
            words = words_in(sentence)
        if _ANCHORS.isdisjoint(words):
            return None
        ref = self._sentence_source(sentence, words)
        if ref is not None and ref.strength == "study" and _may(_RE_PARTNER, words):
            for m in _RE_PARTNER.finditer(sentence):
                org = self._org(m)
                if org and org != ref.organization and not self.is_person(org):
                    ref.partners.append(org)
                    if m.group("short"):
                        ref.partners.append(m.group("short"))
        return ref

    def _sentence_source(self, sentence: str, words: frozenset[str]) -> SourceRef | None:
        report = None
        rm = _RE_REPORT.search(sentence) if _may(_RE_REPORT, words) else None
        if rm:
            report = report_name(rm)
        commissioner = self._first_org((_RE_COMMISSION,), sentence, words)
        commissioner_name = commissioner[0] if commissioner else None
        executor = self._first_org((_RE_EXECUTOR,), sentence, words)
        if executor and executor[0] != commissioner_name:
            return SourceRef(executor[0], report=report, commissioner=commissioner_name)
        found = self._cue_van(sentence) if _may(_RE_VAN_ORG, words) else None
        if found and found.organization != commissioner_name:
            return SourceRef(found.organization, report=report or found.report, person=found.person, commissioner=commissioner_name)
        hit = self._first_org(
            (_RE_RELATIVE, _RE_SUBJECT, _RE_VERB_ORG, _RE_VERB_ORG_CUE, _RE_SUBJECT_CUE, _RE_OWN_RESEARCH, _RE_HYPHEN, _RE_HEADLINE, _RE_POLL),
            sentence,
            words,
        )
        if hit and hit[0] != commissioner_name:
            return SourceRef(hit[0], report=report, commissioner=commissioner_name, partners=self._and_partner(hit[1]))
        if commissioner_name:
            return SourceRef(commissioner_name, report=report)
        if found:
            return SourceRef(found.organization, report=report or found.report, person=found.person)
        hit = self._first_org((_RE_REGISTRY_BIJ, _RE_REGISTRY_SUBJ, _RE_REGISTRY_INV), sentence, words)
        if hit:
            return SourceRef(hit[0], report=report)
        hit = self._first_org((_RE_ATTRIBUTION_ORG,), sentence, words)
        if hit:
            return SourceRef(hit[0], report=report)
        hit = self._first_org((_RE_PUBLISHED_IN, _RE_BRON), sentence, words)
        if hit:
            return SourceRef(hit[0], report=report, strength="quote")
        for rx in (_RE_SPEECH_BIJ, _RE_SPEECH_VAN):
            m = rx.search(sentence) if _may(rx, words) else None
            if m:
                org = self._org(m)
                if org:
                    return SourceRef(org, report=report, person=m.group("person").strip(), strength="quote")
        for m in _RE_SPEECH.finditer(sentence) if _may(_RE_SPEECH, words) else ():
            person = m.group("person").strip()
            employer = self.people.get(person) or self.people.get(person.split()[-1])
            if employer:
                return SourceRef(employer, report=report, person=person, strength="quote")
            looks_like_org = " " not in person or any(w in _ORG_WORDS for w in person.split())
            if m.group(0).lower().split()[0] in _ORG_ATTRIBUTION and looks_like_org:
                whole = re.match(ORG, sentence[m.start("person") :])  # 'Thuiswinkel.org', not 'Thuiswinkel'
                org = clean_org(whole.group(0) if whole else person, self.lower_words, initial=False)
                if org and not self.is_person(org) and org not in self.surnames:  # 'volgens Gubbels' after 'Ron Gubbels'
                    return SourceRef(org, report=report, strength="quote")
        return None


@dataclass
class Study:
    """One piece of research an article reports."""

    makers: list[str]
    commissioners: list[str] = field(default_factory=list)
    name: str | None = None
    year: int | None = None
    sample_size: int | None = None
    sentences: list[int] = field(default_factory=list)  # indices of the sentences that name it
    strength: str = "study"

    @property
    def organizations(self) -> list[str]:
        return self.makers + [c for c in self.commissioners if c not in self.makers]

    def names(self, org: str) -> bool:
        return any(same_org(org, o) for o in self.organizations)

    def source(self, person: str | None = None) -> SourceRef | None:
        """Who made it; None for research the article names without its maker."""
        if not self.organizations:
            return None
        org = self.makers[0] if self.makers else self.commissioners[0]
        return SourceRef(org, report=self.name, person=person, strength=self.strength)


@dataclass
class ArticleStudies:
    """The studies of one article and the study of each figure."""

    studies: list[Study]
    by_figure: dict[int, Study | None]  # figure start token -> its study
    persons: dict[int, str | None]  # figure start token -> the person quoted for it

    def source(self, start: int) -> SourceRef | None:
        study = self.by_figure.get(start)
        return study.source(self.persons.get(start)) if study else None

    def year(self, start: int) -> int | None:
        study = self.by_figure.get(start)
        return study.year if study else None


def _study_for(studies: list[Study], ref: SourceRef, k: int) -> Study:
    orgs = [ref.organization] + ([ref.commissioner] if ref.commissioner else []) + ref.partners
    for study in studies:
        if any(study.names(o) for o in orgs):
            break
    else:
        study = Study(makers=[], strength=ref.strength)
        studies.append(study)
    if ref.organization and not study.names(ref.organization):
        study.makers.append(ref.organization)
    if ref.commissioner and not study.names(ref.commissioner):
        study.commissioners.append(ref.commissioner)
    for partner in ref.partners:
        if partner not in study.makers:
            study.makers.append(partner)
    if not study.makers and not study.commissioners:
        study.makers.append(ref.organization)
    if ref.strength == "study":
        study.strength = "study"
    if ref.report and not study.name:
        study.name = ref.report
    study.sentences.append(k)
    return study


def _sample(sent: Span, text: str) -> int | None:
    """'ondervroeg 1.000 Nederlanders', '502 mensen bevraagd': the largest count in a sampling sentence
    (years are not quantities: ``pipeline.nlp`` gives them no value)."""
    if not _RE_SAMPLE.search(text):
        return None
    counts = [t._.num for t in sent if t._.numform == "digits" and t._.num >= 10 and float(t._.num).is_integer()]
    return int(max(counts)) if counts else None


def find_studies(doc: Doc, tracker: SourceTracker, figures: list[tuple[int, int]], years_of_sentence) -> ArticleStudies:
    """The studies the article reports and the study governing each figure.

    ``years_of_sentence(sent)`` gives the explicit years a sentence names (from
    ``pipeline.years``): a sentence that dates the research ('Het onderzoek vond
    plaats in maart 2016') gives its study a year.
    """
    sents = sentences(doc)
    texts = sentence_texts(doc)
    words = _words_per_sentence(doc_text(doc), sents, texts)
    own = [tracker.sentence_source(t, w) for t, w in zip(texts, words)]
    # 'Dat blijkt uit onderzoek van X.' names the source of the sentence before it
    for k in range(1, len(sents)):
        if own[k] and own[k - 1] is None and _RE_BACKWARD.search(texts[k]):
            own[k - 1] = own[k]
    studies: list[Study] = []
    sent_study: list[Study | None] = [(_study_for(studies, ref, k) if ref else None) for k, ref in enumerate(own)]
    # first person ('wij ondervroegen', 'ons onderzoek') and no one else: the publisher named in 'Over X'
    if not studies:
        about = _RE_ABOUT.search(doc_text(doc))
        org = clean_org(about.group("org"), tracker.lower_words, initial=False) if about else None
        if org and any(_RE_FIRST_PERSON.search(t) for t in texts):
            study = Study(makers=[org])
            studies.append(study)
            sent_study = [study if _RE_FIRST_PERSON.search(t) else None for t in texts]
            study.sentences = [k for k, st in enumerate(sent_study) if st is study]
            own = [SourceRef(org) if st else None for st in sent_study]
    # research the article names without a maker ('uit de OV-Klantenbarometer', 'een analyse van deze
    # krant'): one study all the same, which its year and sample belong to; its figures have no source
    if not studies:
        anonymous = [_anonymous_evidence(t) for t in texts]
        if any(anonymous):
            name = next((a for a in anonymous if isinstance(a, str)), None)
            study = Study(makers=[], name=name)
            studies.append(study)
            sent_study = [study if a else None for a in anonymous]
            study.sentences = [k for k, st in enumerate(sent_study) if st is study]
            own = [SourceRef(None, report=name) if st else None for st in sent_study]
            # the paragraph that first names the research dates it when it names one year:
            # 'Wie het afgelopen half jaar belde, kreeg ... zo blijkt uit een analyse van deze krant'
            paragraph = paragraph_numbers(doc)
            first = paragraph[study.sentences[0]]
            years = {y for k, sent in enumerate(sents) if paragraph[k] == first for y in years_of_sentence(sent)}
            if len(years) == 1:
                study.year = years.pop()
    paragraph = paragraph_numbers(doc)
    # no study names its maker: the organization the evidence over the whole article points to
    # (pipeline.attribution), for every figure no nearer study claims
    from pipeline.attribution import main_maker  # imports this module

    found = main_maker(texts, paragraph, tracker)
    evidence_main: Study | None = None
    if found is not None:
        name = found.best_name()
        evidence_main = next((st for st in studies if st.names(name)), None)
        if evidence_main is None and not any(st.organizations for st in studies):
            if studies:
                studies[0].makers.append(name)
                evidence_main = studies[0]
            else:
                evidence_main = Study(makers=[name], sentences=sorted(found.sentences))
                studies.append(evidence_main)
        elif evidence_main is None and all(st.strength == "quote" for st in studies):
            evidence_main = Study(makers=[name], sentences=sorted(found.sentences))
            studies.append(evidence_main)
        if evidence_main is not None:  # the sentences where a clause names it as the maker are its own
            for k in sorted(found.evidence_sentences):
                if sent_study[k] is None:
                    sent_study[k], own[k] = evidence_main, SourceRef(name)
                    evidence_main.sentences.append(k)
    # the dated research, the sample
    current: Study | None = None
    for k, text in enumerate(texts):
        current = sent_study[k] or current
        target = sent_study[k] or current or (studies[0] if len(studies) == 1 else None)
        if target is None:
            continue
        if target.year is None and _may(_RE_DATING, words[k]) and _RE_DATING.search(text) and not _RE_EARLIER.search(text):
            years = years_of_sentence(sents[k])
            if len(set(years)) == 1:
                target.year = years[0]
        if target.sample_size is None and _may(_RE_SAMPLE, words[k]):
            target.sample_size = _sample(sents[k], text)
        if target.name is None and sent_study[k] is None:
            named = _RE_REPORT.search(text) if _may(_RE_REPORT, words[k]) else None  # 'Voor het State of CX Maturity Report 2021 werden ... ondervraagd'
            if named:
                target.name = report_name(named)
    for study in studies:
        if study.year is None and study.name:
            m = re.search(r"\b(19|20)\d{2}\b", study.name)
            if m:
                study.year = int(m.group(0))
        if study.year is None and study.sentences:
            # a sentence naming the study that states one year dates it ('In maart 2023 ondervroeg X ...'),
            # unless it is about an earlier edition ('liet X voor het eerst uitvoeren in 2000').
            # Measured on the blind set: year 0.783 -> 0.806
            years = {y for k in study.sentences if not _RE_EARLIER.search(texts[k]) for y in years_of_sentence(sents[k])}
            if len(years) == 1:
                study.year = years.pop()
    main = evidence_main or _main_study(studies)
    sent_index = {s.start: k for k, s in enumerate(sents)}
    with_figures = {sent_index[sent_of(doc, s).start] for s, _e in figures}
    # The main study governs every figure that no nearer study claims (ANNOTATION.md: an article's
    # study named once holds for all its figures, wherever they stand). Another study, or a quote,
    # holds for its own sentence; when that sentence states no figure (it introduces those to come:
    # 'Vraag aan de zaal via X: ...? Uitkomst: 53%'), to the end of its paragraph. Measured on the
    # blind set: source 0.700 -> 0.735 against carrying the study named last forward.
    governing: list[Study | None] = []
    current, holds_in = None, None  # another study, and the paragraph it holds in
    for k in range(len(sents)):
        named = sent_study[k]
        if named is not None and named is not main:
            current, holds_in = named, (paragraph[k] if k not in with_figures else None)
            governing.append(named)
        elif named is None and current is not None and holds_in == paragraph[k]:
            governing.append(current)
        else:
            current, holds_in = None, None
            governing.append(main)
    # a heading's figure belongs to the section under it: 'Ruim 14.000 klachten' heads the paragraph
    # that names who counted them
    for k in range(len(sents)):
        if paragraph[k] == 0 or not _is_heading(texts[k]) or (k > 0 and paragraph[k - 1] == paragraph[k]):
            continue
        if k + 1 < len(sents) and paragraph[k + 1] == paragraph[k]:
            continue
        section = [j for j in range(k + 1, len(sents)) if paragraph[j] == paragraph[k] + 1]
        named = next((sent_study[j] for j in section if sent_study[j] is not None), None)
        if named is not None:
            governing[k] = named
    by_figure: dict[int, Study | None] = {}
    persons: dict[int, str | None] = {}
    for s, _e in figures:
        k = sent_index[sent_of(doc, s).start]
        by_figure[s] = governing[k]
        persons[s] = own[k].person if own[k] and sent_study[k] is governing[k] else None
    return ArticleStudies(studies, by_figure, persons)


_RE_FROM_REPORT = re.compile(rf"\b(?i:uit|volgens|in)\s+(?:(?i:de|het|een)\s+)?(?:[a-z]+\s+){{0,2}}?{_RE_REPORT.pattern}")
_RE_OWN_PUBLICATION = re.compile(rf"{_start(SOURCES['cue_nouns'])}\s+(?:van|door)\s+{_words('own_publication')}")


def report_name(m: re.Match) -> str:
    """A report's title without the words before it that a capital at the start of a sentence
    pulled in: 'Uit de Klantcontact Monitor 2024' -> 'Klantcontact Monitor 2024'."""
    words = m.group("report").split()
    while len(words) > 1 and (words[0].lower() in STOP_WORDS or words[0].lower() in _NON_NAMES):
        words = words[1:]
    return " ".join(words)


def _anonymous_evidence(text: str) -> str | bool:
    """Research named without its maker: the report's name, or True for the publisher's own."""
    m = _RE_FROM_REPORT.search(text)
    if m:
        return report_name(m)
    return _RE_OWN_PUBLICATION.search(text) is not None


def _is_heading(text: str) -> bool:
    """A line of a few words without a sentence's final punctuation."""
    line = text.strip()
    return bool(line) and "\n" not in line and line[-1] not in ".!?:;\"”’'" and len(line.split()) <= 10


def _main_study(studies: list[Study]) -> Study | None:
    """The study that governs figures before any study is named (a headline, a lead that
    names its maker only later, in the last paragraph): the first one named by research
    evidence, else the first one quoted."""
    for study in studies:
        if study.strength == "study":
            return study
    return studies[0] if studies else None
