"""Studies and findings across the corpus: one study reported by many articles is one record,
and the figures it reports are findings, flagged when articles disagree about one.

Pure functions; ``flows/extract_flow.py`` feeds them the per-article studies and mentions
at assembly time and writes ``studies.jsonl`` and ``findings.jsonl``.

Studies. Each article's studies (``pipeline.studies`` + ``pipeline.study_details``) carry a
local id: a hash of the normalized first organization, name and year. The year that
identifies a study is the one it states, else the year its article was published (a
study reported without a year is the one current then); with neither, the article id is
hashed in too and the study is never linked to another article's (editions cannot be
told apart). Two studies of different articles are one study when they have the same
such year, share a maker (``pipeline.names.same_org``:
'Genesys' and 'Genesys Telecommunications', 'ESG' and 'Enterprise Strategy Group') and
their names are compatible: equal, or one's words within the other's. A study without a
name joins the one named study of that maker and year when there is exactly one; else the
unnamed ones of that maker and year are one study. A linked study's id is the same hash
of its most common first organization, its most common name and its year, so a study
reported by one article keeps the id its extraction gave it.

Findings. Figures of one study are the same finding when they have the same kind, metric
and unit, do not state different years, and their statements share words: the words of
the figure's own part of its sentence (from the previous figure to the next), less stop
words and reporting words (``statement_ignore``), share at least half of the smaller set
(and two words, unless a metric names the figure). Pairs are joined best first; a finding
never holds two different values from one article (then the words do not tell which
statement is which). A finding reported by several articles is a conflict when two of
its values disagree beyond rounding (``64`` and ``63,8`` agree; ``64`` and ``46`` do not)
and beyond what a qualifier allows (``ruim 60 procent`` agrees with ``64``).
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from pipeline.rules import load_rules
from pipeline.names import STOP_WORDS, norm_name, same_org

_IGNORE = {w.lower() for w in load_rules("study_details").tables["statement_ignore"]}
POSTING_MAX = 200  # a word more statements of one group share than this is too common to match on
NOTE_VALUES, NOTE_ARTICLES = 6, 5  # a note names at most this many values, and articles per value


# --------------------------------------------------------------------------- ids


def _hash(key: str, prefix: str) -> str:
    return prefix + hashlib.sha256(key.encode()).hexdigest()[:16]


def local_study_id(organizations: list[str], name: str | None, year: int | None, article_id: str, salt: str = "") -> str:
    """The id of a study from its first organization, name and year (and article, when it has no year)."""
    primary = norm_name(organizations[0]) if organizations else ""
    key = f"{primary}|{norm_name(name) if name else ''}|{'' if year is None else year}"
    if year is None:
        key += f"|{article_id}"
    return _hash(key + (f"|{salt}" if salt else ""), "st_")


# --------------------------------------------------------------------------- studies


def _makers(st: dict) -> list[str]:
    return st["makers"] or st["commissioners"]


def _org_keys(org: str) -> set[str]:
    """Bucket keys such that ``same_org(a, b)`` implies a shared key."""
    n = norm_name(org)
    keys = {n.split()[0]} if n else set()
    acronym = "".join(w[0] for w in org.split() if w[:1].isupper())
    if len(acronym) >= 2:
        keys.add(acronym.lower())
    return keys


def _name_words(name: str) -> list[str]:
    return [w for w in norm_name(name).split() if not re.fullmatch(r"(19|20)\d\d", w) and w not in STOP_WORDS]


def names_compatible(a: str | None, b: str | None) -> bool:
    """Equal names, one's words within the other's, or the same last two words or more (the
    title an extraction caught with words before it: 'Nederlanders voor de Klantcontact
    Monitor 2024' and 'Klantcontact Monitor'); the year and stop words aside."""
    if a is None or b is None:
        return True
    wa, wb = _name_words(a), _name_words(b)
    if not wa or not wb:
        return False
    if set(wa) <= set(wb) or set(wb) <= set(wa):
        return True
    common = 0
    while common < min(len(wa), len(wb)) and wa[-1 - common] == wb[-1 - common]:
        common += 1
    return common >= 2


def clean_name(name: str | None) -> str | None:
    """A study's name without the words before it that are no part of a title ('Uit de ...')."""
    if not name:
        return None
    words = name.split()
    while words and words[0].lower() in STOP_WORDS:
        words.pop(0)
    return " ".join(words) or None


def _share_maker(a: dict, b: dict) -> bool:
    """One's first maker is a maker of the other ('Zendesk with ESG' and 'ESG'): a partner two
    studies only share ('Gartner with ESG', 'Ipsos with ESG') does not make them one."""
    ma, mb = _makers(a), _makers(b)
    return bool(ma and mb) and (any(same_org(ma[0], y) for y in mb) or any(same_org(mb[0], x) for x in ma))


@dataclass
class Member:
    """One article's study, as cached by extraction."""

    article_id: str
    study: dict


class _Union:
    def __init__(self, members: list[Member]) -> None:
        self.parent = list(range(len(members)))
        self.articles = [{m.article_id} for m in members]

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> bool:
        """Join two groups unless an article would have two studies in one (never one study)."""
        ri, rj = self.find(i), self.find(j)
        if ri == rj:
            return True
        small, big = (ri, rj) if len(self.articles[ri]) <= len(self.articles[rj]) else (rj, ri)
        if not self.articles[small].isdisjoint(self.articles[big]):
            return False
        self.parent[small] = big
        self.articles[big] |= self.articles[small]
        self.articles[small] = set()
        return True


def _signature(st: dict) -> tuple:
    return (st["link_year"], tuple(norm_name(o) for o in _makers(st)), norm_name(st["name"]) if st["name"] else None)


def link_studies(articles: Iterable[tuple[str, list[dict]]]) -> tuple[list[list[Member]], dict[tuple[str, str], str]]:
    """Group the articles' studies into corpus studies.

    Returns the groups (members in article order) and the map (article_id, local id) ->
    corpus study id.
    """
    members = [Member(aid, st) for aid, studies in sorted(articles, key=lambda a: a[0]) for st in studies]
    u = _Union(members)
    # studies stated alike (same year, makers and name) in several articles are one at once;
    # the rules below compare one of each
    reps: dict[tuple, int] = {}
    for i, m in enumerate(members):
        if m.study["link_year"] is None:
            continue
        sig = _signature(m.study)
        if sig in reps:
            u.union(reps[sig], i)
        else:
            reps[sig] = i
    by_key: dict[tuple[int, str], list[int]] = defaultdict(list)
    for i in reps.values():
        for org in _makers(members[i].study):
            for key in _org_keys(org):
                by_key[(members[i].study["link_year"], key)].append(i)
    pairs: set[tuple[int, int]] = set()
    for idx in by_key.values():
        for a in range(len(idx)):
            for b in range(a + 1, len(idx)):
                i, j = min(idx[a], idx[b]), max(idx[a], idx[b])
                if (i, j) not in pairs and members[i].article_id != members[j].article_id and _share_maker(members[i].study, members[j].study):
                    pairs.add((i, j))
    named = lambda i: members[i].study["name"] is not None  # noqa: E731
    # named with named: compatible names
    for i, j in sorted(pairs):
        if named(i) and named(j) and names_compatible(members[i].study["name"], members[j].study["name"]):
            u.union(i, j)
    # an unnamed study joins the one named study of its maker and year, if there is exactly one
    partners: dict[int, set[int]] = defaultdict(set)
    for i, j in sorted(pairs):
        if named(i) != named(j):
            unnamed, other = (j, i) if named(i) else (i, j)
            partners[unnamed].add(u.find(other))
    pool = []
    for i in sorted(partners):
        roots = partners[i]
        if len(roots) == 1 and u.union(i, next(iter(roots))):
            continue
        pool.append(i)
    pooled = set(pool) | {i for i in reps.values() if not named(i) and i not in partners}
    for i, j in sorted(pairs):
        if i in pooled and j in pooled:
            u.union(i, j)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(members)):
        groups[u.find(i)].append(i)
    out: list[list[Member]] = []
    mapping: dict[tuple[str, str], str] = {}
    used: set[str] = set()
    for root in sorted(groups, key=lambda r: groups[r][0]):  # members are in article order: the first names the group
        group = [members[i] for i in groups[root]]
        sid = _group_id(group)
        salt = 0
        while sid in used:
            salt += 1
            sid = _group_id(group, str(salt))
        used.add(sid)
        for m in group:
            mapping[(m.article_id, m.study["study_id"])] = sid
        out.append(group)
    return out, mapping


