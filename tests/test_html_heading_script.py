"""A script inside a page's <h1> is code, not its title (found by the hostile-HTML property test)."""

from __future__ import annotations

from pipeline.formats.html import read_html


def test_a_script_in_the_heading_is_not_the_title():
    page = (b"Uit onderzoek van Klantpeil blijkt dat 64 procent van de klanten tevreden is over de service."
            b"<h1><script>var a = 'GEHEIM_SCRIPT_TEKST'; </div></p></script></h1>")
    doc = read_html(page)
    assert "GEHEIM" not in doc.text and "var a" not in doc.text
    assert doc.text == "Uit onderzoek van Klantpeil blijkt dat 64 procent van de klanten tevreden is over de service."


def test_a_heading_keeps_its_words_around_a_script():
    page = (b"<html><body><h1>Klanten <script>track()</script>tevredener dan ooit</h1>"
            b"<p>Uit onderzoek van Klantpeil blijkt dat 64 procent van de klanten tevreden is over de service van hun bank.</p></body></html>")
    doc = read_html(page)
    assert doc.title == "Klanten tevredener dan ooit" and "track()" not in doc.text
