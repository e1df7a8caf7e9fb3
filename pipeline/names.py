"""Organization names compared, and Dutch stop words: light helpers (no spaCy).

Shared by attribution within an article (``pipeline.studies``) and linking studies
across articles (``pipeline.corpus_studies``), which the main process runs while it
writes the output, so nothing here loads the spaCy pipeline.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path


def _spacy_dutch_stop_words() -> frozenset[str]:
    """spaCy's Dutch stop words (``spacy.lang.nl.stop_words.STOP_WORDS``), read from that
    file without importing the ``spacy`` package, whose import costs about a second."""
    spec = importlib.util.find_spec("spacy")  # finds the package, does not import it
    path = Path(next(iter(spec.submodule_search_locations))) / "lang" / "nl" / "stop_words.py"
    module_spec = importlib.util.spec_from_file_location("_cxmetrics_nl_stop_words", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return frozenset(module.STOP_WORDS)


STOP_WORDS = _spacy_dutch_stop_words()


def norm_name(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", " ", name.lower()).strip()


def _acronym(name: str) -> str:
    return "".join(w[0] for w in name.split() if w[:1].isupper())


def same_org(a: str, b: str) -> bool:
    """'Genesys' and 'Genesys Telecommunications', 'SSI' and 'Survey Sampling International'."""
    na, nb = norm_name(a), norm_name(b)
    if na == nb:
        return True
    short, long_ = sorted((a, b), key=len)
    ns, nl = norm_name(short), norm_name(long_)
    if ns and nl and nl.split()[0] == ns:  # (a name of signs only normalizes to nothing)
        return True
    return short.isupper() and len(short) >= 2 and _acronym(long_) == short


def org_keys(form: str) -> set[tuple[str, str]]:
    """The keys a known name ``form`` is filed under: ``same_org(name, form)`` implies that one
    of ``org_lookups(name)`` is among them (tested), so a name is compared only with the names
    filed under its lookups, not with every name of an article."""
    n = norm_name(form)
    keys = {("n", n)}
    if n:
        keys.add(("first", n.split()[0]))
    acronym = _acronym(form)
    if len(acronym) >= 2:
        keys.add(("acronym", acronym))
    if form.isupper() and len(form) >= 2:
        keys.add(("upper", form))
    return keys


def org_lookups(name: str) -> set[tuple[str, str]]:
    """The keys under which the names ``same_org`` may find ``name`` the same as are filed
    (``org_keys``): the same normalized name; a one-word name that is another's first word,
    either way; an acronym, either way."""
    n = norm_name(name)
    keys = {("n", n), ("first", n)}
    if n:
        keys.add(("n", n.split()[0]))
    if name.isupper() and len(name) >= 2:
        keys.add(("acronym", name))
    acronym = _acronym(name)
    if len(acronym) >= 2:
        keys.add(("upper", acronym))
    return keys
