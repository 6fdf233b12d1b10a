"""Encoded words in folded headers: RFC 2047 section 6.2's rules for the whitespace around them."""

from __future__ import annotations

import pytest

from workers.reading.charsets import decode_header_value
from workers.reading.message import parse_message


@pytest.mark.parametrize(
    ("value", "text"),
    [
        # An encoded word, a fold, then plain text: the fold's space stays.
        ("Re: =?utf-8?q?review_=E2=80=94?=\r\n please", "Re: review — please"),
        ("=?utf-8?b?UmV2aWV3?=\r\n\tplease", "Review please"),
        # Plain text, a fold, then an encoded word: the space stays too.
        ("Re: please\r\n =?utf-8?q?review_=E2=80=94?= now", "Re: please review — now"),
        # Between two encoded words the whitespace goes, folded or not.
        ("=?utf-8?q?one?=\r\n =?utf-8?q?two?=", "onetwo"),
        ("=?utf-8?q?one?= =?iso-8859-1?q?caf=E9?=", "onecafé"),
        # An encoded space inside the word is the writer's own and stays.
        ("=?utf-8?q?one_?=\r\n =?utf-8?q?two?=", "one two"),
        # A folded plain header reads as one line with one space at the fold.
        ("Progress\r\n  update", "Progress update"),
    ],
)
def test_it_keeps_the_space_rfc_2047_keeps(value, text):
    assert decode_header_value(value) == text


def test_a_folded_subject_from_a_client_keeps_its_words_apart():
    # Given a message whose Subject a client folded right after an encoded word
    raw = (
        b"From: Ada <ada@example.org>\r\nTo: reply+x@tandem.test\r\n"
        b"Subject: Re: =?utf-8?q?Progress_update_=E2=80=94_review?=\r\n please\r\n"
        b"Message-ID: <a@example.org>\r\n\r\n1 done\r\n"
    )
    # When it is read
    parsed = parse_message(raw)
    # Then the word after the fold stays a word of its own
    assert parsed.subject == "Re: Progress update — review please"
