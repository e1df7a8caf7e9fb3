"""Export the JSON Schema of every record model next to the models.

Run ``python -m schemas.export`` after changing a model; a test fails while the
committed ``*.schema.json`` files differ from what the models generate.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from schemas.records import RECORD_MODELS, SCHEMA_VERSION

SCHEMA_DIR = Path(__file__).resolve().parent


def schema_documents() -> dict[str, str]:
    """File name -> JSON text of each record schema, deterministic."""
    docs = {}
    for name, model in RECORD_MODELS.items():
        schema = model.model_json_schema(mode="serialization")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"cxmetrics/{name}/{SCHEMA_VERSION}"
        docs[f"{name}.schema.json"] = json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    return docs


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    check = "--check" in argv
    stale = []
    for fname, text in schema_documents().items():
        path = SCHEMA_DIR / fname
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(fname)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print("stale JSON Schema: " + ", ".join(stale) + " (run python -m schemas.export)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
