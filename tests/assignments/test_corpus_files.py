"""Real clients' messages with attachments, handed in as submissions: every file is either
kept (its bytes intact, an accepted type) or refused with a reason, and nothing is lost."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import json
from email.utils import make_msgid, parseaddr
from pathlib import Path

import pytest

from models import InboundMessage, SubmissionFile
from tests.assignments.world import built, emails, make_workshop, values
from workers import settings as settings_mod
from workers.assignments import files
from workers.assignments.setting import create_assignment
from workers.inbound import store as inbound_store
from workers.inbound import worker as inbound_worker
from workers.reading.message import parse_message

#: The shared corpus of real messages (absent from a fresh clone elsewhere).
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"

#: Messages a person did not write as an answer: left out.
NOT_ANSWERS = {"dsn", "auto_reply", "auto_generated", "feedback_report", "calendar", "report"}


def with_attachments() -> list[Path]:
    """Return the corpus's raw messages written by people that carry attachments."""
    if not (CORPUS / "manifest.json").exists():
        return []
    found = []
    for entry in json.loads((CORPUS / "manifest.json").read_text()):
        if not entry["path"].startswith("raw-eml/") or NOT_ANSWERS & set(entry["auto_tags"]):
            continue
        path = CORPUS / entry["path"]
        if parse_message(path.read_bytes()).attachments:
            found.append(path)
    return found


def readdressed(raw: bytes, sender: str, to: str) -> bytes:
    """Return the message as if ``sender`` had sent it to ``to``, outside any thread (and
    with a Message-ID of its own: some corpus files share one)."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    for name in (
        "From",
        "To",
        "Cc",
        "Reply-To",
        "In-Reply-To",
        "References",
        "Sender",
        "Message-ID",
    ):
        del msg[name]
    msg["From"], msg["To"], msg["Message-ID"] = sender, to, make_msgid(domain="corpus.test")
    return msg.as_bytes()


def test_each_real_attachment_is_kept_or_refused_with_a_reason(db, tmp_path):
    messages = with_attachments()
    if not messages:
        pytest.skip(f"the shared corpus is not at {CORPUS}")
    # Given Ana's assignment and a 1 MB limit
    uploads = tmp_path / "uploads"
    settings = settings_mod.get()
    settings_mod.configure(
        dataclasses.replace(settings, upload_dir=str(uploads), max_attachment_bytes=1 << 20)
    )
    world = make_workshop()
    create_assignment(world["programme"], values())
    sent = built(emails("assignment", world["people"]["ana"])[0])
    to = parseaddr(str(sent["Reply-To"]))[1]
    # When each real message with attachments comes in as her reply
    total = 0
    for path in messages:
        raw = readdressed(path.read_bytes(), "ana@example.org", to)
        stored, _ = inbound_store.store_raw(raw, "smtp")
        status = inbound_worker.process(stored.id)
        # Then it is applied, recorded as what it is (a bounce, an auto-reply), or kept with
        # a reason for a coordinator: never lost
        row = InboundMessage.get_by_id(stored.id)
        assert status in ("applied", "duplicate", "quarantined", "bounce", "auto_reply"), path.name
        assert status != "quarantined" or row.reason, path.name
        if status == "applied":
            total += len(parse_message(raw).attachments)
    # And every file is kept with the same bytes and an accepted type, or refused with why
    rows = list(SubmissionFile.select())
    assert len(rows) == total and total >= 3
    for item in rows:
        if item.status == "stored":
            data = (uploads / item.stored_name).read_bytes()
            assert files.sniff(data) == item.content_type in files.ALLOWED
            assert len(data) == item.size
        else:
            assert item.reason and not item.stored_name
