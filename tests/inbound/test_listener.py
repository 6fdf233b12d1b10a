"""The inbound SMTP listener: real SMTP sessions against it on a free port."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import smtplib
import socket
import subprocess
import sys
import time

import pytest

from models import InboundMessage
from tests import mailfactory as mf
from tests import services
from workers.inbound import batching, quick_smtp
from workers.inbound import listener as mailin_mod
from workers.inbound import store as inbound_store
from workers.inbound import worker as inbound_worker
from workers.runtime.scheduler import tick

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

    monkeypatch.setattr(inbound_worker.process_inbound, "send", refuse)
    monkeypatch.setattr(inbound_worker.process_inbound_batch, "send", refuse)
    # When a message arrives, it is still accepted and stored
    send(mailin.port, mf.reply("ada@example.org", TO, "done"))
    mailin.handler.enqueuer.flush()
    [row] = InboundMessage.select()
    assert row.status == "received"
    assert redis_broker.client.llen(f"dramatiq:{inbound_worker.process_inbound.queue_name}") == 0
    # Then the scheduler enqueues it once the broker is back
    monkeypatch.undo()
    assert tick()["inbound"] == 1
    assert redis_broker.client.llen(f"dramatiq:{inbound_worker.process_inbound.queue_name}") >= 1


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


def _queued(redis_broker) -> list:
    """Return what waits in the inbound queue: a list of ids per batch, an id per single."""
    queue = f"dramatiq:{inbound_worker.process_inbound.queue_name}"
    client = redis_broker.client
    raw = [client.hget(f"{queue}.msgs", key) for key in client.lrange(queue, 0, -1)]
    return [json.loads(m)["args"][0] for m in raw]


def test_it_hands_stored_messages_to_the_workers_in_batches(db, redis_broker):
    # Given an enqueuer that waits long enough to gather messages
    enqueuer = batching.Enqueuer(size=3, delay=60)
    raws = [mf.reply(f"p{i}@example.org", TO, "done") for i in range(7)]
    rows = [inbound_store.store_raw(raw, "smtp")[0] for raw in raws]
    # When seven stored messages are added
    for row in rows:
        enqueuer.add(row.id)
    enqueuer.stop()
    # Then they went in a few batches of at most three, each id once
    batches = [b if isinstance(b, list) else [b] for b in _queued(redis_broker)]
    assert sorted(i for batch in batches for i in batch) == sorted(row.id for row in rows)
    assert len(batches) <= 4
    assert max(len(b) for b in batches) == 3


def _wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_a_full_batch_goes_at_once_and_a_short_one_after_the_delay(db, redis_broker):
    rows = [
        inbound_store.store_raw(mf.reply(f"p{i}@example.org", TO, "done"), "smtp")[0]
        for i in range(4)
    ]
    # Given an enqueuer that would wait a minute to fill a batch of three
    full = batching.Enqueuer(size=3, delay=60)
    # When three ids are added, then they go as one batch without waiting for the minute
    for row in rows[:3]:
        full.add(row.id)
    _wait_for(lambda: len(_queued(redis_broker)) == 1)
    assert _queued(redis_broker) == [[row.id for row in rows[:3]]]
    # And a lone id given to an enqueuer with a short delay goes once the delay is over
    short = batching.Enqueuer(size=3, delay=0.2)
    short.add(rows[3].id)
    _wait_for(lambda: len(_queued(redis_broker)) == 2)
    assert _queued(redis_broker)[1] == rows[3].id  # one id goes as a single message
    full.stop()
    short.stop()


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

    assert quick_smtp.QuickPathSMTP(None)._getaddr(path) == SMTP(None)._getaddr(path)


def test_it_reads_the_data_in_any_pieces_and_unstuffs_leading_dots(db, mailin):
    # Given a message whose lines begin with dots, sent a few bytes at a time
    body = b"Subject: dots\r\n\r\n..leading dot\r\n...two dots\r\nmiddle . dot\r\n"
    data = body + b".\r\n"
    pieces = [data[i : i + 7] for i in range(0, len(data), 7)]
    envelope = b"HELO client\r\nMAIL FROM:<ada@example.org>\r\nRCPT TO:<" + TO.encode() + b">\r\n"

    with socket.create_connection(("127.0.0.1", mailin.port), timeout=10) as conn:
        reader = conn.makefile("rb")
        reader.readline()
        for line in envelope.splitlines(keepends=True):
            conn.sendall(line)
            assert reader.readline().startswith(b"250")
        conn.sendall(b"DATA\r\n")
        assert reader.readline().startswith(b"354")
        for piece in pieces:
            conn.sendall(piece)
        reply = reader.readline()
    # Then it is stored whole, with the stuffed dots taken away
    assert reply.startswith(b"250"), reply
    [row] = InboundMessage.select()
    assert bytes(row.raw) == b"Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\nmiddle . dot\r\n"


def _start_data(conn: socket.socket):
    """Greet, give the envelope in one write and send DATA; return the reply reader."""
    reader = conn.makefile("rb")
    reader.readline()
    conn.sendall(b"HELO c\r\nMAIL FROM:<ada@example.org>\r\nRCPT TO:<" + TO.encode() + b">\r\n")
    assert [reader.readline()[:3] for _ in range(3)] == [b"250"] * 3
    conn.sendall(b"DATA\r\n")
    assert reader.readline().startswith(b"354")
    return reader


def test_it_answers_a_command_sent_right_behind_the_data(db, mailin):
    # Given a client that sends the end of the data and its next commands in one write
    with socket.create_connection(("127.0.0.1", mailin.port), timeout=10) as conn:
        reader = _start_data(conn)
        conn.sendall(b"Subject: one\r\n\r\nfirst\r\n.\r\nMAIL FROM:<bob@example.org>\r\n")
        # Then both are answered in turn, and the message was stored
        assert reader.readline().startswith(b"250 OK stored as")
        assert reader.readline().startswith(b"250")
        conn.sendall(b"QUIT\r\n")
        assert reader.readline().startswith(b"221")
    [row] = InboundMessage.select()
    assert bytes(row.raw) == b"Subject: one\r\n\r\nfirst\r\n"


def _read_answers(conn: socket.socket, count: int) -> list[bytes]:
    """Read ``count`` answer lines; return the pieces (one recv each) they arrived in."""
    pieces, got = [], b""
    while got.count(b"\r\n") < count:
        piece = conn.recv(65536)
        assert piece, got
        pieces.append(piece)
        got += piece
    return pieces


def test_it_offers_pipelining_and_answers_a_group_in_one_write(db, mailin, monkeypatch):
    # Given the listener's writes recorded, and a mail server that sends MAIL, RCPT and DATA
    # together, as RFC 2920 allows once EHLO offers PIPELINING
    writes = []
    write = asyncio.StreamWriter.write
    monkeypatch.setattr(
        asyncio.StreamWriter, "write", lambda self, data: (writes.append(data), write(self, data))
    )
    envelope = f"MAIL FROM:<ada@example.org>\r\nRCPT TO:<{TO}>\r\nDATA\r\n".encode()
    with socket.create_connection(("127.0.0.1", mailin.port), timeout=10) as conn:
        _read_answers(conn, 1)
        conn.sendall(b"EHLO client.example\r\n")
        ehlo = b"".join(_read_answers(conn, 1))
        while not ehlo.splitlines()[-1].startswith(b"250 "):
            ehlo += conn.recv(65536)
        conn.sendall(envelope)
        _read_answers(conn, 3)
        conn.sendall(b"Subject: piped\r\n\r\nhello\r\n.\r\n")
        stored = b"".join(_read_answers(conn, 1))
    # Then EHLO offered it, the group's three answers went in one write, and it is stored
    assert b"250-PIPELINING\r\n" in ehlo
    assert b"250 OK\r\n250 OK\r\n354 End data with <CR><LF>.<CR><LF>\r\n" in writes
    assert stored.startswith(b"250 OK stored as")
    [row] = InboundMessage.select()
    assert bytes(row.raw) == b"Subject: piped\r\n\r\nhello\r\n"


def test_messages_sent_one_after_another_by_a_pipelining_server_are_all_stored(db, mailin):
    # Given the benchmark's MTA-like client, which pipelines when EHLO offers it
    from bench.mta_client import MTAClient

    bodies = [b"Subject: %d\n\n.starts with a dot\nline %d\n" % (i, i) for i in range(5)]
    with MTAClient("127.0.0.1", mailin.port, timeout=10) as client:
        assert client.pipelining
        for body in bodies:
            client.sendmail("ada@example.org", [TO], body)
    # Then each message is stored whole, in CRLF lines with the dot it began with
    rows = InboundMessage.select().order_by(InboundMessage.id)
    assert [bytes(r.raw) for r in rows] == [b.replace(b"\n", b"\r\n") for b in bodies]


def test_a_pipelined_group_with_a_refused_recipient_is_answered_command_by_command(db, mailin):
    # Given a group whose only recipient is refused
    envelope = b"MAIL FROM:<ada@example.org>\r\nRCPT TO:<x@elsewhere.org>\r\nDATA\r\n"
    with socket.create_connection(("127.0.0.1", mailin.port), timeout=10) as conn:
        _read_answers(conn, 1)
        conn.sendall(b"HELO client\r\n")
        _read_answers(conn, 1)
        conn.sendall(envelope + b"RSET\r\nNOOP\r\n")
        answers = b"".join(_read_answers(conn, 5)).splitlines()
    # Then each command has its answer, in order, and nothing is stored
    assert [a[:3] for a in answers] == [b"250", b"550", b"503", b"250", b"250"]
    assert InboundMessage.select().count() == 0


def test_the_commands_whose_answers_may_wait_keep_their_help(db, mailin):
    with smtplib.SMTP("127.0.0.1", mailin.port, timeout=10) as conn:
        conn.ehlo()
        assert conn.has_extn("pipelining")
        assert conn.help("MAIL").startswith(b"Syntax: MAIL FROM: <address>")
        assert conn.help("RCPT").startswith(b"Syntax: RCPT TO: <address>")
        assert conn.help("RSET") == b"Syntax: RSET"


@pytest.mark.parametrize(
    ("data", "plain"),
    [
        (b"..first\r\nsecond\r\n", b".first\r\nsecond\r\n"),
        (b"a\r\n...b\r\n.\r\n", b"a\r\n..b\r\n\r\n"),
        (b"a . b\r\nno.dot\r\n", b"a . b\r\nno.dot\r\n"),
        (b"", b""),
    ],
)
def test_it_removes_the_dot_stuffed_before_each_line(data, plain):
    assert quick_smtp.unstuff(data) == plain


@pytest.mark.parametrize(
    ("data", "code", "stored"),
    [
        (b".\r\n", b"250", b""),
        (b"Subject: long\r\n\r\n" + b"x" * 1200 + b"\r\n.\r\n", b"500", None),
    ],
    ids=["empty message", "line over 1000 octets"],
)
def test_it_answers_empty_and_overlong_data_as_aiosmtpd_does(db, mailin, data, code, stored):
    with socket.create_connection(("127.0.0.1", mailin.port), timeout=10) as conn:
        reader = _start_data(conn)
        conn.sendall(data)
        assert reader.readline()[:3] == code
    rows = list(InboundMessage.select())
    assert [bytes(r.raw) for r in rows] == ([] if stored is None else [stored])


def test_a_message_that_cannot_be_stored_fails_alone_in_its_batch(db, monkeypatch):
    # Given a store that breaks on one message, and three messages arriving together
    poison = mf.reply("eve@example.org", TO, "breaks the store")
    real = inbound_store.store_many

    def store_many(arrivals):
        if any(a.raw == poison for a in arrivals):
            raise ValueError("cannot store this one")
        return real(arrivals)

    monkeypatch.setattr(inbound_store, "store_many", store_many)
    storer = batching.Storer()
    raws = [mf.reply("ada@example.org", TO, "one"), poison, mf.reply("bob@example.org", TO, "two")]
    # When they are stored
    results = _store_together(storer, raws, asyncio.new_event_loop())
    outcomes = ["refused" if isinstance(r, ValueError) else r[1] for r in results]
    # Then only the one that breaks the store is refused (its sender hears 451)
    assert outcomes == [True, "refused", True]
    assert sorted(bytes(r.raw) for r in InboundMessage.select()) == sorted([raws[0], raws[2]])


def _store_together(storer, raws: list[bytes], loop) -> list:
    """Store ``raws`` from ``loop`` as one batch (the storer is held back until all wait);
    return each one's ``(row, new)`` or the error that refused it, then stop the storer."""

    async def arrive():
        with storer._ready:
            arrivals = [inbound_store.Arrival(raw, "smtp") for raw in raws]
            tasks = [asyncio.ensure_future(storer.store(arrival)) for arrival in arrivals]
            await asyncio.sleep(0)  # each task queues its message
        return await asyncio.gather(*tasks, return_exceptions=True)

    try:
        return loop.run_until_complete(arrive())
    finally:
        loop.close()
        storer.stop()


