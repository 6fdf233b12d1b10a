"""Reply addresses as keys: a forged, re-aimed, expired or borrowed one changes nothing, and
nobody outside Tandem is mailed because of it."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest

from models import ActionItem, InboundMessage, Membership, OutboundEmail, Person, clock
from tests import mailfactory as mf
from workers import settings as settings_mod
from workers.inbound import store as inbound_store
from workers.inbound import worker as inbound_worker
from workers.outbound import outbox
from workers.outbound.tokens import (
    REPLY_RE,
    InvalidToken,
    TokenError,
    _b36,
    make_reply_address,
    parse_reply_address,
)


def run(raw: bytes, mail_from: str = "") -> InboundMessage:
    row, _ = inbound_store.store_raw(raw, "smtp", mail_from, [])
    inbound_worker.process(row.id)
    return InboundMessage.get_by_id(row.id)


def parts(address: str) -> list[str]:
    """Return an address's token fields: person, code, object, expiry, signature."""
    return list(REPLY_RE.match(address.split("@")[0]).groups())


def rebuild(fields: list[str]) -> str:
    return "reply+" + "-".join(fields) + "@" + settings_mod.get().reply_domain


@pytest.fixture
def world(db):
    """Ada and Bob, each owning an item in Ada's programme, and the address sent to Ada."""
    ada = mf.make_person()
    bob = mf.make_person("bob@example.org", "Bob Stone")
    item = mf.make_item(ada)
    other = ActionItem.create(programme=item.programme, title="Budget", owner=bob)
    coordinator = Person.create(name="Cora", email="cora@example.org")
    Membership.create(programme=item.programme, person=coordinator, role="coordinator")
    return {
        "ada": ada,
        "bob": bob,
        "item": item,
        "other": other,
        "coordinator": coordinator,
        "address": mf.reply_address(ada, "item", item.id),
    }


def nothing_changed(world) -> None:
    """Assert both items are still open and nobody but a coordinator was mailed."""
    assert ActionItem.get_by_id(world["item"].id).status == "open"
    assert ActionItem.get_by_id(world["other"].id).status == "open"
    outside = OutboundEmail.select().where(OutboundEmail.to_addr != world["coordinator"].email)
    assert [(e.kind, e.to_addr) for e in outside] == []


def forged(world, how: str) -> str:
    """Return the address an outsider makes from Ada's genuine one, as ``how`` says."""
    fields = parts(world["address"])
    if how == "random signature":
        fields[4] = secrets.token_hex(8)
    elif how == "one digit of the signature changed":
        fields[4] = fields[4][:-1] + ("0" if fields[4][-1] != "0" else "1")
    elif how == "signature cut short":
        fields[4] = fields[4][:8]
    elif how == "another item, same signature":
        fields[2] = str(world["other"].id)
    elif how == "another person, same signature":
        fields[0] = str(world["bob"].id)
    elif how == "another kind of object, same signature":
        fields[1] = "c"
    elif how == "later expiry, same signature":
        fields[3] = _b36(int(fields[3], 36) + 365)
    elif how == "garbage":
        return "reply+<script>-a-1-zz-'%0d%0aBcc:x@evil.example@tandem.test"
    return rebuild(fields)


FORGERIES = [
    "random signature",
    "one digit of the signature changed",
    "signature cut short",
    "another item, same signature",
    "another person, same signature",
    "another kind of object, same signature",
    "later expiry, same signature",
    "garbage",
]


@pytest.mark.parametrize("how", FORGERIES)
def test_a_forged_or_re_aimed_reply_address_changes_nothing(world, how):
    # Given Ada's genuine reply address, altered by an outsider
    address = forged(world, how)
    sender = "bob@example.org" if "person" in how else "ada@example.org"
    # When "done" is sent to it
    row = run(mf.reply(sender, address, "Done."), sender)
    # Then it is kept, refused as a bad token, and nothing changed
    assert row.status == "quarantined"
    assert row.reason in ("InvalidTokenError", "UnmatchedReplyError"), row.reason
    nothing_changed(world)


