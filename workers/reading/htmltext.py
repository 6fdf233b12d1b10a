"""Turn HTML mail into text, optionally dropping the quoted history clients mark in HTML."""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser

import html2text

#: Elements holding quoted history or a signature, dropped with their content (class/id words).
QUOTE_MARKERS = {
    "gmail_quote", "gmail_quote_container", "yahoo_quoted", "moz-cite-prefix", "protonmail_quote",
    "gmail_signature", "moz-signature", "applemailsignature", "signature", "x_signature",
    "ms-outlook-mobile-signature", "zmail_extra", "ymail_android_signature", "x_gmail_quote",
    "x_yahoo_quoted", "moz-forward-container", "gmail_extra", "__quoted_text__", "zm-_id_-sgn",
    "protonmail_signature_block",
}  # fmt: skip

#: Elements after which everything is quoted history (Outlook's reply header and separator).
CUT_MARKERS = {
    "divrplyfwdmsg", "x_divrplyfwdmsg", "appendonsend", "mail-editor-reference-message-container",
    "x_appendonsend", "olk_src_body_section", "x_olk_src_body_section", "zwchr",
}  # fmt: skip

#: Elements that never have an end tag.
VOID_TAGS = {"br", "hr", "img", "meta", "link", "input", "col", "area", "base", "wbr"}

#: Outlook desktop's reply header: a div with a top border holding "From:".
OUTLOOK_BORDER_RE = re.compile(
    r"border-top:\s*(?:[\d.]+p[tx]\s+)?solid\s+(?:[\d.]+p[tx]\s+)?#(?:E1E1E1|B5C4DF)", re.IGNORECASE
)


class _PlainText(html2text.HTML2Text):
    """html2text without Markdown escapes: mail is read as text, so "--" must stay "--"."""

    def handle_data(self, data: str, entity_char: bool = False) -> None:
        # html2text escapes text only when entity_char is false; there is no option for it.
        super().handle_data(data, entity_char=True)


@lru_cache(maxsize=4)
def html_to_text(html: str) -> str:
    """Convert an HTML body to readable plain text (no link targets, no images)."""
    converter = _PlainText()
    converter.body_width = 0
    converter.ignore_images = True
    converter.ignore_links = True
    converter.ignore_emphasis = True
    converter.ignore_tables = True
    converter.unicode_snob = True
    converter.single_line_break = False
    try:
        text = converter.handle(html or "")
    except Exception:  # html2text has no error type; a broken body must not stop the mail
        text = re.sub(r"<[^>]+>", " ", html or "")
    text = re.sub(r"[ \t\u00a0]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def strip_html_quotes(html: str) -> str:
    """Remove blockquotes and client quote containers from HTML, keeping the reply."""
    stripper = _QuoteStripper()
    try:
        stripper.feed(html or "")
        stripper.close()
    except AssertionError:  # html.parser's last resort on impossible markup
        return html or ""
    return "".join(stripper.out)


class _QuoteStripper(HTMLParser):
    """Re-emit HTML, skipping quoted elements and everything after a cut marker."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.skip_tag: str | None = None
        self.skip_depth = 0
        self.cut = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.cut:
            return
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_depth += 1
            return
        names = _marker_words(attrs)
        style = dict(attrs).get("style") or ""
        if names & CUT_MARKERS or (tag == "div" and OUTLOOK_BORDER_RE.search(style)):
            self.cut = True
        elif tag == "blockquote" or names & QUOTE_MARKERS:
            if tag not in VOID_TAGS:
                self.skip_tag, self.skip_depth = tag, 1
        else:
            self.out.append(self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.cut and self.skip_tag is None:
            self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if self.cut:
            return
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_depth -= 1
                if self.skip_depth == 0:
                    self.skip_tag = None
            return
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.cut and self.skip_tag is None:
            self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.handle_data(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.handle_data(f"&#{name};")


def _marker_words(attrs: list[tuple[str, str | None]]) -> set[str]:
    """Return the lower-case class, id and data-marker words of an element."""
    words: set[str] = set()
    for name, value in attrs:
        if name in ("class", "id", "data-marker") and value:
            words.update(value.lower().split())
    return words
