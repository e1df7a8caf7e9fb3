"""Dutch verb forms from a lemma: one conjugation function for every verb table.

Attribution reads research, registry and presenting verbs in any form ("peilde",
"bevroegen", "uitgevoerd", "voerde ... uit", "onderzoek deed"). The tables in
``rules/sources.yaml`` list lemmas only; this module makes their forms:

- present: the stem (``ik peil``), stem + t (``hij peilt``), the infinitive (``wij peilen``);
- past: weak verbs stem + te/de by 't kofschip' (``peilde``, ``analyseerde``), plural + n;
  strong and irregular verbs from a small table (``vragen: vroeg, vroegen, gevraagd``, and a
  fourth form, the stem, where the rule cannot tell it: ``komen: ..., kom``),
  which also serves their prefixed forms (``ondervragen`` -> ``ondervroeg``, ``ondervraagd``);
- participle: ge + stem + d/t (``gepeild``), no ``ge`` after an unstressed prefix
  (``geanalyseerd`` but ``bevraagd``, ``onderzocht``);
- a separable particle (written ``uit|voeren``, or ``onderzoek |doen`` for a noun that
  goes with the verb): joined forms (``uitvoeren``, ``uitgevoerd``, ``uitvoerde``, in a
  subordinate clause) and split forms (``voerde`` ... ``uit``) as (verb, particle) pairs.

And which words are common Dutch (``dutch_words``, ``common_word``): wordfreq's Dutch list,
for telling a name from a capitalised word at a sentence start.

Pure and light (no spaCy): tested on a table of verbs in ``tests/test_dutch.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

_VOWELS = "aeiouyéèëêïöü"
# 't kofschip': a stem ending in one of these takes -te/-t in the past and participle
_VOICELESS = ("t", "k", "f", "s", "ch", "p", "x")
# prefixes that take no 'ge' in the participle ('bevraagd', 'onderzocht', 'verzameld')
_UNSTRESSED = ("be", "ge", "her", "er", "ver", "ont", "onder")


@dataclass(frozen=True)
class VerbForms:
    """Every form of one verb: single words, and split forms as (finite verb, particle)."""

    lemma: str
    words: frozenset[str]  # finite forms, infinitive, participle; joined separable forms
    split: frozenset[tuple[str, str]]  # ('voerde', 'uit'): the verb, then its particle later in the clause
    finite: frozenset[str]  # present and past finite forms only (the verb of a main clause)
    participles: frozenset[str]


def _stem(infinitive: str) -> tuple[str, str]:
    """(stem, the consonant the past tense is chosen by). 'meten' -> ('meet', 't'),
    'leven' -> ('leef', 'v'), 'zeggen' -> ('zeg', 'g'), 'peilen' -> ('peil', 'l'), 'doen' -> ('doe', 'e')."""
    if infinitive.endswith("en") and len(infinitive) > 3 and infinitive[-3] not in _VOWELS:
        base = infinitive[:-2]
    elif infinitive.endswith("n"):  # 'doen', 'gaan', 'zien'
        base = infinitive[:-1]
        return (base[:-1] if base.endswith("aa") else base), base[-1]
    else:
        base = infinitive
    last = base[-1]
    if len(base) >= 2 and base[-1] == base[-2] and last not in _VOWELS:  # 'zegg' -> 'zeg'
        base = base[:-1]
    elif len(base) >= 3 and base[-2] in _VOWELS and base[-3] not in _VOWELS and base[-1] not in _VOWELS:
        # a single vowel in an open syllable doubles in the closed stem: 'met-en' -> 'meet', 'vrag-en' -> 'vraag'
        # ('e' before the last consonant of '-eren' verbs too: 'analyser-en' -> 'analyseer'); '-elen' has a
        # schwa ('behandel-en' -> 'behandel', 'open-en' -> 'open'); a schwa '-eren' verb ('becijferen') is in the irregular table
        if base[-2] in "aeou" and not base.endswith(("el", "en")):
            base = base[:-1] + base[-2] + base[-1]
    voiced = {"v": "f", "z": "s"}
    if base[-1] in voiced:
        base = base[:-1] + voiced[base[-1]]
    return base, last


def _voiceless(stem: str, last: str) -> bool:
    return last in _VOICELESS or stem.endswith("ch") and last == "h"


def _prefix_of(verb: str, irregular: dict[str, list[str]]) -> tuple[str, str]:
    """('onder', 'vragen') for 'ondervragen' when 'vragen' is irregular; ('', verb) otherwise."""
    for base in sorted(irregular, key=len, reverse=True):
        if verb.endswith(base) and verb != base:
            return verb[: -len(base)], base
    return "", verb


def _forms(verb: str, irregular: dict[str, list[str]]) -> tuple[set[str], set[str], str]:
    """(finite forms, past forms, participle) of a verb without a separable particle."""
    stem, last = _stem(verb)
    prefix, base = _prefix_of(verb, irregular)
    if base in irregular and len(irregular[base]) > 3:  # a stem the rule cannot tell: 'komen' -> 'kom'
        stem = prefix + irregular[base][3]
    elif base in irregular and irregular[base][0].endswith(("de", "te")):
        stem = prefix + irregular[base][0][:-2]  # a weak verb with a schwa stem: 'becijferde' -> 'becijfer'
    # the bare stem ('ik peil') is left out: in news text it is nearly always the noun ('onderzoek', 'peil')
    present = {stem if stem.endswith("t") else stem + "t", verb}
    if base in irregular:
        sg, pl, part = irregular[base][:3]
        past = {prefix + sg, prefix + pl}
        if prefix and part.startswith("ge") and prefix in _UNSTRESSED:
            part = part[2:]
        participle = prefix + part
    else:
        ending = "te" if _voiceless(stem, last) else "de"
        past = {stem + ending, stem + ending + "n"}
        final = "" if stem.endswith(("t", "d")) else ("t" if _voiceless(stem, last) else "d")
        if verb.startswith(_UNSTRESSED) and len(verb) > 5:
            participle = stem + final
        else:
            participle = ({"e": "geë", "i": "geï"}.get(stem[0], "ge" + stem[0]) + stem[1:]) + final
    return present | past, past, participle


def verb_forms(entry: str, irregular: dict[str, list[str]]) -> VerbForms:
    """Every form of a table entry: 'peilen', 'uit|voeren', 'onderzoek |doen' (a noun with its verb)."""
    particle, _, verb = entry.rpartition("|")
    finite, _past, participle = _forms(verb, irregular)
    if not particle:
        return VerbForms(entry, frozenset(finite | {participle}), frozenset(), frozenset(finite), frozenset({participle}))
    if particle.endswith(" "):  # a noun that goes with the verb: 'deed onderzoek', 'onderzoek deed', 'onderzoek gedaan'
        noun = particle.strip()
        joined = {f"{noun} {f}" for f in finite | {participle, verb}}
        split = {(f, noun) for f in finite}
        return VerbForms(entry, frozenset(joined), frozenset(split), frozenset(joined), frozenset({f"{noun} {participle}"}))
    joined_participle = particle + participle
    joined = {particle + f for f in finite if f != _stem(verb)[0]} | {particle + verb, joined_participle}
    split = {(f, particle) for f in finite}
    return VerbForms(entry, frozenset(joined), frozenset(split), frozenset(joined), frozenset({joined_participle}))


def all_forms(entries: list[str], irregular: dict[str, list[str]]) -> list[str]:
    """The single-word (and noun + verb) forms of every entry, sorted: for word lists and regexes."""
    out: set[str] = set()
    for e in entries:
        out |= verb_forms(e, irregular).words
    return sorted(out)


@lru_cache(maxsize=1)
def dutch_words() -> frozenset[str]:
    """Dutch words in common use (wordfreq's Dutch list, Zipf frequency 3 or more: about
    29,000 words): a capitalised word at a sentence start that is one of them is a name only
    with other evidence. Loaded once per process (0.8 s)."""
    from wordfreq import get_frequency_dict

    return frozenset(w for w, f in get_frequency_dict("nl").items() if f >= 1e-6)


def common_word(word: str) -> bool:
    """A Dutch word in common use, or a compound of two ('Klanttevredenheid', 'Drinkwaterstatistieken')."""
    low = word.lower()
    words = dutch_words()
    if low in words:
        return True
    return any(low[:k] in words and low[k:] in words for k in range(3, len(low) - 3)) or any(
        low[:k] in words and low[k] == "s" and low[k + 1 :] in words for k in range(3, len(low) - 4)
    )
