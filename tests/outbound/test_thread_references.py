"""A confirmation threads under the reply it confirms: References carries the whole chain."""

from __future__ import annotations

import email
import email.policy
from email.utils import make_msgid

import pytest

from models import OutboundEmail
from tests.followup.test_followup_e2e import gmail_reply
from tests.followup_data import make_programme
from workers.followup import trigger
from workers.inbound import store as inbound_store
from workers.inbound import worker as inbound_worker
from workers.outbound.delivery import build
from workers.outbound.render import thread_headers

ROOT, MIDDLE, REPLY = "<root@tandem.test>", "<middle@mail.example.org>", "<reply@mail.example.org>"


@pytest.mark.parametrize(
    ("references", "in_reply_to", "chain"),
    [
        ([ROOT, MIDDLE], [MIDDLE], f"{ROOT} {MIDDLE} {REPLY}"),
        ([], [MIDDLE], f"{MIDDLE} {REPLY}"),  # no References: its single In-Reply-To
        ([], [ROOT, MIDDLE], REPLY),  # several In-Reply-To ids say nothing of the order
        ([], [], REPLY),
        ([ROOT, "<bad id@x>", "<ünïcode@x>", MIDDLE], [], f"{ROOT} {MIDDLE} {REPLY}"),
    ],
)
def test_it_builds_the_chain_rfc_5322_asks_for(references, in_reply_to, chain):
    assert thread_headers(REPLY, references, in_reply_to) == (REPLY, chain)


def test_a_long_chain_keeps_its_first_and_latest_ids():
    ids = [f"<{n}@mail.example.org>" for n in range(60)]
    parent, chain = thread_headers(REPLY, ids, [])
    kept = chain.split()
    assert parent == REPLY
    assert kept[0] == ids[0] and kept[-2:] == [ids[-1], REPLY] and len(kept) <= 20


def test_nothing_threads_under_a_message_without_a_usable_id():
    assert thread_headers("", [ROOT], [ROOT]) == ("", "")
    assert thread_headers("not an id", [ROOT], []) == ("", "")


def test_the_confirmation_carries_the_reply_s_references_and_its_id(db):
    # Given John's update request, and his reply to it deep in a thread his client keeps
    world = make_programme()
    john = world["people"]["john"]
    trigger.trigger(world["cycle"].id)
    request = OutboundEmail.get(
        (OutboundEmail.person == john) & (OutboundEmail.kind == "update-request")
    )
    sent = email.message_from_bytes(build(request).as_bytes(), policy=email.policy.default)
    raw = gmail_reply(sent, "john@example.org", "1 done")
    reply = email.message_from_bytes(raw, policy=email.policy.default)
    earlier = make_msgid(domain="mail.gmail.com")
    del reply["References"]
    reply["References"] = f"{earlier} {request.message_id}"
    # When it is applied
    stored, _ = inbound_store.store_raw(reply.as_bytes(policy=email.policy.SMTP), "smtp")
    assert inbound_worker.process(stored.id) == "applied"
    # Then the confirmation answers the reply and lists the whole chain, oldest first
    confirmation = build(OutboundEmail.get(OutboundEmail.kind == "confirmation"))
    assert confirmation["In-Reply-To"] == reply["Message-ID"]
    assert confirmation["References"].split() == [
        earlier,
        request.message_id,
        reply["Message-ID"],
    ]
