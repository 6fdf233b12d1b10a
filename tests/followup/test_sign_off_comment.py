"""A reply's sign-off is neither kept as its comment nor echoed back in the confirmation."""

from __future__ import annotations

import email
import email.policy

from models import OutboundEmail, Report
from tests.followup.test_followup_e2e import gmail_reply
from tests.followup_data import make_programme
from workers.followup import trigger
from workers.inbound import store as inbound_store
from workers.inbound import worker as inbound_worker
from workers.outbound.delivery import build


def answer(person, text: str) -> str:
    """Answer the person's update request from Gmail, through the inbound pipeline."""
    row = OutboundEmail.get(
        (OutboundEmail.person == person) & (OutboundEmail.kind == "update-request")
    )
    sent = email.message_from_bytes(build(row).as_bytes(), policy=email.policy.default)
    stored, _ = inbound_store.store_raw(gmail_reply(sent, person.email, text), "smtp")
    return inbound_worker.process(stored.id)


def test_a_sign_off_after_a_blank_line_is_not_a_comment(db):
    # Given a triggered cycle
    world = make_programme()
    john = world["people"]["john"]
    trigger.trigger(world["cycle"].id)
    # When John answers with his items, a blank line, and a sign-off
    assert answer(john, "1 done\n2 60%\n\nThanks,\nJohn") == "applied"
    # Then no comment is kept, and the confirmation lists only what he reported
    assert Report.select().count() == 0
    confirmation = OutboundEmail.get(OutboundEmail.kind == "confirmation").ctx
    assert confirmation["recorded"] == ["Exit interview script: done", "Mentor pairing pilot: 60%"]


def test_a_comment_keeps_its_words_and_loses_only_the_sign_off(db):
    world = make_programme()
    maria = world["people"]["maria"]
    trigger.trigger(world["cycle"].id)
    text = "1 50%\nComment: legal is reviewing the bands\n\nBest regards\nMaria Lopez"
    assert answer(maria, text) == "applied"
    assert Report.get().comment == "legal is reviewing the bands"
    recorded = OutboundEmail.get(OutboundEmail.kind == "confirmation").ctx["recorded"]
    assert recorded[-1] == "Comment: legal is reviewing the bands"