def _most_common(values: list, key=lambda v: v, shortest: bool = False) -> object | None:
    """The most frequent value (by ``key``); ties: the longest (or shortest), then the smallest; None if none."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    counts = Counter(key(v) for v in values)
    sign = 1 if shortest else -1
    return min(values, key=lambda v: (-counts[key(v)], sign * len(str(v)), str(v)))


def _group_id(group: list[Member], salt: str = "") -> str:
    if len(group) == 1 and not salt:
        return group[0].study["study_id"]
    first = _most_common([(_makers(m.study) or [""])[0] for m in group], key=norm_name)
    name = _most_common([m.study["name"] for m in group], key=norm_name, shortest=True)
    return local_study_id([first] if first else [], name, group[0].study["link_year"], group[0].article_id, salt)


def _merge_orgs(lists: list[list[str]], first: str | None = None, exclude: list[str] = ()) -> list[str]:
    out: list[str] = [first] if first else []
    for orgs in lists:
        for org in orgs:
            if not any(same_org(org, o) for o in out) and not any(same_org(org, e) for e in exclude):
                out.append(org)
    return out


def study_record(study_id: str, group: list[Member], n_mentions: int, schema_version: str) -> dict:
    """One line of studies.jsonl from the articles' studies that are one study."""
    sts = [m.study for m in group]
    first = _most_common([(_makers(s) or [None])[0] for s in sts], key=norm_name) if any(_makers(s) for s in sts) else None
    makers = _merge_orgs([s["makers"] for s in sts], first if any(s["makers"] for s in sts) else None)
    commissioners = _merge_orgs([s["commissioners"] for s in sts], None if makers else first, exclude=makers)
    return {
        "schema_version": schema_version,
        "study_id": study_id,
        "organizations": makers + commissioners,
        "name": _most_common([s["name"] for s in sts], key=norm_name, shortest=True),
        "year": _most_common([s["year"] for s in sts]),
        "sample_size": _most_common([s["sample_size"] for s in sts]),
        "population": _most_common([s["population"] for s in sts], key=str.lower),
        "method": _most_common([s["method"] for s in sts]),
        "article_ids": sorted({m.article_id for m in group}),
        "n_mentions": n_mentions,
    }


