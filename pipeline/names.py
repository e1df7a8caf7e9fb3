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
    if ns and nl.split()[0] == ns:
        return True
    return short.isupper() and len(short) >= 2 and _acronym(long_) == short
