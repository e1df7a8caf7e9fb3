"""Dutch numerals -> numbers: digits, number words, word fractions.

Pure functions, no spaCy. ``find_numerals`` scans a text and returns every
numeral with its character span, value and form; the spaCy component in
``pipeline.nlp`` turns those spans into single tokens.

Number words are resolved with text2num (``text_to_num.text2num(word, "nl")``),
which reads compounds such as ``vijfenzestig`` and ``drieduizend``. Where it
falls short for Dutch we say so and fill in from the tables in
``rules/numbers.yaml``:

* it does not read ``tweeënhalf`` / ``anderhalf`` (halves), nor fractions;
* it accepts ``een`` (also the indefinite article), so ``een`` only counts as
  a number in the constructions the rules name (``een procent``, ``een op de drie``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from text_to_num import text2num

from pipeline.rules import load_rules

NUMBERS = load_rules("numbers")

# --- building blocks, named and composed (Recognizers-Text style) -----------

_SCALE_WORDS: dict[str, float] = NUMBERS.tables["scale_words"]
_FRACTION_WORDS: dict[str, float] = NUMBERS.tables["fraction_words"]
_HALF_WORDS: dict[str, float] = NUMBERS.tables["half_words"]
_NOT_NUMBER_WORDS: set[str] = set(NUMBERS.tables["not_number_words"])
_FRACTION_NOT_BEFORE: set[str] = set(NUMBERS.tables["fraction_not_before"])
# 'drie van de vier klanten' is a share; 'drie van de vier pijlers' is not: out of other
# than ten or a hundred, 'X van de Y' needs a group of people or firms after it
_POPULATION: set[str] = set(load_rules("count").tables["population_nouns"])

_WORD_ATOMS = (
    "nul|een|één|eén|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|dertien|veertien|vijftien|"
    "zestien|zeventien|achttien|negentien|twintig|dertig|veertig|vijftig|zestig|zeventig|tachtig|"
    "negentig|honderd|duizend|en|ën"
)
# A run of atoms glued together: vijfenzestig, tweehonderdvijftig, drieduizend.
NUMBER_WORD = rf"(?:{_WORD_ATOMS})+"
DIGITS = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
SCALE = "|".join(sorted((re.escape(w) for w in _SCALE_WORDS), key=len, reverse=True))
# 'helft' needs its article ('de helft'); the other parts need a count ('twee derde', 'driekwart')
FRACTION = "|".join(sorted((re.escape(w) for w in _FRACTION_WORDS if w != "helft"), key=len, reverse=True))
ONE_BEFORE = "|".join(re.escape(w) for w in NUMBERS.tables["one_before"])
HALF = "|".join(sorted((re.escape(w) for w in _HALF_WORDS), key=len, reverse=True))

_B = r"(?<![\w.,/+\-−–])"  # left boundary: not inside a word, number, URL or name like COVID-19
_E = r"(?!(?!x\b)[\w/]|[.,]\d)"  # right boundary ('3x vaker' keeps its x outside the numeral)

_NUMERAL_RE = re.compile(
    "|".join(
        [
            # 38/62, 50/50 : a split written as A/B
            rf"{_B}(?P<ratio>\d{{1,3}}/\d{{1,3}}){_E}",
            # een op de drie, 1 op de 5, drie op de tien, vier van de tien
            rf"{_B}(?P<per>(?P<per_a>{NUMBER_WORD}|\d+)\s+(?:op|van)\s+(?:de|het|elke|iedere)\s+"
            rf"(?P<per_b>{NUMBER_WORD}|\d+)){_E}",
            # de helft, twee derde, driekwart, een kwart
            rf"{_B}(?P<frac>(?:de|een|één)\s+helft|(?:(?P<frac_n>{NUMBER_WORD}|\d+)\s*)?(?P<frac_d>{FRACTION})){_E}",
            # anderhalf, tweeënhalf
            rf"{_B}(?P<half>{HALF}){_E}",
            # +13, -5, 2,9, 1.359, 2,5 miljoen
            rf"{_B}(?P<digits>[+\-−–]?(?:{DIGITS})(?:\s+(?:{SCALE}))?){_E}",
            # een procent: the article 'een' is the number one only before these words
            rf"(?<![\w])(?P<one>een|één|eén)(?=\s+(?:{ONE_BEFORE})(?![\w]))",
            # tweemaal, driemaal: 'N times' in one word
            rf"(?<![\w])(?P<times>(?:{NUMBER_WORD}|anderhalf))maal(?![\w])",
            # zestien, vijfenzestig, drie miljoen
            rf"(?<![\w])(?P<word>{NUMBER_WORD}(?:\s+(?:{SCALE}))?)(?![\w])",
        ]
    ),
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Numeral:
    """A number as written: its span in the text, its value and its form."""

    start: int
    end: int
    text: str
    value: float
    form: str  # digits | signed | word | fraction | ratio
    signed: bool = False
    ratio_second: float | None = None


def parse_digits(text: str) -> float:
    """``2,9`` -> 2.9, ``1.359`` -> 1359, ``+13`` -> 13, ``2,5 miljoen`` -> 2500000.

    Dutch writes a decimal comma and a thousands dot. A dot followed by exactly
    three digits is a thousands separator; any other dot is a decimal point
    (English-style ``9.4`` in translated copy).
    """
    s = text.strip().replace("\u2212", "-").replace("\u2013", "-")
    scale = 1.0
    parts = s.split()
    if len(parts) > 1 and parts[-1].lower() in _SCALE_WORDS:
        scale = _SCALE_WORDS[parts[-1].lower()]
        s = " ".join(parts[:-1])
    sign = -1.0 if s.startswith("-") else 1.0
    s = s.lstrip("+-")
    if re.fullmatch(r"\d{1,3}(\.\d{3})+(,\d+)?", s):
        s = s.replace(".", "").replace(",", ".")
    elif "," in s:
        s = s.replace(",", ".")
    return sign * float(s) * scale


@lru_cache(maxsize=4096)
def parse_word(text: str) -> float | None:
    """Dutch number word(s) -> value, or None when it is not a number word."""
    words = text.lower().split()
    scale = 1.0
    if len(words) > 1 and words[-1] in _SCALE_WORDS:
        scale = _SCALE_WORDS[words[-1]]
        words = words[:-1]
    if len(words) != 1:
        return None
    w = words[0]
    if w in _NOT_NUMBER_WORDS:
        return None
    w = w.replace("één", "een").replace("eén", "een")
    if w in _HALF_WORDS:
        return _HALF_WORDS[w] * scale
    try:
        return float(text2num(w, "nl")) * scale
    except ValueError:
        return None


def parse_count(text: str) -> float | None:
    """Like ``parse_number``, but ``een``/``één`` is one (inside fractions: ``een op de drie``)."""
    if text.lower() in ("een", "één", "eén"):  # 'Eén' is how 'één' is capitalised
        return 1.0
    return parse_number(text)


def parse_number(text: str) -> float | None:
    """Digits or a number word -> value; None if neither."""
    if re.fullmatch(r"[+\-−–]?(?:" + DIGITS + r")(?:\s+\S+)?", text.strip()):
        try:
            return parse_digits(text)
        except ValueError:
            return None
    return parse_word(text)


def _fraction_value(m: re.Match[str]) -> float | None:
    whole = m.group("frac").lower()
    if whole.split()[-1] == "helft":
        return 50.0
    denom = _FRACTION_WORDS[m.group("frac_d").lower()]
    num_text = m.group("frac_n")
    if num_text is None:
        # driekwart is one word; a bare 'kwart' or 'derde' without a count is not a share
        return denom if m.group("frac_d").lower() in NUMBERS.tables["standalone_fractions"] else None
    n = parse_count(num_text)
    if n is None or n <= 0:
        return None
    return round(n * denom, 2)


def _after_geen(text: str, start: int) -> bool:
    before = text[max(0, start - 12) : start].split()
    return bool(before) and before[-1].lower() == "geen"


def find_numerals(text: str) -> list[Numeral]:
    """Every numeral in ``text``, left to right, non-overlapping."""
    out: list[Numeral] = []
    for m in _NUMERAL_RE.finditer(text):
        kind = m.lastgroup
        # lastgroup names the innermost closed group; find the top-level one
        for top in ("ratio", "per", "frac", "half", "digits", "one", "times", "word"):
            if m.group(top) is not None:
                kind = top
                break
        s, e = m.span()
        raw = m.group(0)
        if kind == "ratio":
            a, b = (float(x) for x in raw.split("/"))
            out.append(Numeral(s, e, raw, a, "ratio", ratio_second=b))
        elif kind == "per":
            a = parse_count(m.group("per_a"))
            b = parse_number(m.group("per_b"))
            if a is None or not b or a > b or a <= 0:
                continue
            # 'X van de Y' is a share out of ten or a hundred (vier van de tien), or of a group
            following = text[e : e + 40].split(maxsplit=1)
            group = bool(following) and following[0].lower().strip(".,;:") in _POPULATION
            if re.search(r"\svan\s", raw) and ((b not in (10, 100) and not group) or a == 1):
                continue  # 'een van de vier klanten' is one of them, not a share
            out.append(Numeral(s, e, raw, round(100.0 * a / b, 2), "fraction"))
        elif kind == "frac":
            v = _fraction_value(m)
            following = text[e : e + 30].split(maxsplit=1)
            if v is None and m.group("frac_n") is None and _after_geen(text, s) and following[:1] == ["van"]:
                v = round(_FRACTION_WORDS[m.group("frac_d").lower()], 2)  # 'nog geen kwart van de bedrijven'
            if following and following[0].lower().strip(".,;:") in _FRACTION_NOT_BEFORE:
                continue
            if v is not None:
                out.append(Numeral(s, e, raw, v, "fraction"))
        elif kind == "half":
            out.append(Numeral(s, e, raw, _HALF_WORDS[raw.lower()], "word"))
        elif kind == "digits":
            try:
                v = parse_digits(raw)
            except ValueError:
                continue
            signed = raw[0] in "+-−–"
            out.append(Numeral(s, e, raw, v, "signed" if signed else "digits", signed=signed))
        elif kind == "one":
            out.append(Numeral(s, e, raw, 1.0, "word"))
        elif kind == "times":
            prefix = m.group("times").lower()
            v = _HALF_WORDS.get(prefix) or parse_count(prefix)
            if v is not None and v >= 1.5:  # 'eenmaal' is 'once', not a comparison
                out.append(Numeral(s, e, raw, v, "times"))
        else:
            v = parse_word(raw)
            if v is not None:
                out.append(Numeral(s, e, raw, v, "word"))
    return out
