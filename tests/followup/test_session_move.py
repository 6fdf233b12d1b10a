"""Moving a session: who has not answered hears the new reply-by date, and answers sent to the
first request between the old and the new deadline are applied, not refused as expired."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy

import pytest

from models import Cycle, InboundMessage, OutboundEmail, Participant, clock
from tests.followup.test_followup_cycle import run_due
from tests.followup.test_followup_e2e import gmail_reply
from tests.followup_data import make_programme
from workers import settings as settings_mod
from workers.followup import trigger
from workers.followup.setup import update_session
from workers.inbound import store as inbound_store
from workers.inbound import worker as inbound_worker
from workers.outbound.delivery import build
from workers.outbound.render import render

#: Days a reply address is dated for in these tests: shorter than the move.
TOKEN_DAYS = 5

#: Where the session moves: three weeks later than planned (10 Nov 14:00 UTC).
MOVED_START = dt.datetime(2026, 12, 1, 14, 0)


@pytest.fixture
def world(db):
    settings_mod.configure(dataclasses.replace(settings_mod.get(), reply_token_days=TOKEN_DAYS))
    world = make_programme()
    trigger.trigger(world["cycle"].id)
    return world


def requests_to(person) -> list[OutboundEmail]:
    query = OutboundEmail.select().where(
        (OutboundEmail.person == person) & (OutboundEmail.kind == "update-request")
    )
    return list(query.order_by(OutboundEmail.id))


def answer(request: OutboundEmail, text: str) -> InboundMessage:
    """Answer ``request`` from Gmail, through the inbound pipeline; return the stored row."""
    sent = email.message_from_bytes(build(request).as_bytes(), policy=email.policy.default)
    row, _ = inbound_store.store_raw(gmail_reply(sent, request.to_addr, text), "smtp")
    inbound_worker.process(row.id)
    return InboundMessage.get_by_id(row.id)


def move(cycle: Cycle) -> None:
    fresh = Cycle.get_by_id(cycle.id)
    assert update_session(
        fresh, MOVED_START, MOVED_START + dt.timedelta(hours=1), "Europe/London", "Room 4"
    )


def test_who_has_not_answered_gets_the_request_again_with_the_new_date(world):
    # Given John has answered and Maria and Ken have not
    cycle, people = world["cycle"], world["people"]
    assert answer(requests_to(people["john"])[0], "1 done").status == "applied"
    # When the session moves three weeks later
    move(cycle)
    # Then Maria and Ken get the request again, saying the session moved and the new date
    for name in ("maria", "ken"):
        first, again = requests_to(people[name])
        assert first.ctx["deadline"] != again.ctx["deadline"]
        assert "29 Nov 2026" in again.ctx["deadline"]
        subject, text, html = render("update-request", again.ctx)
        assert "29 Nov 2026" in subject
        assert "has moved" in text and "has moved" in html
    # And John, who answered, gets nothing more
    assert len(requests_to(people["john"])) == 1
    # And moving only the room sends no new request
    fresh = Cycle.get_by_id(cycle.id)
    end = MOVED_START + dt.timedelta(hours=1)
    assert update_session(fresh, MOVED_START, end, "Europe/London", "Room 5")
    assert len(requests_to(people["maria"])) == 2


def test_an_answer_to_the_first_request_after_its_date_is_applied(world):
    # Given the session moved three weeks later
    cycle, maria = world["cycle"], world["people"]["maria"]
    first = requests_to(maria)[0]
    move(cycle)
    # When Maria answers the first request after the old deadline and after the date its
    # reply address carries, but before the new deadline
    clock.freeze(dt.datetime(2026, 11, 20, 10, 0))
    row = answer(first, "1 60%")
    # Then her answer is applied, on time
    assert (row.status, row.reason) == ("applied", "")
    participant = Participant.get(Participant.person == maria)
    assert participant.responded_at is not None and participant.late is False


def test_an_old_address_expires_some_time_after_the_summary(world):
    # Given the moved session was held and its summary has gone out
    cycle, maria = world["cycle"], world["people"]["maria"]
    first = requests_to(maria)[0]
    move(cycle)
    clock.freeze(dt.datetime(2026, 12, 2, 15, 0))
    run_due()
    assert Cycle.get_by_id(cycle.id).summary_sent_at is not None
    # When Maria answers the first request a week later, it still counts (late)
    clock.freeze(dt.datetime(2026, 12, 9, 15, 0))
    assert answer(first, "1 60%").status == "applied"
    # But weeks after the summary, the address has expired
    clock.freeze(dt.datetime(2027, 1, 20, 15, 0))
    assert answer(first, "1 done").reason == "ExpiredTokenError"
