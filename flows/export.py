"""``cxmetrics export``: the output folder as tables an analyst can query at once.

Four tables, one per output file: ``mentions`` (metrics.jsonl), ``articles``,
``studies`` and ``findings``; written into a DuckDB database file (``--duckdb FILE``)
and/or as one Parquet file per table (``--parquet DIR``), both by DuckDB alone.
Column types come from the record models in ``schemas/records.py`` (never guessed from
the data), so an empty file gives an empty table of the same shape; ``span`` and
``source`` of a mention are flattened into
``span_start``, ``span_end``, ``source_organization``, ``source_report``, ``source_person``.
Files are written beside their target and renamed into place.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import types
import typing
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from schemas.records import ArticleRecord, FindingRecord, MetricMention, StudyRecord

# table: (output file, record model, nested fields flattened into one column per subfield)
TABLES: dict[str, tuple[str, type[BaseModel], tuple[str, ...]]] = {
    "mentions": ("metrics.jsonl", MetricMention, ("span", "source")),
    "articles": ("articles.jsonl", ArticleRecord, ()),
    "studies": ("studies.jsonl", StudyRecord, ()),
    "findings": ("findings.jsonl", FindingRecord, ()),
}

_SCALARS = {str: "VARCHAR", int: "BIGINT", float: "DOUBLE", bool: "BOOLEAN"}


def _bare(annotation: Any) -> Any:
    """The type inside ``X | None`` (a column is nullable anyway)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(annotation) if a is not type(None)]
        return inner
    return annotation


def duckdb_type(annotation: Any) -> str:
    """The DuckDB type of a pydantic field annotation: the schema is the one place the
    column types are decided. Optional is nullable anyway; enums and literals are text;
    a nested model is a STRUCT; a list is a LIST. Anything else is an error, not a guess."""
    annotation = _bare(annotation)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Literal and all(isinstance(a, str) for a in args):
        return "VARCHAR"
    if origin is list:
        return duckdb_type(args[0]) + "[]"
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return "STRUCT(" + ", ".join(f'"{n}" {duckdb_type(f.annotation)}' for n, f in annotation.model_fields.items()) + ")"
        if issubclass(annotation, Enum) and issubclass(annotation, str):
            return "VARCHAR"
        for py, sql in _SCALARS.items():
            if annotation is py:
                return sql
    raise TypeError(f"no DuckDB column type for {annotation!r}")


def columns(model: type[BaseModel]) -> dict[str, str]:
    """The JSON columns of a record model and their DuckDB types, in field order."""
    return {name: duckdb_type(f.annotation) for name, f in model.model_fields.items()}


def select_list(model: type[BaseModel], flatten: tuple[str, ...]) -> str:
    """Every field of the model as a column; a flattened field as ``field_sub`` columns."""
    parts = []
    for name, f in model.model_fields.items():
        if name in flatten:
            parts += [f'"{name}"."{sub}" AS "{name}_{sub}"' for sub in _bare(f.annotation).model_fields]
        else:
            parts.append(f'"{name}"')
    return ", ".join(parts)


class ExportError(RuntimeError):
    """The export cannot happen (an output file missing)."""


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _columns(cols: dict[str, str]) -> str:
    return "{" + ", ".join(f"{_sql_str(k)}: {_sql_str(v)}" for k, v in cols.items()) + "}"


def _load(con, out: Path) -> None:
    for table, (fname, model, flatten) in TABLES.items():
        cols, select = columns(model), select_list(model, flatten)
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
