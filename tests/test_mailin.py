"""The inbound SMTP listener: real SMTP sessions against it on a free port."""

from __future__ import annotations

import dataclasses
import json
import os
import smtplib
import subprocess
import sys

import pytest

from models import InboundMessage
from tests import mailfactory as mf
from tests import services
from workers import inbound
from workers import mailin as mailin_mod
from workers.scheduler import tick

TO = "reply+anything@tandem.test"


def send(port: int, raw: bytes, rcpts=(TO,), sender: str = "ada@example.org") -> dict:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as conn:
        return conn.sendmail(sender, list(rcpts), raw)


def test_it_stores_the_message_before_answering(db, mailin):
    # Given a reply sent over SMTP
    raw = mf.reply("ada@example.org", TO, "done")
    # When the server has said 250
    refused = send(mailin.port, raw)
    # Then the raw bytes and the envelope are stored already
    assert refused == {}
    [row] = InboundMessage.select()
    assert bytes(row.raw) == raw
    assert (row.channel, row.mail_from, row.rcpt_to) == ("smtp", "ada@example.org", TO)
    assert row.status == "received"


def test_it_refuses_recipients_outside_the_reply_domain(db, mailin):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(mailin.port, mf.reply("ada@example.org", "x@example.org"), ["x@example.org"])
    assert refused.value.recipients["x@example.org"][0] == 550
    assert InboundMessage.select().count() == 0


def test_it_enforces_the_size_limit_during_the_conversation(db, settings):
    # Given a listener taking at most 4 KiB, and a larger message sent without announcing SIZE
    small = dataclasses.replace(settings, max_inbound_bytes=4096)
    controller = mailin_mod.make_controller(small, "127.0.0.1", services.free_port())
    controller.start()
    big = mf.reply("ada@example.org", TO, "x" * 5000)
    try:
        with smtplib.SMTP("127.0.0.1", controller.port, timeout=10) as conn:
            conn.ehlo()
            conn.mail("ada@example.org")
            conn.rcpt(TO)
            # When the data is sent, then the server answers 552 and stores nothing
            code, _ = conn.data(big)
    finally:
        controller.stop()
    assert code == 552
    assert InboundMessage.select().count() == 0


def test_it_stores_a_resent_message_once(db, mailin):
    raw = mf.reply("ada@example.org", TO, "done")
    send(mailin.port, raw)
    send(mailin.port, raw)
    assert InboundMessage.select().count() == 1


def test_it_keeps_the_message_when_the_broker_is_down(db, mailin, redis_broker, monkeypatch):
    # Given a broker that refuses to take messages
    def refuse(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(inbound.process_inbound, "send", refuse)
    monkeypatch.setattr(inbound.process_inbound_batch, "send", refuse)
    # When a message arrives, it is still accepted and stored
    send(mailin.port, mf.reply("ada@example.org", TO, "done"))
    mailin.handler.enqueuer.flush()
    [row] = InboundMessage.select()
    assert row.status == "received"
    assert redis_broker.client.llen(f"dramatiq:{inbound.process_inbound.queue_name}") == 0
    # Then the scheduler enqueues it once the broker is back
    monkeypatch.undo()
    assert tick()["inbound"] == 1
    assert redis_broker.client.llen(f"dramatiq:{inbound.process_inbound.queue_name}") >= 1


def test_the_mailin_command_listens_and_stores(db, settings, tmp_path):
    # Given the real `flask --app web mailin` process on a free port
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("the command's own process is exercised once, on SQLite")
    port = services.free_port()
    env = {**os.environ, "DATABASE_URL": settings.database_url, "MAILIN_PORT": str(port)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "web", "mailin"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        services.wait_for_port(port, timeout=20)
        # When a message is sent to it
        send(port, mf.reply("ada@example.org", TO, "hello from a client"))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    # Then it is stored in the database
    [row] = InboundMessage.select()
    assert b"hello from a client" in bytes(row.raw)


def test_it_hands_stored_messages_to_the_workers_in_batches(db, redis_broker):
    # Given an enqueuer that waits long enough to gather messages
    enqueuer = mailin_mod.Enqueuer(size=3, delay=60)
    raws = [mf.reply(f"p{i}@example.org", TO, "done") for i in range(7)]
    rows = [inbound.store_raw(raw, "smtp")[0] for raw in raws]
    queue = f"dramatiq:{inbound.process_inbound.queue_name}"
    # When seven stored messages are added
    for row in rows:
        enqueuer.add(row.id)
    enqueuer.stop()
    # Then they went in a few batches of at most three, each id once
    client = redis_broker.client
    raw = [client.hget(f"{queue}.msgs", key) for key in client.lrange(queue, 0, -1)]
    batches = [json.loads(m)["args"][0] for m in raw]
    batches = [b if isinstance(b, list) else [b] for b in batches]
    assert sorted(i for batch in batches for i in batch) == sorted(row.id for row in rows)
    assert len(batches) <= 4
    assert max(len(b) for b in batches) == 3


@pytest.mark.parametrize(
    "path",
    [
        "<ada@example.org>",
        "<ada@example.org> SIZE=1234 BODY=8BITMIME",
        " <reply+1-i-2-abc@tandem.test>",
        "<>",
        "ada@example.org",
        '<"quoted local"@example.org>',
        "<a..b@example.org>",
        "<a@example..org>",
        "<@route:a@example.org>",
        "<" + "a" * 70 + "@example.org>",
    ],
)
def test_it_reads_envelope_paths_as_aiosmtpd_does(path):
    # The quick path for plain addresses gives what aiosmtpd's full parser gives
    from aiosmtpd.smtp import SMTP

    assert mailin_mod.QuickPathSMTP(None)._getaddr(path) == SMTP(None)._getaddr(path)