def keep_study(group: list[Member], n_mentions: int) -> bool:
    """A study goes to studies.jsonl when it governs a figure or research evidence names it
    (a quote with no figure, 'zegt X, directeur bij Y', is no study)."""
    return n_mentions > 0 or any(m.study.get("strength") == "study" for m in group)


def relink(mention: dict, studies: list[dict]) -> str | None:
    """The local study of a mention an editor gave a source or added: the article's study
    naming that organization, else none. Other mentions keep the study extraction gave them."""
    corrected = mention.get("corrected") or {}
    if not corrected or (corrected.get("action") != "add" and "source" not in corrected.get("fields", [])):
        return mention.get("study_id")
    org = (mention.get("source") or {}).get("organization")
    if not org:
        return None
    for st in studies:
        if any(same_org(org, o) for o in st["makers"] + st["commissioners"]):
            return st["study_id"]
    return None


# --------------------------------------------------------------------------- findings


def _stem(word: str) -> str:
    if len(word) > 5 and word.endswith("en"):
        return word[:-2]
    if len(word) > 4 and word[-1] in "se":
        return word[:-1]
    return word


@lru_cache(maxsize=65536)
def _statement_word(word: str) -> str | None:
    if len(word) < 3 or word in STOP_WORDS or word in _IGNORE:
        return None
    return sys.intern(_stem(word))


