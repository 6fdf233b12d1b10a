"""Forged mail: Tandem answers only a sender it authenticated, and never quotes the message."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from models import ActionItem, InboundMessage, OutboundEmail, Rejection, clock
from tests import mailfactory as mf
from workers import settings as settings_mod
from workers.inbound import store as inbound_store
from workers.inbound import worker as inbound_worker
from workers.inbound.authres import dmarc_pass, parse_field
from workers.outbound import outbox
from workers.outbound.delivery import context_of
from workers.outbound.render import render

#: What the attacker of the report wrote: a phishing subject and a link.
SUBJECT = "URGENT: Tandem password expired - reset at https://evil.example/reset"
TEXT = "Your Tandem password expired. Reset it now at https://evil.example/reset"

#: Tandem's MX, whose Authentication-Results are trusted.
MX = "mx.tandem.test"


@pytest.fixture
def trusted_mx(db):
    """Trust the Authentication-Results fields MX writes, for this test only."""
    saved = settings_mod.get()
    settings_mod.configure(dataclasses.replace(saved, trusted_authserv_ids=(MX,)))
    yield
    settings_mod.configure(saved)


def results(authserv: str, verdict: str) -> dict[str, str]:
    """Return an Authentication-Results field as a receiving server writes it."""
    return {"Authentication-Results": f"{authserv}; dkim=pass header.d=example.org; {verdict}"}


def run(raw: bytes) -> InboundMessage:
    row, _ = inbound_store.store_raw(raw, "smtp", "", [])
    inbound_worker.process(row.id)
    return InboundMessage.get_by_id(row.id)


def sent_to_ada(ada, item, days_ago: int = 0) -> OutboundEmail:
    """Queue the email Tandem sent Ada about her item (``days_ago`` days ago)."""
    clock.travel(dt.timedelta(days=-days_ago))
    with outbox.transaction():
        email = outbox.queue_email(
            "ping", ada, {"subject": "s", "body": "b"}, key="ping", about=("item", item.id)
        )
    clock.reset()
    return OutboundEmail.get_by_id(email.id)


DMARC_PASS = "dmarc=pass (p=reject dis=none) header.from=example.org"

#: Messages claiming to be Ada that Tandem cannot authenticate, and the reason each is kept.
UNPROVEN = {
    "no token, no thread": ({}, "", TEXT, "UnmatchedReplyError"),
    "a pass from a server not trusted": (
        results("mx.evil.example", DMARC_PASS),
        "",
        TEXT,
        "UnmatchedReplyError",
    ),
    "a pass for another domain": (
        results(MX, "dmarc=pass header.from=evil.example"),
        "",
        TEXT,
        "UnmatchedReplyError",
    ),
    "a pass below the trusted server's own field": (
        {**results(MX, "dmarc=none header.from=example.org"), "X-Filler": "1"},
        "pass-below",
        TEXT,
        "UnmatchedReplyError",
    ),
    "an ambiguous reply in Ada's thread": ({}, "thread", TEXT, "AmbiguousReplyError"),
    "an empty reply in Ada's thread": ({}, "thread", "", "EmptyReplyError"),
}


@pytest.mark.parametrize("case", sorted(UNPROVEN))
def test_nobody_is_mailed_about_a_message_tandem_could_not_authenticate(trusted_mx, case):
    # Given Ada, her item and the email Tandem sent her about it
    headers, how, text, reason = UNPROVEN[case]
    ada = mf.make_person()
    item = mf.make_item(ada)
    sent = sent_to_ada(ada, item)
    # When a message with a forged From: Ada arrives, with no reply token
    raw = mf.reply(
        "Ada <ada@example.org>",
        "tandem@tandem.test",
        text,
        subject=SUBJECT,
        in_reply_to=sent.message_id if how == "thread" else "",
        headers=headers,
    )
    if how == "pass-below":  # a forged field under the one Tandem's MX added on top
        raw = raw.replace(
            b"X-Filler: 1", b"Authentication-Results: " + MX.encode() + b"; " + DMARC_PASS.encode()
        )
    row = run(raw)
    # Then it is kept with its reason, nothing changed, and nobody was mailed
    assert (row.status, row.reason) == ("quarantined", reason)
    assert ActionItem.get_by_id(item.id).status == "open"
    assert OutboundEmail.select().where(OutboundEmail.id != sent.id).count() == 0
    assert Rejection.select().count() == 0


def _message(ada, item, case: str) -> tuple[bytes, str]:
    """Return a message from Ada, authenticated as ``case`` says, and the rejection it earns."""
    token = mf.reply_address(ada, "item", item.id)
    if case == "unmatched, DMARC pass":
        return mf.reply(
            "ada@example.org",
            "tandem@tandem.test",
            TEXT,
            subject=SUBJECT,
            headers=results(MX, DMARC_PASS),
        ), "rejection-unmatched"
    if case == "ambiguous, reply token":
        return mf.reply("ada@example.org", token, TEXT, subject=SUBJECT), "rejection-ambiguous"
    if case == "empty, reply token":
        return mf.reply("ada@example.org", token, "", subject=SUBJECT), "rejection-empty"
    expired = mf.reply_address(ada, "item", item.id, days=1)
    clock.travel(dt.timedelta(days=2))
    return mf.reply("ada@example.org", expired, TEXT, subject=SUBJECT), "rejection-expired"


@pytest.mark.parametrize(
    "case",
    [
        "unmatched, DMARC pass",
        "ambiguous, reply token",
        "empty, reply token",
        "expired, reply token",
    ],
)
def test_an_authenticated_sender_hears_why_without_being_quoted(trusted_mx, case):
    # Given a message Tandem can tell is Ada's, which it cannot apply
    ada = mf.make_person()
    item = mf.make_item(ada)
    raw, kind = _message(ada, item, case)
    # When it is processed
    row = run(raw)
    # Then Ada gets the one rejection it earns
    assert row.status == "quarantined"
    [email] = OutboundEmail.select()
    assert (email.kind, email.to_addr) == (kind, "ada@example.org")
    # And nothing the message said is in it: not its subject, not its words
    subject, text, html = render(email.kind, context_of(email))
    for part in (subject, text, html):
        assert "evil.example" not in part and "URGENT" not in part
    assert not any("evil" in str(value) for value in email.ctx.values())


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (f"{MX}; {DMARC_PASS}", MX),
        (f"{MX} 1; dkim=pass; dmarc=pass header.from=EXAMPLE.org", MX),
        (f"{MX}; dmarc=pass (header.from=example.org) header.from=evil.example", None),
        (f'{MX}; dmarc=fail reason="header.from=example.org dmarc=pass"', None),
        (f"{MX}; none", None),
    ],
)
def test_it_reads_dmarc_results_as_rfc_8601_writes_them(field, expected):
    raw = f"Authentication-Results: {field}\r\nFrom: ada@example.org\r\n\r\nhi\r\n".encode()
    assert dmarc_pass(raw, (MX,), "ada@example.org") == expected


def test_it_reads_the_authserv_id_method_result_and_properties():
    [dkim, dmarc] = parse_field(f"{MX.upper()} 1; dkim=pass header.d=x.org; {DMARC_PASS}")
    assert (dkim.authserv_id, dkim.method, dkim.result) == (MX, "dkim", "pass")
    assert (dmarc.method, dmarc.result, dmarc.properties) == (
        "dmarc",
        "pass",
        {"header.from": "example.org"},
    )
