"""Ways in (stdin, HTTP) and the whole flow: an email out, a client's reply in, linked."""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr

import pytest

from models import ActionItemUpdate, InboundMessage, InboundRaw, OutboundEmail
from tests import mailfactory as mf
from workers.inbound import claim as inbound_claim
from workers.inbound import store as inbound_store
from workers.inbound.appliers import APPLIERS
from workers.outbound import outbox

TO = "reply+anything@tandem.test"
SECRET = "http-shared-secret"


def mail_in(raw: bytes, *args: str, database_url: str) -> subprocess.CompletedProcess:
    """Run `flask --app web mail-in` as an MTA's pipe transport would."""
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "web", "mail-in", *args],
        input=raw,
        env=env,
        capture_output=True,
        timeout=60,
    )


def test_mail_in_stores_a_message_read_on_stdin(db, settings):
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("the command's own process is exercised on SQLite")
    raw = mf.reply("ada@example.org", TO, "done")
    done = mail_in(raw, "-r", TO, "-f", "ada@example.org", database_url=settings.database_url)
    assert done.returncode == 0, done.stderr
    [row] = InboundMessage.select()
    assert (bytes(row.raw), row.channel, row.rcpt_to) == (raw, "pipe", TO)


#: A database nothing answers on (port 1 refuses connections).
DEAD_DATABASE = "postgresql://tandem@127.0.0.1:1/tandem"


@pytest.mark.parametrize(
    ("raw", "args", "code"),
    [
        (b"", (), 65),
        (b"just some words, not an email\n", (), 65),
        (mf.reply("ada@example.org", TO), ("-r", "someone@example.org"), 67),
        (mf.reply("ada@example.org", TO), ("-r", TO), 75),
    ],
    ids=["empty", "not mail", "foreign recipient", "database down"],
)
def test_mail_in_exits_with_sysexits_codes(raw, args, code):
    done = mail_in(raw, *args, database_url=DEAD_DATABASE)
    assert done.returncode == code, done.stderr


@pytest.fixture
def http_client(db):
    from web import create_app
    from workers import settings as settings_mod

    current = settings_mod.get()
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": current.database_url,
            "SECRET_KEY": current.secret_key,
            "INBOUND_HTTP_SECRET": SECRET,
            "MAX_INBOUND_BYTES": 4096,
        }
    )
    return app.test_client()


def post(client, raw: bytes, secret: str | None = SECRET, recipient: str = ""):
    headers = {"Authorization": f"Bearer {secret}"} if secret is not None else {}
    if recipient:  # in a header: a reply address in the URL would reach the access logs
        headers["Tandem-Recipient"] = recipient
    return client.post("/inbound/mime", data=raw, headers=headers, content_type="message/rfc822")


def test_http_stores_a_posted_message(http_client):
    raw = mf.reply("ada@example.org", TO, "done")
    response = post(http_client, raw, recipient=TO)
    assert response.status_code == 201
    row = InboundMessage.get_by_id(response.json["id"])
    assert (bytes(row.raw), row.channel, row.rcpt_to) == (raw, "http", TO)
    assert post(http_client, raw).status_code == 200  # the same message again: stored once
    assert InboundMessage.select().count() == 1


@pytest.mark.parametrize(
    ("secret", "raw", "status"),
    [
        (None, mf.reply("ada@example.org", TO), 403),
        ("wrong", mf.reply("ada@example.org", TO), 403),
        (SECRET, mf.reply("ada@example.org", TO, "x" * 5000), 413),
        (SECRET, b"not a message", 400),
    ],
    ids=["no secret", "wrong secret", "too large", "not mail"],
)
def test_http_refuses_what_it_must_not_store(http_client, secret, raw, status):
    assert post(http_client, raw, secret).status_code == status
    assert InboundMessage.select().count() == 0


def test_http_is_off_without_a_secret(db, client):
    assert post(client, mf.reply("ada@example.org", TO), "").status_code == 404


def client_reply(original: EmailMessage, sender: str, words: str) -> bytes:
    """Compose a reply the way a mail client does: Reply-To, In-Reply-To, quoted text below."""
    quoted = "\n".join(
        f"> {line}" for line in original.get_body(("plain",)).get_content().splitlines()
    )
    msg = EmailMessage()
    msg["From"] = f"Ada Lovelace <{sender}>"
    msg["To"] = original["Reply-To"]
    msg["Subject"] = f"Re: {original['Subject']}"
    msg["Message-ID"] = make_msgid(domain="mail.example.org")
    msg["In-Reply-To"] = original["Message-ID"]
    msg["References"] = original["Message-ID"]
    msg.set_content(f"{words}\n\nOn Mon, 2 Mar 2026, Tandem wrote:\n{quoted}\n")
    return bytes(msg)