@pytest.mark.parametrize("how", FORGERIES[:-1])
def test_the_token_reader_refuses_every_forgery(world, how):
    with pytest.raises(InvalidToken):
        parse_reply_address(settings_mod.get().verification_keys, forged(world, how))


def test_the_genuine_address_is_applied(world):
    # The control for the tests above: the unaltered address works
    row = run(mf.reply("ada@example.org", world["address"], "Done."))
    assert (row.status, row.reason) == ("applied", "")
    assert ActionItem.get_by_id(world["item"].id).status == "done"


def test_another_sender_cannot_use_adas_address(world):
    # Given Ada's genuine reply address, forwarded to Bob or leaked
    # When Bob (who owns another item of the programme) answers "done" to it
    row = run(mf.reply("bob@example.org", world["address"], "Done."), "bob@example.org")
    # Then it is refused as the wrong sender, and Bob is not told anything about Ada's item
    assert (row.status, row.reason) == ("quarantined", "SenderMismatchError")
    nothing_changed(world)


def test_a_stranger_cannot_use_adas_address_even_under_her_display_name(world):
    sender = '"ada@example.org" <eve@evil.example>'
    row = run(mf.reply(sender, world["address"], "Done."), "eve@evil.example")
    assert (row.status, row.reason) == ("quarantined", "SenderMismatchError")
    nothing_changed(world)


def test_an_expired_address_changes_nothing(world):
    # Given an address valid for one day
    address = mf.reply_address(world["ada"], "item", world["item"].id, days=1)
    # When Ada answers it three days later
    clock.travel(dt.timedelta(days=3))
    row = run(mf.reply("ada@example.org", address, "Done."))
    # Then it is kept as expired, and the item stays open
    assert (row.status, row.reason) == ("quarantined", "ExpiredTokenError")
    assert ActionItem.get_by_id(world["item"].id).status == "open"
    # And Ada (the proven recipient) is the only one told why
    told = {(e.kind, e.to_addr) for e in OutboundEmail.select()}
    assert told <= {("rejection-expired", "ada@example.org")}


def test_an_expired_address_forwarded_to_a_stranger_mails_nobody(world):
    address = mf.reply_address(world["ada"], "item", world["item"].id, days=1)
    clock.travel(dt.timedelta(days=3))
    row = run(mf.reply("eve@evil.example", address, "Done."), "eve@evil.example")
    assert row.status == "quarantined"
    nothing_changed(world)


def test_thread_headers_naming_someone_elses_email_change_nothing(world):
    # Given the email Tandem sent Bob about his item (its Message-ID leaked to Ada)
    with outbox.transaction():
        sent = outbox.queue_email(
            "ping",
            world["bob"],
            {"subject": "s", "body": "b"},
            key="k",
            about=("item", world["other"].id),
        )
    sent = OutboundEmail.get_by_id(sent.id)
    before = OutboundEmail.select().count()
    # When Ada replies "done" without a token, naming Bob's email in In-Reply-To
    raw = mf.reply("ada@example.org", "tandem@tandem.test", "Done.", in_reply_to=sent.message_id)
    row = run(raw)
    # Then the thread headers do not stand in for a token: nothing changed, nobody mailed
    assert (row.status, row.reason) == ("quarantined", "SenderMismatchError")
    assert ActionItem.get_by_id(world["other"].id).status == "open"
    assert OutboundEmail.select().count() == before


def test_thread_headers_naming_a_made_up_message_id_change_nothing(world):
    raw = mf.reply("ada@example.org", "tandem@tandem.test", "Done.", in_reply_to="<1@tandem.test>")
    row = run(raw)
    assert (row.status, row.reason) == ("quarantined", "UnmatchedReplyError")
    nothing_changed(world)


def test_a_clock_before_the_epoch_is_refused_not_a_hang(db):
    # Before the fix, base 36 of a negative day count looped for ever
    clock.freeze(dt.datetime(2019, 6, 1, 12, 0))
    with pytest.raises(TokenError, match="before 2020-01-01"):
        make_reply_address("k" * 32, "tandem.test", 1, "item", 1, 60)
    with pytest.raises(ValueError, match="negative"):
        _b36(-1)
    assert _b36(0) == "0" and _b36(36) == "10"
