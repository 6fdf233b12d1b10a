"""Sign-offs at the end of an answer: a closing and the name under it are no comment."""

from __future__ import annotations

import pytest

from workers.grammar.closings import strip_sign_off
from workers.grammar.reply import parse_reply

NAMES = ("Ada Lovelace",)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("1 done\n\nThanks,\nAda", "1 done"),
        ("1 done\nThanks,\nAda", "1 done"),
        ("1 done\nComment: on track\n\nBest regards\nAda Lovelace", "1 done\nComment: on track"),
        ("1 done\n\nCheers", "1 done"),
        ("1 done\nThanks, Ada", "1 done"),
        ("1 done\n\nThanks!\n\nAda", "1 done"),
        ("1 done\n\nKind regards,\nAda Lovelace\nHead of Maths", "1 done"),
        ("1 done\nThanks again!\nCheers,\nAda", "1 done"),
        ("2 50%\n\nMit freundlichen Grüßen\nJohann von Goethe", "2 50%"),
        ("1 done\n\nAda", "1 done"),  # the writer's own name alone
        ("1 done\n\n-- A.L.", "1 done"),  # or their initials
    ],
)
def test_it_takes_the_sign_off_off_the_end(text, kept):
    assert "\n".join(strip_sign_off(text.splitlines(), NAMES)).rstrip() == kept


@pytest.mark.parametrize(
    "text",
    [
        "1 done\nThanks for the reminder, the review is booked",
        "1 done\nThanks,\nwill send the rest tomorrow",
        "1 done\nBarbara will take item 2",  # a name that is not the writer's, in a sentence
        "Cheers to the team\n1 done",
        "1 done\nGrace",  # a lone name that is not the writer's says something
    ],
)
def test_it_keeps_words_that_only_look_like_a_sign_off(text):
    assert strip_sign_off(text.splitlines(), NAMES) == text.splitlines()


def test_a_sign_off_after_a_blank_line_is_not_the_comment():
    fields = parse_reply(
        "1 done\nComment: good momentum\n\nBest,\nAda", open_items=[1], names=NAMES
    )
    assert [u.status for u in fields.items] == ["done"]
    assert fields.comment == "Comment: good momentum"