def test_a_reply_to_a_sent_email_is_linked_to_it(
    smtp_sink, redis_broker, redis_worker, mailin, monkeypatch
):
    # Given an email about Ada's item, written in a transaction and delivered by the worker
    monkeypatch.setitem(APPLIERS, "item", mf.record_update)
    ada = mf.make_person()
    item = mf.make_item(ada)
    with outbox.transaction():
        sent = outbox.queue_email(
            "ping",
            ada,
            {"subject": "How is it going?", "body": "Tell us."},
            key="flow:1",
            about=("item", item.id),
        )
    redis_broker.join("mail", timeout=10_000)
    redis_worker.join()
    [original] = smtp_sink.parsed()
    # When Ada's mail client replies through the real listener
    raw = client_reply(original, "ada@example.org", "All done, two mentors hired.")
    with smtplib.SMTP("127.0.0.1", mailin.port, timeout=10) as conn:
        conn.sendmail("ada@example.org", [parseaddr(original["Reply-To"])[1]], raw)
    mailin.handler.enqueuer.flush()  # rather than wait for the batch to fill or time out
    redis_broker.join("inbound", timeout=10_000)
    redis_worker.join()
    # Then the worker applied it, linked to the email it answers
    [row] = InboundMessage.select()
    assert row.status == "applied", (row.reason, row.detail)
    assert row.in_reply_to_id == sent.id
    assert OutboundEmail.get_by_id(sent.id).status == "sent"
    [update] = ActionItemUpdate.select()
    assert update.note == "All done, two mentors hired."


def test_storing_reads_the_first_message_id_and_subject_unfolded():
    from workers.inbound.store import first_fields

    raw = (
        b"Received: by mx\r\nsubject: Re: the plan,\r\n\tfolded \xc3\xa9t\xc3\xa9\r\n"
        b"Message-ID: <a@example.org>\r\nMessage-ID: <second@example.org>\r\n"
        b"\r\nMessage-ID: <in-the-body@example.org>\r\n"
    )
    fields = first_fields(raw, ("Message-ID", "Subject", "Date"))
    assert fields == {"message-id": " <a@example.org>", "subject": " Re: the plan, \tfolded été"}
    bare_lf = b"Subject: one\nMessage-ID: <lf@x>\n\nbody\n"
    assert first_fields(bare_lf, ("Message-ID",)) == {"message-id": " <lf@x>"}
    assert first_fields(b"no header here", ("Subject",)) == {}
    # A longer name is another field; space before the colon and old Mac line ends are read
    longer = b"Subject-Line: no\rSUBJECT : yes\r folded\r\rSubject: body\r"
    assert first_fields(longer, ("Subject",)) == {"subject": " yes  folded"}


@pytest.mark.parametrize(
    ("raw", "end"),
    [
        (b"A: 1\r\nB: 2\r\n\r\nbody\n\nmore", (10, 14)),
        (b"A: 1\nB: 2\n\nbody\r\n\r\n", (9, 11)),
        (b"A: 1\r\n\nbody", (4, 7)),
        (b"A: 1\n\r\nbody", (4, 7)),
        (b"A: 1\r\nB: 2\r\n", None),
    ],
)
def test_the_header_ends_at_the_first_empty_line(raw, end):
    from workers.inbound.store import header_end

    assert header_end(raw) == end


def test_storing_together_keeps_each_message_once(db):
    from workers.inbound.store import Arrival, store_many

    # Given a stored message, then a batch repeating it, repeating itself and a Message-ID
    first = mf.reply("ada@example.org", "reply+x@tandem.test", "one")
    [(stored, new)] = store_many([Arrival(first, "smtp")])
    assert new
    second = mf.reply("bob@example.org", "reply+x@tandem.test", "two")
    same_id = second.replace(b"two", b"two, resent with other bytes")
    assert same_id != second
    results = store_many([Arrival(r, "imap") for r in (first, second, second, same_id)])
    # Then only the new message is new, and each repeat points at the row first stored
    assert [new for _, new in results] == [False, True, False, False]
    ids = [row.id for row, _ in results]
    assert ids[0] == stored.id and ids[1] == ids[2] == ids[3] != stored.id
    assert InboundMessage.select().count() == 2


def test_a_message_s_bytes_live_apart_from_the_row_its_progress_updates(db):
    # Given a stored message with a large attachment
    raw = mf.reply("ada@example.org", TO, "done").replace(
        b"\r\n\r\n", b"\r\nX-Filler: yes\r\n\r\n" + b"A" * 200_000 + b"\r\n", 1
    )
    row, new = inbound_store.store_raw(raw, "smtp")
    # Then its row holds no bytes (SQLite rewrites a whole row on each update), its bytes are
    # stored once beside it, and a claim and a plain read both give them back
    assert new
    assert "raw" not in {column.name for column in db.get_columns("inbound_message")}
    assert [bytes(r.raw) for r in InboundRaw.select()] == [raw]
    assert [bytes(r.raw) for r in inbound_claim.claim_many([row.id])] == [raw]
    assert bytes(InboundMessage.get_by_id(row.id).raw) == raw
    # And saving the row again leaves the bytes as they were
    again = InboundMessage.get_by_id(row.id)
    again.status = "received"
    again.save()
    assert [bytes(r.raw) for r in InboundRaw.select()] == [raw]
