"""Bytes -> Article: decoding, quarantine reasons, titles."""

from __future__ import annotations

import pytest

from pipeline.article import ArticleError, build_article, decode, find_title


def test_utf8_bom_is_dropped_and_nothing_else_changes():
    text, enc = decode("\ufeffTitel\r\n64 procent\n".encode())
    assert text == "Titel\r\n64 procent\n" and enc == "utf-8"


def test_cp1252_dutch_text_is_decoded_as_such():
    raw = "Café-eigenaren: 64 procent zegt ‘ja’ – geïnvesteerd".encode("cp1252")
    text, enc = decode(raw)
    assert enc == "cp1252" and "Café" in text and "‘ja’" in text and "geïnvesteerd" in text


@pytest.mark.parametrize(
    "data,code",
    [
        (b"", "empty"),
        (b"   \n\t \n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"tekst\x00met\x00nul", "binary"),
        (b"Titel\n\x81\x8d\x8f\x90\x9d onbekend", "undecodable"),
    ],
)
def test_unusable_bytes_get_a_reason(data, code):
    with pytest.raises(ArticleError) as exc:
        decode(data)
    assert exc.value.code == code


def test_unsupported_extension_names_the_supported_ones():
    with pytest.raises(ArticleError) as exc:
        build_article("artikel.odt", b"PK\x03\x04")
    assert exc.value.code == "unsupported_extension"
    assert all(s in str(exc.value) for s in (".txt", ".md", ".html", ".htm", ".docx", ".pdf"))


def test_md_is_accepted_and_id_is_the_stem():
    art = build_article("sub/Mijn artikel é.md", "Titel\n64 procent".encode())
    assert art.article_id == "Mijn artikel é" and art.title == "Titel"


def test_title_is_first_sentence_of_a_long_lead_line():
    title, span = find_title("De waarde van cx is beperkt. Het effect valt tegen en nog veel meer tekst.\nTweede regel")
    assert title == "De waarde van cx is beperkt"
    assert span == (0, len(title))


def test_title_drops_date_prefix():
    assert find_title(" date 2021-10 Volwassen customer experience\n\nTekst")[0] == "Volwassen customer experience"
