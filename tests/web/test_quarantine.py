"""The quarantine page: coordinators read kept messages, apply them to someone, or dismiss them."""

from __future__ import annotations

import re

import pytest

from models import ActionItemUpdate, AuditEvent, InboundMessage, Programme
from tests import mailfactory as mf
from tests.inbound.test_objects import make_occurrence
from tests.logins import log_in
from tests.web.pages import log_in as page_log_in
from tests.web.pages import make_login
from web.auth import create_user
from workers.inbound import store as inbound_store
from workers.inbound import worker as inbound_worker
from workers.inbound.appliers import APPLIERS


@pytest.fixture
def coordinator(client):
    # An administrator: Ada's unmatched reply belongs to no programme, so only admins see it.
    user = create_user("coord@example.org", "Cora", "a long password", role="admin")
    log_in(client, user)
    return user


@pytest.fixture
def kept(db, monkeypatch):
    """An unmatched reply from Ada, kept in quarantine, and her open item."""
    monkeypatch.setitem(APPLIERS, "item", mf.record_update)
    ada = mf.make_person()
    item = mf.make_item(ada)
    raw = mf.reply(
        "Ada <ada@example.org>",
        "tandem@tandem.test",
        "Done <script>alert(1)</script>",
        subject="Re: my <b>item</b>",
    )
    row, _ = inbound_store.store_raw(raw, "smtp")
    inbound_worker.process(row.id)
    return InboundMessage.get_by_id(row.id), ada, item


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_it_needs_a_login(client, kept):
    response = client.get("/quarantine/")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_it_lists_kept_messages_with_their_reason(client, coordinator, kept):
    row, _, _ = kept
    html = client.get("/quarantine/").get_data(as_text=True)
    assert 'href="/quarantine/"' in html and ">Quarantine<" in html  # the nav link
    assert "UnmatchedReplyError" in html and "ada@example.org" in html
    assert "Re: my &lt;b&gt;item&lt;/b&gt;" in html


def test_it_shows_a_message_escaped(client, coordinator, kept):
    row, _, _ = kept
    html = client.get(f"/quarantine/{row.id}").get_data(as_text=True)
    assert "Done &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html
    assert "Please tell us how your action items are going." in html  # the full text
    assert "Message-ID" in html


def test_it_applies_a_message_as_the_chosen_person(client, coordinator, kept):
    # Given a kept reply and the coordinator's form
    row, ada, item = kept
    token = csrf_token(client.get(f"/quarantine/{row.id}").get_data(as_text=True))
    # When the coordinator applies it to Ada's item
    form = {"csrf_token": token, "person_id": ada.id, "object_type": "item", "object_id": item.id}
    response = client.post(f"/quarantine/{row.id}/apply", data=form)
    # Then the applier ran as Ada, and who decided it is recorded
    assert response.status_code == 302
    assert InboundMessage.get_by_id(row.id).status == "applied"
    [update] = ActionItemUpdate.select()
    assert (update.item_id, update.by_id) == (item.id, ada.id)
    event = AuditEvent.get(AuditEvent.verb == "inbound.applied")
    assert event.actor == f"user:{coordinator.id}"


def test_it_keeps_the_message_when_applying_fails(client, coordinator, kept):
    row, ada, item = kept
    token = csrf_token(client.get(f"/quarantine/{row.id}").get_data(as_text=True))
    form = {"csrf_token": token, "person_id": ada.id, "object_type": "nothing", "object_id": 1}
    response = client.post(f"/quarantine/{row.id}/apply", data=form, follow_redirects=True)
    assert "NoApplierError" in response.get_data(as_text=True)
    assert InboundMessage.get_by_id(row.id).status == "quarantined"


def test_it_dismisses_a_message_recording_who(client, coordinator, kept):
    row, _, _ = kept
    token = csrf_token(client.get(f"/quarantine/{row.id}").get_data(as_text=True))
    client.post(f"/quarantine/{row.id}/dismiss", data={"csrf_token": token})
    assert InboundMessage.get_by_id(row.id).status == "dismissed"
    event = AuditEvent.get(AuditEvent.verb == "inbound.dismissed")
    assert event.actor == f"user:{coordinator.id}" and event.data["user"] == "coord@example.org"
    assert row.subject not in client.get("/quarantine/").get_data(as_text=True)


def test_it_refuses_forms_without_the_csrf_token(client, coordinator, kept):
    row, _, _ = kept
    assert client.post(f"/quarantine/{row.id}/dismiss").status_code == 400
    assert InboundMessage.get_by_id(row.id).status == "quarantined"


def test_it_shows_a_kept_mentoring_reply_to_its_programme_coordinator_only(client, db):
    # Given feedback replies about sessions of two mentoring programmes, both kept
    mine = Programme.create(name="Mine", kind="mentoring")
    theirs = Programme.create(name="Theirs", kind="mentoring")
    rows = {}
    for programme in (mine, theirs):
        occurrence = make_occurrence(programme)
        rows[programme.name] = InboundMessage.create(
            raw=b"Subject: Re: feedback\r\n\r\nRating: great\r\n",
            sha256=f"sha-{programme.name}",
            sender="maya@example.org",
            subject=f"Re: feedback in {programme.name}",
            status="quarantined",
            reason="UnreadableFeedbackError",
            object_type="occurrence",
            object_id=occurrence.id,
        )
    # When the coordinator of the first (not an administrator) opens the quarantine
    make_login("cora@example.org", "Cora", programme=mine)
    page_log_in(client, "cora@example.org")
    html = client.get("/quarantine/").get_data(as_text=True)
    # Then they see their programme's reply, shown with its object, and not the other
    assert "Re: feedback in Mine" in html and "Re: feedback in Theirs" not in html
    shown = client.get(f"/quarantine/{rows['Mine'].id}").get_data(as_text=True)
    assert "<option selected>occurrence</option>" in shown
    assert f"<dd>occurrence {rows['Mine'].object_id}</dd>" in shown
    assert client.get(f"/quarantine/{rows['Theirs'].id}").status_code == 404