_RE_WORD = re.compile(r"[a-zà-ÿ][a-zà-ÿ\-]*[a-zà-ÿ]")


@lru_cache(maxsize=8192)
def _words(segment: str) -> tuple[str, ...]:
    found = {_statement_word(w) for w in _RE_WORD.findall(segment.lower())}
    found.discard(None)
    return tuple(sorted(found))


_CLAUSE_BREAK = re.compile(r"[,;:]|\b(?:en|maar|terwijl|tegen|tegenover|versus|vs)\b", re.I)


def _split(s: str, lo: int, hi: int) -> int:
    """Where the text between two figures turns from the first to the second: at the first
    clause break ('30 procent bellen, en 45 procent chatten'), else all of it is the first's."""
    m = _CLAUSE_BREAK.search(s, lo, hi)
    return m.start() if m else hi


def statement_words(mentions: list[dict], wanted: set[int] | None = None) -> list[tuple[str, ...] | None]:
    """For each mention of one article (in span order), the words of its own part of its
    sentence: the words before the sentence's first figure (what all its figures are about),
    then from the clause break before the figure to the clause break after it.

    ``wanted``: the positions whose words are needed (None for the others; every mention
    still bounds its neighbours' parts). Default: all."""
    located: list[tuple[int, int]] = []
    pos: dict[str, int] = {}
    for m in mentions:
        s = m["sentence"]
        at = s.find(m["text"], pos.get(s, 0))
        if at < 0:
            at = s.find(m["text"])
        located.append((at, at + len(m["text"])) if at >= 0 else (-1, -1))
        if at >= 0:
            pos[s] = at + len(m["text"])
    by_sentence: dict[str, list[int]] = defaultdict(list)
    for k, m in enumerate(mentions):
        if located[k][0] >= 0:
            by_sentence[m["sentence"]].append(k)
    out: list[tuple[str, ...] | None] = []
    for k, m in enumerate(mentions):
        if wanted is not None and k not in wanted:
            out.append(None)
            continue
        s = m["sentence"]
        start, end = located[k]
        if start < 0:
            out.append(_words(s))
            continue
        row = sorted(by_sentence[s], key=lambda j: located[j])
        i = row.index(k)
        lead = s[: located[row[0]][0]] if i > 0 else ""
        left = _split(s, located[row[i - 1]][1], start) if i > 0 else 0
        right = _split(s, end, located[row[i + 1]][0]) if i + 1 < len(row) else len(s)
        out.append(_words(lead + " " + s[left:right]))
    return out


@dataclass(frozen=True, slots=True)
class Figure:
    """What findings need of one mention that has a study."""

    study_id: str
    kind: str
    metric: str | None
    unit: str | None
    year: int | None
    article_id: str
    start: int
    mention_id: str
    value: float
    qualifier: str | None
    subject: str | None
    words: tuple[str, ...]


def figures_of(mentions: list[dict]) -> list[Figure]:
    """The mentions of one article (span order) that have a study, as findings input."""
    words = statement_words(mentions, {k for k, m in enumerate(mentions) if m.get("study_id")})
    intern = lambda v: sys.intern(v) if v is not None else None  # noqa: E731  # many figures share these
    return [
        Figure(intern(m["study_id"]), intern(m["kind"]), intern(m["metric"]), intern(m["unit"]), m["year"], intern(m["article_id"]),
               m["span"]["start"], m["id"], m["value"], intern(m["qualifier"]), intern(m["subject"]), w)
        for m, w in zip(mentions, words)
        if m.get("study_id")
    ]