def test_the_outcomes_of_one_stored_batch_reach_the_event_loop_in_one_wake_up(db):
    # Given three messages that arrive on the event loop while the storer is busy
    storer = batching.Storer()
    raws = [mf.reply(f"p{i}@example.org", TO, f"reply {i}") for i in range(3)]
    loop = asyncio.new_event_loop()
    wakes = []
    wake = loop.call_soon_threadsafe
    loop.call_soon_threadsafe = lambda callback, *args: (
        wakes.append(callback),
        wake(callback, *args),
    )[1]
    # When they are stored
    outcomes = _store_together(storer, raws, loop)
    # Then all three are stored, and the storer woke the loop once for them
    assert [new for _, new in outcomes] == [True, True, True]
    assert sorted(row.id for row, _ in outcomes) == [r.id for r in InboundMessage.select()]
    assert wakes == [batching._resolve_all]


def test_a_connection_closed_during_the_data_stores_nothing_and_harms_no_other(db, mailin):
    # Given a client that goes away halfway through its message
    with socket.create_connection(("127.0.0.1", mailin.port), timeout=10) as conn:
        _start_data(conn)
        conn.sendall(b"Subject: cut short\r\n\r\nhalf a mess")
    # When another client sends a whole message after it
    send(mailin.port, mf.reply("ada@example.org", TO, "whole"))
    # Then only the whole message is stored
    assert [b"whole" in bytes(row.raw) for row in InboundMessage.select()] == [True]


def test_an_idle_connection_is_closed_and_a_busy_one_is_not(db):
    # Given a listener that closes connections idle for half a second
    from workers import settings as settings_mod

    controller = quick_smtp.MailinController(
        mailin_mod.InboundHandler(settings_mod.get().reply_domain),
        hostname="127.0.0.1",
        port=services.free_port(),
        timeout=0.5,
    )
    controller.start()
    try:
        with socket.create_connection(("127.0.0.1", controller.port), timeout=10) as busy:
            reader = busy.makefile("rb")
            reader.readline()
            # When a client sends a command every 0.2 s for 1.2 s, past two timeouts' worth
            for _ in range(6):
                busy.sendall(b"NOOP\r\n")
                assert reader.readline().startswith(b"250")
                time.sleep(0.2)
            # Then it is still served
            busy.sendall(b"NOOP\r\n")
            assert reader.readline().startswith(b"250")
            # And once it stays silent, the listener closes the connection
            began = time.monotonic()
            assert reader.readline() == b""
            assert 0.4 < time.monotonic() - began < 5
    finally:
        controller.stop()
        controller.handler.stop()
