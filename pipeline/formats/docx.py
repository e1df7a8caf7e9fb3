"""Word files (.docx): the body's paragraphs and tables in document order.

Headings and list items are lines of their own; a table row is one line with
its cells joined by `` | ``. Headers, footers, comments and text boxes are not
the article and are not read. A password-protected Word file is an OLE
container, not a zip: it is reported as ``encrypted``.
"""

from __future__ import annotations

import io
import zipfile

from pipeline.formats.base import ArticleError, Document, join_paragraphs, tidy_line

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


def _lines(doc) -> list[str]:
    from docx.table import Table

    out: list[str] = []
    for block in doc.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells: list[str] = []
                for cell in row.cells:
                    text = tidy_line(cell.text.replace("\n", " "))
                    if text and (not cells or cells[-1] != text):  # merged cells repeat their text
                        cells.append(text)
                if cells:
                    out.append(" | ".join(cells))
        else:
            # a line break inside a paragraph (Shift+Enter) stays a line of its own
            out.extend(block.text.split("\n"))
    return out


def read_docx(data: bytes) -> Document:
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_STREAM in data:
            raise ArticleError("encrypted", "the Word file is protected with a password")
        raise ArticleError("unreadable", "an old binary Word file (.doc) renamed to .docx; save it as .docx")
    if not data.startswith(b"PK"):
        raise ArticleError("unreadable", "not a Word file: no .docx (zip) signature")
    import docx

    try:
        doc = docx.Document(io.BytesIO(data))
        lines = _lines(doc)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, IndexError, AttributeError, TypeError) as exc:
        raise ArticleError("unreadable", f"the Word file is damaged ({type(exc).__name__}: {str(exc)[:120]})") from None
    except Exception as exc:  # python-docx and lxml raise their own types (PackageNotFoundError, XMLSyntaxError)
        raise ArticleError("unreadable", f"the Word file is damaged ({type(exc).__name__}: {str(exc)[:120]})") from None
    text = join_paragraphs(lines)
    if not text:
        raise ArticleError("empty", "the Word file holds no text")
    return Document(text=text, format="docx")