def _decimals(v: float) -> int:
    text = f"{v:.4f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


def values_agree(a: float, qa: str | None, b: float, qb: str | None) -> bool:
    """Two reports of one figure agree: equal to the coarser precision stated, or within
    what a qualifier allows ('ruim 60' and 64; 'bijna de helft' and 48)."""
    tol = 0.5 * 10 ** -min(_decimals(a), _decimals(b)) + 1e-9
    if abs(a - b) <= tol:
        return True
    return _within(a, qa, b, tol) or _within(b, qb, a, tol)


def _within(bound: float, qualifier: str | None, v: float, tol: float) -> bool:
    if qualifier in ("more_than", "at_least"):
        return v >= bound - tol
    if qualifier in ("less_than", "at_most"):
        return v <= bound + tol
    if qualifier == "almost":
        return bound * 0.9 - tol <= v <= bound + tol
    if qualifier == "about":
        return abs(v - bound) <= max(tol, abs(bound) * 0.1)
    return False


def _similar(a: Figure, b: Figure) -> float | None:
    """How strongly two figures' statements say the same thing (None: not at all)."""
    if a.year is not None and b.year is not None and a.year != b.year:
        return None
    wa, wb = set(a.words), set(b.words)
    shared = len(wa & wb)
    smaller = min(len(wa), len(wb))
    if a.metric is not None:
        if smaller == 0:
            return 0.5
        return shared / smaller if shared / smaller >= 0.5 else None
    if shared < 2 or shared / smaller < 0.5:
        return None
    return shared / smaller + shared / 100


def _fmt(v: float) -> str:
    return f"{v:g}"


def build_findings(figures: list[Figure], schema_version: str) -> Iterator[dict]:
    """findings.jsonl: the figures of each study grouped into findings, conflicts flagged
    (yielded group by group, so they need not all be held at once)."""
    groups: dict[tuple, list[Figure]] = defaultdict(list)
    for f in sorted(figures, key=lambda f: (f.article_id, f.start)):
        groups[(f.study_id, f.kind, f.metric or "", f.unit or "")].append(f)
    for key in sorted(groups):
        yield from _group_findings(groups.pop(key), schema_version)


