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
_POPULATION: tuple[str, ...] = tuple(load_rules("count").tables["population_nouns"])
# occasions a share may count: 'in 1 van de 12 gevallen', 'acht van de 25 keer'
_OCCASIONS: set[str] = set(NUMBERS.tables["occasion_nouns"])
# 'een verdrievoudiging', 'dubbel zoveel': a multiplier written as one word
_MULTIPLY_WORDS: dict[str, float] = NUMBERS.tables["multiply_words"]
_DURATION_UNITS: dict[str, float] = NUMBERS.tables["duration_units"]


# the same test as a regex on a lower-cased token, for the rule patterns (pipeline.nlp)
POPULATION_REGEX = r"^[\w'’-]*(?:" + "|".join(re.escape(w) for w in sorted(_POPULATION, key=len, reverse=True)) + r")$"


def is_population(word: str) -> bool:
    """A group of people, firms or things that can be counted or shared out: 'klanten',
    also as the end of a compound ('bankklanten', 'zorgverzekeraars', 'callcenters')."""
    w = word.lower().strip(".,;:!?()'\"")
    return bool(w) and w.endswith(_POPULATION)

_WORD_ATOMS = (
    "nul|een|één|eén|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|dertien|veertien|vijftien|"
    "zestien|zeventien|achttien|negentien|twintig|dertig|veertig|vijftig|zestig|zeventig|tachtig|"
    "negentig|honderd|duizend|en|ën"
)
# A run of atoms glued together: vijfenzestig, tweehonderdvijftig, drieduizend.
NUMBER_WORD = rf"(?:{_WORD_ATOMS})+"
# 1.359 / 12 500 (thousands grouped by a dot or a space) / 2,9 / 7.2 (a decimal point in
# translated copy: one decimal only, so a time such as 14.00 is no number)
DIGITS = (
    r"\d{1,3}(?:\.\d{3})+(?:,\d+)?"
    r"|[1-9]\d{0,2}(?:[ \u00a0\u202f]\d{3})+(?![\d.,]\d)"
    r"|\d{1,2}\.[1-9](?!\d|\.\d)"
    r"|\d+(?:,\d+)?"
)
SCALE = "|".join(sorted((re.escape(w) for w in _SCALE_WORDS), key=len, reverse=True))
# 'helft' needs its article ('de helft'); the other parts need a count ('twee derde', 'driekwart')
FRACTION = "|".join(sorted((re.escape(w) for w in _FRACTION_WORDS if w != "helft"), key=len, reverse=True))
ONE_BEFORE = "|".join(re.escape(w) for w in NUMBERS.tables["one_before"])
HALF = "|".join(sorted((re.escape(w) for w in _HALF_WORDS), key=len, reverse=True))

_B = r"(?<![\w.,/+\-−–])"  # left boundary: not inside a word, number, URL or name like COVID-19
_E = r"(?!(?!x\b)[\w/]|[.,]\d)"  # right boundary ('3x vaker' keeps its x outside the numeral)

MULTIPLY = "|".join(sorted((re.escape(w) for w in _MULTIPLY_WORDS), key=len, reverse=True))
_AMOUNT = rf"{NUMBER_WORD}|\d+"
_BIG_UNIT = "uur|minuut|minuten"
_NOT_LINK = r"(?!(?:en|ën|een|eén)(?![\w]))"  # a run of number words neither starts nor goes on with 'en' or 'een'
_SMALL_UNIT = "minuut|minuten|seconde|seconden"

# Every numeral starts at a word boundary with a digit, a sign or the first letter of a
# word below; said up front, the regex skips the other positions of a text at once
# instead of trying each of its alternatives there (twice as fast, same matches).
_FIRST_WORDS = (
    _WORD_ATOMS.split("|") + list(_FRACTION_WORDS) + list(_HALF_WORDS) + list(_MULTIPLY_WORDS)
    + ["de", "een", "één", "eén", "dubbel", "anderhalf"]
)
_FIRST = (
    r"(?<!\w)(?=[\d+\-−–" + "".join(sorted({re.escape(w[0].lower()) for w in _FIRST_WORDS})) + "])"
    # ... and then the whole first word, once, rather than each alternative trying its own
    # number words there (most Dutch words start with one of those letters): 2x faster again
    + r"(?=[\d+\-−–]|(?:" + "|".join(sorted({re.escape(w.lower()) for w in _FIRST_WORDS}, key=len, reverse=True)) + "))"
)

