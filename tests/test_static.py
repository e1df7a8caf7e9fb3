"""The editor's pages as code: their scripts linted and formatted (ESLint, Prettier), vendored files
named by version with their licence, and no Python module building markup, script or style in strings."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess

import pytest

from .conftest import ROOT

STATIC = ROOT / "review" / "static"


def _node_tools() -> str:
    """npm, with the pinned tools of package-lock.json installed in node_modules/ (npm ci once), or a skip."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if not (npm and node):
        pytest.skip("node and npm are not installed (Debian packages nodejs and npm; .ci/run installs them): static files not linted")
    lock, stamp = ROOT / "package-lock.json", ROOT / "node_modules" / ".package-lock.json"
    if not stamp.is_file() or stamp.stat().st_mtime < lock.stat().st_mtime:
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT, check=True, timeout=600)
    return npm


def _run(npm: str, *args: str) -> None:
    r = subprocess.run([npm, "exec", "--no", "--", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr


def test_scripts_pass_eslint():
    _run(_node_tools(), "eslint", "--max-warnings", "0", "review/static")


def test_scripts_and_styles_are_formatted():
    _run(_node_tools(), "prettier", "--check", "review/static/*.js", "review/static/*.css")


def test_vendored_files_name_their_version_and_keep_their_licence():
    vendored = [p for p in STATIC.iterdir() if re.fullmatch(r"[a-z]+-\d+\.\d+\.\d+(\.min)?\.(js|css)", p.name)]
    assert vendored, "no vendored library in review/static"
    for p in vendored:
        lib, version = re.match(r"([a-z]+)-(\d+\.\d+\.\d+)", p.name).groups()
        assert (STATIC / f"{lib}-{version}.LICENSE").is_file(), f"{p.name}: no licence beside it"
        if p.suffix == ".js":
            assert f"v{version}" in p.read_text(encoding="utf-8")[:200], f"{p.name}: its header names another version"
    own = {p.name for p in STATIC.glob("*.js")} - {p.name for p in vendored}
    assert own == {"index.js", "article.js", "review.js", "charts.js"}


_MARKUP = re.compile(r"(?<!\?P)<(?:!doctype|/?[a-z][a-z0-9]*\b[^<>]*>)|\bfunction\s*\(|=>\s*\{|\{[a-z-]+:[^{}]+;?\}", re.I)


def test_no_python_module_builds_html_javascript_or_css():
    """Markup, script and style live in review/templates and review/static: no string constant in the
    project's Python (docstrings aside) holds a tag, a function or a CSS rule."""
    found = []
    for path in sorted(p for d in ("flows", "review", "pipeline", "schemas") for p in (ROOT / d).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = {id(n.body[0].value) for n in ast.walk(tree) if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs and _MARKUP.search(node.value):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:60]!r}")
    assert not found, "\n".join(found)


def test_templates_autoescape():
    from review.pages import render

    assert "&lt;script&gt;" in render("_legend.html", kinds=["<script>"])