def _group_findings(figs: list[Figure], schema_version: str) -> list[dict]:
    """The findings of one group (one study, kind, metric, unit): statements first, then
    statements that say the same thing joined, best match first."""
    metric_named = figs[0].metric is not None
    # 1. statements: figures worded alike (same words, same year); a statement with two
    #    values in one article does not tell which is which, so it is split by value
    by_words: dict[tuple, list[int]] = {}
    units: list[list[int]] = []
    for i, f in enumerate(figs):
        if len(f.words) >= 2 or (metric_named and f.words):
            by_words.setdefault((f.words, f.year), []).append(i)
        else:
            units.append([i])
    for idx in by_words.values():
        per_article: dict[str, set[float]] = defaultdict(set)
        for i in idx:
            per_article[figs[i].article_id].add(figs[i].value)
        if any(len(v) > 1 for v in per_article.values()):
            split: dict[float, list[int]] = {}
            for i in idx:
                split.setdefault(figs[i].value, []).append(i)
            units.extend(split.values())
        else:
            units.append(idx)
    units.sort(key=lambda u: u[0])
    n = len(units)
    parent = list(range(n))
    values: list[dict[str, set[float]]] = []
    years: list[set[int]] = []
    for u in units:
        vals: dict[str, set[float]] = defaultdict(set)
        for i in u:
            vals[figs[i].article_id].add(figs[i].value)
        values.append(vals)
        years.append({figs[i].year for i in u} - {None})

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri == rj:
            return
        small, big = (ri, rj) if len(values[ri]) <= len(values[rj]) else (rj, ri)
        vs, vb = values[small], values[big]
        if any(aid in vb and vb[aid] != vals for aid, vals in vs.items()) or len(years[ri] | years[rj]) > 1:
            return  # one article, two values; or two years: not one statement
        parent[small] = big
        for aid, vals in vs.items():
            vb[aid].update(vals)
        years[big] |= years[small]

    # 2. statements that share words, compared by their words
    rep = [figs[u[0]] for u in units]
    index: dict[str, list[int]] = defaultdict(list)
    for k, f in enumerate(rep):
        for w in f.words:
            index[w].append(k)
    candidates: set[tuple[int, int]] = set()
    for posting in index.values():
        if len(posting) <= POSTING_MAX:
            candidates.update((posting[a], posting[b]) for a in range(len(posting)) for b in range(a + 1, len(posting)))
    if metric_named:  # a named metric with no other words: its figures of one year
        bare = [k for k, f in enumerate(rep) if not f.words]
        if len(bare) <= POSTING_MAX:
            candidates |= {(min(a, b), max(a, b)) for a in bare for b in range(n) if a != b}
    scored = []
    for a, b in candidates:
        s = _similar(rep[a], rep[b])
        if s is not None:
            scored.append((-s, a, b))
    for _s, a, b in sorted(scored):
        union(a, b)
    comps: dict[int, list[Figure]] = defaultdict(list)
    for k, u in enumerate(units):
        comps[find(k)].extend(figs[i] for i in u)
    findings = [sorted(c, key=lambda f: (f.article_id, f.start)) for c in comps.values()]
    return [_finding(c, schema_version) for c in sorted(findings, key=lambda c: (c[0].article_id, c[0].start))]


def _finding(figs: list[Figure], schema_version: str) -> dict:
    f0 = figs[0]
    article_ids = sorted({f.article_id for f in figs})
    conflict, note = False, None
    by_value: dict[float, set[str]] = defaultdict(set)
    reports: dict[tuple[float, str | None], set[str]] = defaultdict(set)
    for f in figs:
        by_value[f.value].add(f.article_id)
        reports[(f.value, f.qualifier)].add(f.article_id)
    if len(by_value) > 1:
        distinct = sorted(reports.items(), key=lambda r: (r[0][0], r[0][1] or ""))
        disagree = any(
            (aids_a | aids_b) != aids_a & aids_b and not values_agree(va, qa, vb, qb)
            for k, ((va, qa), aids_a) in enumerate(distinct)
            for (vb, qb), aids_b in distinct[k + 1 :]
        )
        shown = sorted(by_value.items())
        reported = "; ".join(
            f"{_fmt(v)} in {', '.join(sorted(aids)[:NOTE_ARTICLES])}" + (f" and {len(aids) - NOTE_ARTICLES} more" if len(aids) > NOTE_ARTICLES else "")
            for v, aids in shown[:NOTE_VALUES]
        ) + (f"; and {len(shown) - NOTE_VALUES} more values" if len(shown) > NOTE_VALUES else "")
        if disagree:
            conflict = True
            note = f"articles report different values for this figure of the study: {reported}"
        else:
            note = f"the values agree to the precision or qualifier stated: {reported}"
    ids = sorted(f.mention_id for f in figs)
    years = sorted({f.year for f in figs} - {None})
    return {
        "schema_version": schema_version,
        "finding_id": _hash("|".join([f0.study_id, f0.kind, f0.metric or "", f0.unit or "", *ids]), "fd_"),
        "study_id": f0.study_id,
        "kind": f0.kind,
        "metric": f0.metric,
        "unit": f0.unit,
        "year": years[0] if years else None,
        "subject": _most_common([f.subject for f in figs], key=str.lower),
        "values": sorted(by_value),
        "mention_ids": [f.mention_id for f in figs],
        "article_ids": article_ids,
        "conflict": conflict,
        "note": note,
    }
