"""Every email's HTML at phone width in headless Chromium: nothing wider than the screen, and
a <title> and a language for screen readers."""

from __future__ import annotations

import pytest

from tests.browser import chromium
from tests.outbound.email_samples import missing, samples

#: A phone's CSS width (iPhone SE to 13 mini).
PHONE_WIDTH = 375

#: What the page says about itself: its scroll width, its title and language, and the
#: elements that reach past the screen's right edge.
MEASURE = """() => {
  const wide = [...document.body.querySelectorAll('*')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
    .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''));
  return {
    width: document.documentElement.scrollWidth,
    title: document.title.trim(),
    lang: document.documentElement.lang,
    wide: wide.slice(0, 5),
  };
}"""


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_every_email_fits_a_phone_and_says_its_title_and_language(db):
    # Given realistic examples of every email Tandem has a template for
    found = samples()
    assert missing(found) == [], "add an example of these emails to tests/outbound/email_samples"
    # When each is shown at phone width
    measured = []
    with chromium() as browser:
        page = browser.new_page(viewport={"width": PHONE_WIDTH, "height": 800})
        for name, subject, html in found:
            page.set_content(html)
            measured.append((name, subject, page.evaluate(MEASURE)))
    # Then nothing is wider than the screen
    too_wide = [(n, m["width"], m["wide"]) for n, _, m in measured if m["width"] > PHONE_WIDTH]
    assert too_wide == []
    # And each names its language, and has a title saying what it is (its subject by default)
    assert [n for n, _, m in measured if not m["lang"]] == []
    assert [n for n, _, m in measured if m["title"] in ("", "Tandem")] == []
    assert all(m["title"] == subject for n, subject, m in measured if n == "update-request")
