"""``cxmetrics export``: the output folder as tables an analyst can query at once.

Four tables, one per output file: ``mentions`` (metrics.jsonl), ``articles``,
``studies`` and ``findings``; written into a DuckDB database file (``--duckdb FILE``)
and/or as one Parquet file per table (``--parquet DIR``), both by DuckDB alone.
Column types are fixed here, not guessed from the data, so an empty file gives an
empty table of the same shape; ``span`` and ``source`` of a mention are flattened into
``span_start``, ``span_end``, ``source_organization``, ``source_report``, ``source_person``.
Files are written beside their target and renamed into place.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

TABLES: dict[str, tuple[str, dict[str, str], str]] = {
    # table: (file, JSON columns and their types, select list)
    "mentions": (
        "metrics.jsonl",
        {
            "schema_version": "VARCHAR", "id": "VARCHAR", "article_id": "VARCHAR",
            "span": "STRUCT(\"start\" BIGINT, \"end\" BIGINT)", "text": "VARCHAR", "sentence": "VARCHAR",
            "kind": "VARCHAR", "value": "DOUBLE", "unit": "VARCHAR", "qualifier": "VARCHAR", "metric": "VARCHAR",
            "subject": "VARCHAR", "year": "INTEGER",
            "source": "STRUCT(\"organization\" VARCHAR, \"report\" VARCHAR, \"person\" VARCHAR)", "study_id": "VARCHAR",
            "published": "VARCHAR", "rule": "VARCHAR", "corrected": "STRUCT(\"action\" VARCHAR, \"fields\" VARCHAR[], \"at\" VARCHAR)",
        },
        "schema_version, id, article_id, span.start AS span_start, span.\"end\" AS span_end, text, sentence, kind, value, unit, "
        "qualifier, metric, subject, year, source.organization AS source_organization, source.report AS source_report, "
        "source.person AS source_person, study_id, published, rule, corrected",
    ),
    "articles": (
        "articles.jsonl",
        {
            "schema_version": "VARCHAR", "article_id": "VARCHAR", "path": "VARCHAR", "sha256": "VARCHAR", "encoding": "VARCHAR",
            "title": "VARCHAR", "published": "VARCHAR", "n_mentions": "INTEGER", "n_rejected": "INTEGER", "status": "VARCHAR",
            "error": "VARCHAR", "format": "VARCHAR", "text_path": "VARCHAR",
        },
        "*",
    ),
    "studies": (
        "studies.jsonl",
        {
            "schema_version": "VARCHAR", "study_id": "VARCHAR", "organizations": "VARCHAR[]", "name": "VARCHAR", "year": "INTEGER",
            "sample_size": "BIGINT", "population": "VARCHAR", "method": "VARCHAR", "article_ids": "VARCHAR[]", "n_mentions": "INTEGER",
        },
        "*",
    ),
    "findings": (
        "findings.jsonl",
        {
            "schema_version": "VARCHAR", "finding_id": "VARCHAR", "study_id": "VARCHAR", "kind": "VARCHAR", "metric": "VARCHAR",
            "unit": "VARCHAR", "year": "INTEGER", "subject": "VARCHAR", "values": "DOUBLE[]", "mention_ids": "VARCHAR[]",
            "article_ids": "VARCHAR[]", "conflict": "BOOLEAN", "note": "VARCHAR",
        },
        "*",
    ),
}


class ExportError(RuntimeError):
    """The export cannot happen (an output file missing)."""


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _columns(cols: dict[str, str]) -> str:
    return "{" + ", ".join(f"{_sql_str(k)}: {_sql_str(v)}" for k, v in cols.items()) + "}"


def _load(con, out: Path) -> None:
    for table, (fname, cols, select) in TABLES.items():
        path = out / fname
        if not path.is_file():
            raise ExportError(f"no {fname} in {out} (run `cxmetrics run` first)")
        source = (
            f"read_json({_sql_str(str(path))}, format='newline_delimited', columns={_columns(cols)})"
            if path.stat().st_size
            else "(SELECT " + ", ".join(f"CAST(NULL AS {t}) AS \"{c}\"" for c, t in cols.items()) + " LIMIT 0)"
        )
        con.execute(f"CREATE TABLE {table} AS SELECT {select} FROM {source}")


@contextlib.contextmanager
def _replacing(target: Path, suffix: str):
    """A temp path beside ``target``, renamed over it when the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
    os.close(fd)
    os.unlink(tmp)  # DuckDB creates the file itself
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp + ".wal")


def export(out: Path, duckdb_file: Path | None = None, parquet_dir: Path | None = None) -> dict[str, int]:
    """Write the tables; return the number of rows of each."""
    import duckdb

    out = Path(out)
    counts: dict[str, int] = {}
    if duckdb_file is not None:
        with _replacing(Path(duckdb_file), ".duckdb.tmp") as tmp:
            con = duckdb.connect(str(tmp))
            try:
                _load(con, out)
                counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
                con.execute("CHECKPOINT")
            finally:
                con.close()
    if parquet_dir is not None:
        con = duckdb.connect()
        try:
            _load(con, out)
            counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
            for table in TABLES:
                with _replacing(Path(parquet_dir) / f"{table}.parquet", ".parquet.tmp") as tmp:
                    con.execute(f"COPY {table} TO {_sql_str(str(tmp))} (FORMAT parquet)")
        finally:
            con.close()
    return counts