_NUMERAL_RE = re.compile(
    _FIRST
    + "(?:"
    + "|".join(
        [
            # 38/62, 50/50 : a split written as A/B; 3/4 (van de bedrijven): a share
            rf"{_B}(?P<ratio>\d{{1,3}}/\d{{1,3}}){_E}",
            # 5 uur en 18 minuten, 1 minuut en 39 seconden: one duration in its smallest unit
            rf"{_B}(?P<dur>(?P<dur_a>{_AMOUNT})\s+(?P<dur_ua>{_BIG_UNIT})\s+en\s+(?P<dur_b>{_AMOUNT})\s+"
            rf"(?P<dur_ub>{_SMALL_UNIT})){_E}",
            # een op de drie, 1 op de 5, drie op de tien, vier van de tien, 1 uit 5, 8 op 10 klanten
            rf"{_B}(?P<per>(?P<per_a>{NUMBER_WORD}|\d+)\s+(?P<per_w>op|van|uit)\s+"
            rf"(?:(?P<per_art>de|het|elke|iedere|deze)\s+)?(?P<per_b>{NUMBER_WORD}|\d+)){_E}",
            # de helft, twee derde, driekwart, een kwart
            rf"{_B}(?P<frac>(?:de|een|één)\s+helft|(?:(?P<frac_n>{NUMBER_WORD}|\d+)[\s-]*)?(?P<frac_d>{FRACTION})){_E}",
            # anderhalf, tweeënhalf, vijf en een half, anderhalf miljoen
            rf"{_B}(?P<half>(?:(?P<half_n>{NUMBER_WORD}|\d+)\s+en\s+een\s+half|{HALF})(?:\s+(?P<half_s>{SCALE}))?){_E}",
            # +13, -5, 2,9, 1.359, 2,5 miljoen
            rf"{_B}(?P<digits>[+\-−–]?(?:{DIGITS})(?:\s+(?:{SCALE}))?){_E}",
            # een procent: the article 'een' is the number one only before these words
            rf"(?<![\w])(?P<one>een|één|eén)(?=\s+(?:{ONE_BEFORE})(?![\w]))",
            # tweemaal, driemaal: 'N times' in one word
            rf"(?<![\w])(?P<times>(?:{NUMBER_WORD}|anderhalf))maal(?![\w])",
            # een verdubbeling, een verdrievoudiging; dubbel zoveel (only before 'zo...')
            rf"(?<![\w])(?P<multiply>{MULTIPLY}|dubbel(?=\s+zo))(?![\w])",
            # zestien, vijfenzestig, drie miljoen; vijf en veertig, drieduizend vijfhonderd
            rf"(?<![\w])(?P<word>{_NOT_LINK}{NUMBER_WORD}(?:\s+(?:en\s+)?{_NOT_LINK}{NUMBER_WORD})*(?:\s+(?:{SCALE}))?)(?![\w])",
        ]
    )
    + ")",
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
    s = re.sub(r"(?<=\d)[ \u00a0\u202f](?=\d{3}(?!\d))", "", s)  # 12 500 -> 12500
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
        v = _compound_word(w)
        return None if v is None else v * scale


_ATOM_VALUES = {
    "nul": 0, "een": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8, "negen": 9,
    "tien": 10, "elf": 11, "twaalf": 12, "dertien": 13, "veertien": 14, "vijftien": 15, "zestien": 16,
    "zeventien": 17, "achttien": 18, "negentien": 19, "twintig": 20, "dertig": 30, "veertig": 40, "vijftig": 50,
    "zestig": 60, "zeventig": 70, "tachtig": 80, "negentig": 90, "honderd": 100, "duizend": 1000,
}
_ATOM_RE = re.compile("|".join(sorted(list(_ATOM_VALUES) + ["en", "ën"], key=len, reverse=True)))


def _compound_word(w: str) -> float | None:
    """A glued compound text2num does not read ('tweeendertigduizend' = 32000), or None.

    Read left to right: units and tens add up, 'honderd' multiplies what stands
    before it, 'duizend' closes a thousands group. A word starting or ending in
    'en' is a verb or plural ('achten', 'tweeën'), never a number.
    """
    if w.startswith(("en", "ën")) or w.endswith(("en", "ën")):
        return None
    total = current = 0
    pos = 0
    for m in _ATOM_RE.finditer(w):
        if m.start() != pos:
            return None
        pos = m.end()
        atom = m.group()
        if atom in ("en", "ën"):
            continue
        v = _ATOM_VALUES[atom]
        if v == 100:
            current = (current or 1) * 100
        elif v == 1000:
            total += (current or 1) * 1000
            current = 0
        else:
            current += v
    if pos != len(w):
        return None
    return float(total + current)


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


def _next_words(text: str, end: int, n: int = 3) -> list[str]:
    return [w.lower().strip(".,;:!?()'\"") for w in text[end : end + 60].split()[:n]]


def _share_noun(text: str, end: int) -> str:
    """The noun a share counts out of: the word after it, past one adjective ('onderzochte')."""
    words = _next_words(text, end, 2)
    if len(words) == 2 and words[0].endswith("e") and (is_population(words[1]) or words[1] in _OCCASIONS):
        return words[1]
    return words[0] if words else ""


def _per(text: str, m: re.Match[str]) -> Numeral | None | bool:
    """'een op de drie', '2 van de 40 gemeenten', '1 uit 5', '8 op 10 klanten' as a share,
    None when the words are no share, False when the numbers stand alone ('4 op 10' as a grade)."""
    s, e = m.span()
    raw = m.group(0)
    a = parse_count(m.group("per_a"))
    b = parse_number(m.group("per_b"))
    if a is None or not b or a > b or a <= 0:
        return None
    digits_a, digits_b = m.group("per_a").isdigit(), m.group("per_b").isdigit()
    noun = _share_noun(text, e)
    group = is_population(noun) or noun in _OCCASIONS
    word = m.group("per_w").lower()
    if m.group("per_art") is None:
        # '8 op 10 klanten', '1 uit 5 Nederlanders': without an article only before a group
        # ('een 8 op 10' is a grade, '4 uit 5 sterren' a score)
        return Numeral(s, e, raw, round(100.0 * a / b, 2), "fraction") if group and word != "van" else False
    if word == "van":
        # 'vier van de tien', '2 van de 40 gemeenten', 'drie van de vier klanten' are shares;
        # 'drie van de vier pijlers' (of a framework) is not
        if not (b in (10, 100) or group or (digits_a and digits_b)):
            return None
        # 'een van de vier klanten klaagde' is one of them; 'in één van de vier gevallen' a share
        if a == 1 and not digits_a:
            before = text[max(0, s - 12) : s].split()
            if noun not in _OCCASIONS and not (before and before[-1].lower() == "in"):
                return None
    return Numeral(s, e, raw, round(100.0 * a / b, 2), "fraction")


_WORD_PIECE = re.compile(r"\S+")


def _join(cur: float, v: float, with_en: bool) -> float | None:
    """The value of two number words read as one ('drie honderd', 'vijf en veertig',
    'drieduizend vijfhonderd'), or None when they are two numbers."""
    if with_en:
        if 1 <= cur <= 9 and v in (20, 30, 40, 50, 60, 70, 80, 90):
            return cur + v  # vijf en veertig
        if cur >= 100 and cur % 100 == 0 and 0 < v < 100:
            return cur + v  # honderd en twee
        return None
    if v in (100, 1000) and 0 < cur < v:
        return cur * v  # drie honderd, twintig duizend
    if cur >= 1000 and cur % 1000 == 0 and 0 < v < 1000:
        return cur + v  # drieduizend vijfhonderd
    if cur >= 100 and cur % 100 == 0 and 0 < v < 100:
        return cur + v  # honderd tweeëntwintig
    return None


def _words(text: str, start: int, raw: str) -> list[Numeral]:
    """A run of number words -> one numeral per number it writes."""
    out: list[Numeral] = []
    cur: list = []  # [start, end, value]
    pending_en = False
    before = text[max(0, start - 12) : start].lower().split()
    ranged = bool(before) and before[-1] in ("tussen", "de") and "tussen" in before[-2:]
    pieces = list(_WORD_PIECE.finditer(raw))
    for k, p in enumerate(pieces):
        w = p.group().lower()
        ps, pe = start + p.start(), start + p.end()
        if w in ("en", "ën"):
            pending_en = bool(cur)
            continue
        if w in _SCALE_WORDS and k == len(pieces) - 1 and cur and not pending_en and w not in ("duizend",):
            cur[1], cur[2] = pe, cur[2] * _SCALE_WORDS[w]
            continue
        v = parse_word(p.group())
        if v is None:
            if cur:
                out.append(cur)
            cur, pending_en = [], False
            continue
        joined = _join(cur[2], v, pending_en) if cur else None
        if joined is not None and not (pending_en and ranged):
            cur[1], cur[2] = pe, joined
        else:
            if cur:
                out.append(cur)
            cur = [ps, pe, v]
        pending_en = False
    if cur:
        out.append(cur)
    return [Numeral(a, b, text[a:b], v, "word") for a, b, v in out]


def _duration(m: re.Match[str]) -> Numeral | None:
    a, b = parse_count(m.group("dur_a")), parse_count(m.group("dur_b"))
    ua, ub = m.group("dur_ua").lower(), m.group("dur_ub").lower()
    if a is None or b is None or _DURATION_UNITS[ua] <= _DURATION_UNITS[ub]:
        return None
    value = a * _DURATION_UNITS[ua] / _DURATION_UNITS[ub] + b
    form = "duration_minute" if _DURATION_UNITS[ub] == 60 else "duration_second"
    return Numeral(m.start(), m.end(), m.group(0), value, form)


def _simple(text: str, start: int, end: int) -> list[Numeral]:
    """The numerals of a stretch read on its own (the two numbers of a rejected 'N op M')."""
    return [Numeral(n.start + start, n.end + start, n.text, n.value, n.form, n.signed, n.ratio_second)
            for n in find_numerals(text[start:end])]


def find_numerals(text: str) -> list[Numeral]:
    """Every numeral in ``text``, left to right, non-overlapping."""
    out: list[Numeral] = []
    for m in _NUMERAL_RE.finditer(text):
        kind = m.lastgroup
        # lastgroup names the innermost closed group; find the top-level one
        for top in ("ratio", "dur", "per", "frac", "half", "digits", "one", "times", "multiply", "word"):
            if m.group(top) is not None:
                kind = top
                break
        s, e = m.span()
        raw = m.group(0)
        if kind == "ratio":
            a, b = (float(x) for x in raw.split("/"))
            if 0 < a < b and _next_words(text, e, 1) == ["van"]:
                out.append(Numeral(s, e, raw, round(100.0 * a / b, 2), "fraction"))  # 3/4 van de bedrijven
            else:
                out.append(Numeral(s, e, raw, a, "ratio", ratio_second=b))
        elif kind == "dur":
            n = _duration(m)
            if n is not None:
                out.append(n)
            else:
                out.extend(_simple(text, s, e))
        elif kind == "per":
            n = _per(text, m)
            if n:
                out.append(n)
            elif n is False:
                out.extend(_simple(text, m.start("per_a"), m.end("per_a")))
                out.extend(_simple(text, m.start("per_b"), m.end("per_b")))
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
            scale = _SCALE_WORDS[m.group("half_s").lower()] if m.group("half_s") else 1.0
            if m.group("half_n") is not None:
                n = parse_count(m.group("half_n"))
                if n is None:
                    continue
                v = n + 0.5  # vijf en een half
            else:
                v = _HALF_WORDS[raw.split()[0].lower()]
            out.append(Numeral(s, e, raw, v * scale, "word"))
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
        elif kind == "multiply":
            w = raw.lower()
            out.append(Numeral(s, e, raw, _MULTIPLY_WORDS.get(w, 2.0), "times" if w == "dubbel" else "multiply"))
        else:
            out.extend(_words(text, s, raw))
    return out
