"""The extractor never crashes on text, and every record it returns is valid and traceable.

Records are checked against the committed JSON Schema (what consumers validate
with), not the pydantic model the extractor itself validated with, and spans
against the input text as given: a check that shares nothing with the code under test.
"""

from __future__ import annotations

import json
import random

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.extract import extract_text
from schemas.export import SCHEMA_DIR

from .conftest import CORPUS

NASTY = sorted((CORPUS.parent / "tests" / "nasty").glob("*.txt"))
SEED_TEXTS = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
PIECES = [" 64 procent ", "2,9 keer meer", "+13", "-5", "de helft", "één op de vijf", "€ 2,5 miljoen", "38/62",
          "(71%)", "1.359", "\n", ".", ",", "van", "naar", "in 2021", "vorig jaar", "aldus ", "Zendesk", "“", "”"]


def _validator(name: str) -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


MENTION, REJECTION = _validator("metric_mention"), _validator("rejection")


def check(text: str) -> None:
    result = extract_text(text, article_id="a")
    for m in result.mentions:
        MENTION.validate(m)
        # exact span, checked against the input itself: offsets are code points of the text as given
        s, e = m["span"]["start"], m["span"]["end"]
        assert type(s) is int and type(e) is int and 0 <= s < e <= len(text)
        assert text[s:e] == m["text"], (s, e, m["text"])
        assert m["article_id"] == "a"
    for r in result.rejections:
        # what the flow writes for it is a valid rejection record
        REJECTION.validate({"article_id": "a", "path": "a.txt", "level": "mention", **r})
        assert r["reason"].strip()


@pytest.mark.parametrize("path", NASTY, ids=lambda p: p.name)
def test_nasty_corpus(path):
    check(path.read_text(encoding="utf-8"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_arbitrary_unicode(text):
    check(text)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=5), max_size=60))
def test_dutch_like_soup(parts):
    check("".join(parts))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, len(SEED_TEXTS) - 1), st.integers(0, 2**32 - 1), st.integers(1, 30))
def test_real_articles_with_random_edits(idx, seed, n_edits):
    rng = random.Random(seed)
    chars = list(SEED_TEXTS[idx])
    for _ in range(n_edits):
        op = rng.choice(("delete", "insert", "swap"))
        pos = rng.randrange(len(chars))
        if op == "delete":
            del chars[pos]
        elif op == "insert":
            chars.insert(pos, rng.choice(["%", "0", ",", ".", " ", "\n", "procent", "keer", "(", "€", "\x00", "é"]))
        else:
            chars[pos] = rng.choice("0123456789 ,.%")
    check("".join(chars))
