"""Coordinators' accounts: invitations to a programme, password changes and resets by email,
who coordinates a programme, and the first administrator from the command line."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest

from models import (
    AuditEvent,
    Invitation,
    Membership,
    OutboundEmail,
    Person,
    Programme,
    User,
    clock,
)
from tests.logins import log_in, login, post_form
from web import create_app
from web.access import visible_programmes
from web.accounts import RESET_SENT
from web.auth import create_user
from workers import settings as settings_mod
from workers.outbound.render import render

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new passphrase"


def coordinator_of(programme: Programme, email: str, name: str) -> User:
    """A person who coordinates ``programme``, with a login."""
    person = Person.create(name=name, email=email)
    Membership.create(programme=programme, person=person, role="coordinator")
    return create_user(email, name, PASSWORD, person=person)


@pytest.fixture
def programme(db):
    return Programme.create(name="Prefects 2026", kind="mentoring")


@pytest.fixture
def cora(client, programme):
    """Cora coordinates the programme and is logged in."""
    user = coordinator_of(programme, "cora@example.org", "Cora Ordinator")
    log_in(client, user)
    return user


def invite(client, programme, email: str, name: str = ""):
    path = f"/programmes/{programme.id}/coordinators"
    return post_form(client, path, {"email": email, "name": name})


def emailed_link(kind: str, to: str) -> str:
    """Return the link in the last email of ``kind`` to ``to``, read from its text body."""
    row = (
        OutboundEmail.select()
        .where((OutboundEmail.kind == kind) & (OutboundEmail.to_addr == to))
        .order_by(OutboundEmail.id.desc())
        .get()
    )
    _, text, html = render(kind, {**row.ctx})
    link = re.search(r"https?://\S+", text).group(0)
    assert link in html
    return link


def follow(client, link: str, addr: str = "127.0.0.1"):
    """Open an emailed link; return the page it leads to (the token is kept out of its URL)."""
    parts = urlsplit(link)
    response = client.get(f"{parts.path}?{parts.query}", environ_base={"REMOTE_ADDR": addr})
    assert response.status_code == 302
    assert "/auth/" in response.headers["Location"]
    assert "?" not in response.headers["Location"]
    page = client.get(response.headers["Location"], environ_base={"REMOTE_ADDR": addr})
    return response.headers["Location"], page


def accept(client, path: str, name: str = "Nia Newcomer", password: str = PASSWORD):
    form = {"name": name, "password": password, "confirm": password}
    return post_form(client, path, form)


def test_a_coordinator_invites_another_who_sets_a_password(app, client, programme, cora):
    # Given Cora invites Nia, who is new to Tandem
    response = invite(client, programme, "Nia@Example.org", "Nia Newcomer")
    assert response.status_code == 302
    # Then an email with a link is queued for the workers to send
    link = emailed_link("coordinator-invite", "nia@example.org")
    # When Nia opens it in her own browser and chooses a password
    nia = app.test_client()
    path, page = follow(nia, link)
    assert path == "/auth/invitation"
    assert "Prefects 2026" in page.get_data(as_text=True)
    response = accept(nia, path)
    # Then she is logged in on the programme's page, and coordinates it
    assert response.status_code == 302
    assert response.headers["Location"] == f"/programmes/{programme.id}"
    user = User.get(User.email == "nia@example.org")
    assert user.role == "coordinator"
    assert user.person.name == "Nia Newcomer"
    assert [p.id for p in visible_programmes(user)] == [programme.id]
    assert login(app.test_client(), "nia@example.org", PASSWORD).status_code == 302
    assert AuditEvent.select().where(AuditEvent.verb == "invitation.accepted").count() == 1


def test_an_invitation_link_works_once(app, client, programme, cora):
    invite(client, programme, "nia@example.org", "Nia Newcomer")
    link = emailed_link("coordinator-invite", "nia@example.org")
    first = app.test_client()
    path, _ = follow(first, link)
    assert accept(first, path).status_code == 302
    # A second use, in another browser, does not work
    second = app.test_client()
    _, page = follow(second, link)
    assert page.status_code == 400
    assert "does not work" in page.get_data(as_text=True)
    assert User.select().where(User.email == "nia@example.org").count() == 1


def test_an_invitation_link_expires_after_72_hours(app, client, programme, cora):
    invite(client, programme, "nia@example.org", "Nia Newcomer")
    link = emailed_link("coordinator-invite", "nia@example.org")
    clock.travel(dt.timedelta(hours=72, minutes=1))
    _, page = follow(app.test_client(), link)
    assert page.status_code == 400


@pytest.mark.parametrize("change", ["signature", "purpose"])
def test_a_tampered_link_does_not_work(app, client, programme, cora, change):
    invite(client, programme, "nia@example.org", "Nia Newcomer")
    link = emailed_link("coordinator-invite", "nia@example.org")
    if change == "signature":
        link = link[:-2] + ("AA" if not link.endswith("AA") else "BB")
    else:  # an invitation's token used as a reset link
        link = link.replace("/auth/invitation?", "/auth/reset?")
    _, page = follow(app.test_client(), link)
    assert page.status_code == 400


def test_a_new_invitation_replaces_the_last_link(app, client, programme, cora):
    invite(client, programme, "nia@example.org", "Nia Newcomer")
    old = emailed_link("coordinator-invite", "nia@example.org")
    invite(client, programme, "nia@example.org", "Nia Newcomer")
    new = emailed_link("coordinator-invite", "nia@example.org")
    assert old != new
    assert follow(app.test_client(), old)[1].status_code == 400
    assert follow(app.test_client(), new)[1].status_code == 200


def test_the_invitee_gets_in_while_a_stranger_probing_links_waits(app, client, programme, cora):
    # Given a stranger who sent 20 made-up invitation links from their address
    stranger = app.test_client()
    for n in range(20):
        assert (
            follow(stranger, f"http://x/auth/invitation?token=made-up-{n}", "203.0.113.66")[
                1
            ].status_code
            == 400
        )
    assert (
        follow(stranger, "http://x/auth/invitation?token=one-more", "203.0.113.66")[1].status_code
        == 429
    )
    # When Cora invites Nia
    invite(client, programme, "nia@example.org", "Nia Newcomer")
    link = emailed_link("coordinator-invite", "nia@example.org")
    # Then the link still does not open from the stranger's address, but Nia's works
    assert follow(stranger, link, "203.0.113.66")[1].status_code == 429
    nia = app.test_client()
    path, page = follow(nia, link, "198.51.100.7")
    assert page.status_code == 200
    assert accept(nia, path).status_code == 302


def test_a_revoked_invitation_does_not_work(app, client, programme, cora):
    invite(client, programme, "nia@example.org", "Nia Newcomer")
    link = emailed_link("coordinator-invite", "nia@example.org")
    invitation = Invitation.get()
    path = f"/programmes/{programme.id}/coordinators/invitations/{invitation.id}/revoke"
    page = f"/programmes/{programme.id}/coordinators"
    assert post_form(client, path, {}, page=page).status_code == 302
    assert follow(app.test_client(), link)[1].status_code == 400


def test_someone_with_a_login_is_added_at_once_and_told(client, programme, cora):
    other = Programme.create(name="Follow-up 2026", kind="followup")
    coordinator_of(other, "omar@example.org", "Omar")
    invite(client, programme, "omar@example.org")
    omar = User.get(User.email == "omar@example.org")
    assert {p.id for p in visible_programmes(omar)} == {programme.id, other.id}
    assert Invitation.select().count() == 0
    added = OutboundEmail.get(OutboundEmail.kind == "coordinator-added")
    assert added.to_addr == "omar@example.org"
    assert "Prefects 2026" in render("coordinator-added", added.ctx)[0]


@pytest.mark.parametrize(
    ("email", "name", "field", "message"),
    [
        ("not an address", "X", "email", "Enter an email address"),
        ("new@example.org", "", "name", "Enter a name."),
        ("cora@example.org", "", "email", "coordinates this programme already"),
    ],
)
def test_it_says_beside_the_field_what_is_wrong(
    client, programme, cora, email, name, field, message
):
    response = invite(client, programme, email, name)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert re.search(rf'<p class="field-error" id="{field}-error">[^<]*{message}', body)
    assert 'aria-invalid="true"' in body
    assert Invitation.select().count() == 0


def test_only_the_programmes_coordinators_see_or_invite(app, programme, cora):
    other = Programme.create(name="Other", kind="followup")
    stranger = app.test_client()
    log_in(stranger, coordinator_of(other, "sam@example.org", "Sam"))
    path = f"/programmes/{programme.id}/coordinators"
    assert stranger.get(path).status_code == 404
    response = post_form(
        stranger, path, {"email": "x@example.org"}, page=f"/programmes/{other.id}/coordinators"
    )
    assert response.status_code == 404
    assert Invitation.select().count() == 0


def test_the_coordinators_page_lists_who_coordinates(client, programme, cora):
    invite(client, programme, "nia@example.org", "Nia <b>Newcomer</b>")
    page = client.get(f"/programmes/{programme.id}/coordinators").get_data(as_text=True)
    assert "Cora Ordinator" in page and "can log in" in page
    assert "Nia &lt;b&gt;Newcomer&lt;/b&gt;" in page and "invited, until" in page
    assert "<b>Newcomer" not in page


def test_an_invitation_email_is_sent_by_the_workers(
    app, client, programme, cora, smtp_sink, redis_broker, redis_worker
):
    # When Cora invites Nia, nothing is sent inside the request
    invite(client, programme, "nia@example.org", "Nia Newcomer")
    assert smtp_sink.messages == []
    # Then the workers deliver it
    redis_broker.join("mail", timeout=20_000)
    redis_worker.join()
    [message] = smtp_sink.parsed()
    assert message["To"].addresses[0].addr_spec == "nia@example.org"
    assert "Prefects 2026" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert "/auth/invitation?token=" in text


def forgot(client, email: str):
    return post_form(client, "/auth/forgot", {"email": email})


def test_the_forgotten_password_page_answers_the_same_for_any_address(app, programme):
    create_user("cora@example.org", "Cora", PASSWORD)
    known, unknown = app.test_client(), app.test_client()
    first, second = forgot(known, "cora@example.org"), forgot(unknown, "nobody@example.org")
    assert (first.status_code, first.headers["Location"]) == (
        second.status_code,
        second.headers["Location"],
    )
    for browser in (known, unknown):
        assert RESET_SENT in browser.get("/auth/login").get_data(as_text=True)
    assert [e.to_addr for e in OutboundEmail.select()] == ["cora@example.org"]


def test_a_reset_link_sets_a_new_password_once(app, programme):
    create_user("cora@example.org", "Cora", PASSWORD)
    forgot(app.test_client(), "cora@example.org")
    link = emailed_link("password-reset", "cora@example.org")
    browser = app.test_client()
    path, page = follow(browser, link)
    assert path == "/auth/reset" and page.status_code == 200
    form = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert post_form(browser, path, form).status_code == 302
    assert browser.get("/").status_code == 200  # logged in
    assert login(app.test_client(), "cora@example.org", NEW_PASSWORD).status_code == 302
    # The link does not work twice
    assert follow(app.test_client(), link)[1].status_code == 400


def test_a_reset_link_expires_after_an_hour(app, programme):
    create_user("cora@example.org", "Cora", PASSWORD)
    forgot(app.test_client(), "cora@example.org")
    link = emailed_link("password-reset", "cora@example.org")
    clock.travel(dt.timedelta(minutes=61))
    assert follow(app.test_client(), link)[1].status_code == 400


@pytest.mark.parametrize(("keep_old_key", "works"), [(True, 200), (False, 400)])
def test_a_link_sent_before_a_key_change_works_while_the_old_key_is_listed(
    app, programme, keep_old_key, works
):
    create_user("cora@example.org", "Cora", PASSWORD)
    forgot(app.test_client(), "cora@example.org")
    link = emailed_link("password-reset", "cora@example.org")
    saved = settings_mod.get()
    try:
        rotated = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": saved.database_url,
                "SECRET_KEY": "a new key of at least thirty-two characters",
                "SECRET_KEY_PREVIOUS": saved.secret_key if keep_old_key else "",
            }
        )
        assert follow(rotated.test_client(), link)[1].status_code == works
    finally:
        settings_mod.configure(saved)


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("short", "short", "Use at least 10 characters."),
        ("long enough one", "long enough two", "The two passwords are not the same."),
        ("cora@example.org", "cora@example.org", "Do not use your email address"),
    ],
)
def test_a_new_password_is_checked(client, programme, cora, password, confirm, message):
    form = {"current": PASSWORD, "password": password, "confirm": confirm}
    response = post_form(client, "/account/password", form)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert cora.password_hash == User.get_by_id(cora.id).password_hash


def test_admin_create_makes_the_first_administrator(runner, programme):
    result = runner.invoke(
        args=["admin", "create", "Ada@Example.org", "--name", "Ada Admin", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    ada = User.get(User.email == "ada@example.org")
    assert ada.role == "admin" and ada.name == "Ada Admin"
    assert [p.id for p in visible_programmes(ada)] == [programme.id]


def test_admin_create_prompts_for_the_password_twice(runner, db):
    result = runner.invoke(
        args=["admin", "create", "ada@example.org", "--name", "Ada"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert User.get(User.email == "ada@example.org").role == "admin"


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("ada@example.org", "short", "at least 10"),
        ("not-an-address", PASSWORD, "bad email syntax"),
        ("taken@example.org", PASSWORD, "exists already"),
    ],
)
def test_admin_create_refuses_what_it_cannot_use(runner, db, email, password, message):
    create_user("taken@example.org", "Taken", PASSWORD)
    result = runner.invoke(
        args=["admin", "create", email, "--name", "Ada", "--password-stdin"], input=password + "\n"
    )
    assert result.exit_code == 1
    assert message in result.output
    assert User.select().count() == 1
