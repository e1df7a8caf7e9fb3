"""The Jinja2 environment of the editor's pages: templates, autoescaping, filters and the static files.

Article text is untrusted: it reaches a page only through autoescaped template
variables, ``|tojson`` (a JSON island safe inside ``<script>``) or, in the browser,
the DOM's ``textContent``; never as markup.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from flows.io import atomic_writer

STATIC = Path(__file__).with_name("static")
STATIC_GENERATED = ("kinds.css",)  # rendered from templates (the kinds' colours come from the schema)


def fmt(v: float) -> str:
    """A value as the pages show it: 2.9, 1359, 66.67."""
    return f"{v:g}"


def json_script(obj) -> str:
    """JSON safe inside a <script> element or file (no '</script>', no HTML comment openers)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e")


def csp(review: bool) -> str:
    """Scripts and styles from the report's own files only; the review server's pages may post to it."""
    connect = "'self'" if review else "'none'"
    return f"default-src 'none'; style-src 'self' 'unsafe-inline'; script-src 'self'; img-src data:; connect-src {connect}"


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("review", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = fmt
    env.filters["json_script"] = json_script
    env.globals["csp"] = csp
    return env


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)


def page_name(article_id: str) -> str:
    """The file name of an article's page: a readable slug plus a hash of the whole id.

    The slug alone drops characters ('rapport 2024' and 'rapport_2024' give one
    slug); the hash keeps names apart, also on case-insensitive file systems.
    """
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", article_id).strip("_")[:60] or "article"
    return f"{slug}-{hashlib.sha256(article_id.encode('utf-8')).hexdigest()[:10]}.html"


def static_names() -> set[str]:
    """The files of report/static/: the package's static files and the ones rendered from templates."""
    return {p.name for p in STATIC.iterdir() if p.is_file()} | set(STATIC_GENERATED)


def write_static(report: Path, kinds: dict[str, tuple[str, str]]) -> None:
    """Copy the static files into report/static/ (only those that changed), render kinds.css, drop stale ones."""
    folder = report / "static"
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {p.name: p.read_text(encoding="utf-8") for p in STATIC.iterdir() if p.is_file()}
    wanted["kinds.css"] = render("kinds.css", kinds=kinds)
    for name, data in wanted.items():
        target = folder / name
        try:
            if target.read_text(encoding="utf-8") == data:
                continue
        except (OSError, UnicodeDecodeError):
            pass
        with atomic_writer(target) as fh:
            fh.write(data)
    for old in folder.iterdir():
        if old.name not in wanted and old.is_file():
            old.unlink(missing_ok=True)
