"""Guessing is slowed per client, never by locking the account (issue 12, item 17).

A stranger's wrong tries from another address must not stop the real coordinator; the
same goes for password-reset requests and invitation links.
"""

from __future__ import annotations

import datetime as dt

import pytest

from models import LoginAttempt, OutboundEmail, PasswordReset, clock
from tests.logins import login, post_form
from web import create_app
from web.auth import create_user
from workers import settings as settings_mod
from workers.accounts import throttle

EMAIL = "coord@example.org"
PASSWORD = "correct horse battery staple"

#: The stranger's address and the coordinator's.
ATTACKER = "203.0.113.66"
COORDINATOR = "198.51.100.7"
#: A reverse proxy in front of the web page.
PROXY = "10.0.0.1"


@pytest.fixture
def user(db):
    return create_user(EMAIL, "Cora Ordinator", PASSWORD)


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.freeze()


def test_a_strangers_wrong_tries_do_not_stop_the_real_coordinator(client, app, user):
    # Given a stranger who tried 40 wrong passwords on the coordinator's account
    statuses = [login(client, EMAIL, f"guess {n}", ATTACKER).status_code for n in range(40)]
    # Then the coordinator, from their own address, gets in at once
    response = login(app.test_client(), EMAIL, PASSWORD, COORDINATOR)
    assert response.status_code == 302
    # And the stranger was slowed after three tries: told to wait, password not checked
    assert statuses[:3] == [200, 200, 200]
    assert set(statuses[3:]) == {429}


def test_the_stranger_is_slowed_with_growing_delays(client, user):
    # Given three free wrong tries
    for n in range(3):
        assert "Incorrect" in login(client, EMAIL, f"guess {n}", ATTACKER).get_data(as_text=True)
    waits = []
    for n in range(6):
        # When the stranger tries again at once, even the right password is not checked
        refused = login(client, EMAIL, PASSWORD, ATTACKER)
        assert refused.status_code == 429
        assert "Too many failed attempts" in refused.get_data(as_text=True)
        wait = int(refused.headers["Retry-After"])
        waits.append(wait)
        # Then after the wait one more guess is allowed, and fails
        clock.travel(dt.timedelta(seconds=wait))
        assert login(client, EMAIL, f"again {n}", ATTACKER).status_code == 200
    assert waits == [5, 10, 20, 40, 80, 160]
    # And only the tries that were checked count
    assert LoginAttempt.select().count() == 9


def test_the_wait_stops_growing_at_fifteen_minutes(client, user):
    for n in range(20):
        clock.travel(throttle.MAX_DELAY)
        login(client, EMAIL, f"guess {n}", ATTACKER)
    assert throttle.wait_seconds(ATTACKER, EMAIL) == 15 * 60


def test_a_coordinator_who_mistypes_gets_in_after_the_wait(client, user):
    for n in range(4):
        clock.travel(dt.timedelta(seconds=10))
        login(client, EMAIL, f"typo {n}", COORDINATOR)
    assert login(client, EMAIL, PASSWORD, COORDINATOR).status_code == 429
    clock.travel(dt.timedelta(seconds=10))
    assert login(client, EMAIL, PASSWORD, COORDINATOR).status_code == 302
    # Logging in forgets the client's failures on the account
    assert throttle.wait_seconds(COORDINATOR, EMAIL) == 0


def test_a_client_trying_many_accounts_is_slowed(app, client, user):
    # Given a stranger who tried one password on 20 addresses
    for n in range(20):
        login(client, f"guess{n}@example.org", "Summer2026!", ATTACKER)
    # Then from that address even the coordinator's own login waits
    assert login(client, EMAIL, PASSWORD, ATTACKER).status_code == 429
    # But not from the coordinator's address
    assert login(app.test_client(), EMAIL, PASSWORD, COORDINATOR).status_code == 302


@pytest.fixture
def behind_a_proxy(db):
    """The app behind one reverse proxy at 10.0.0.1, which names the client in a header."""
    saved = settings_mod.get()
    yield create_app({"TESTING": True, "DATABASE_URL": saved.database_url, "TRUSTED_PROXIES": 1})
    settings_mod.configure(saved)


def test_behind_a_proxy_the_forwarded_address_is_the_client(behind_a_proxy, user):
    def via_proxy(client_addr: str, password: str):
        headers = {"X-Forwarded-For": client_addr}
        return login(behind_a_proxy.test_client(), EMAIL, password, PROXY, headers)

    statuses = [via_proxy(ATTACKER, f"guess {n}").status_code for n in range(10)]
    assert statuses[3:] == [429] * 7
    assert via_proxy(COORDINATOR, PASSWORD).status_code == 302


def test_without_a_trusted_proxy_a_forged_forwarded_address_changes_nothing(client, user):
    for n in range(10):
        headers = {"X-Forwarded-For": f"192.0.2.{n}"}
        login(client, EMAIL, f"guess {n}", ATTACKER, headers)
    assert (
        login(client, EMAIL, PASSWORD, ATTACKER, {"X-Forwarded-For": COORDINATOR}).status_code
        == 429
    )


@pytest.mark.parametrize(
    ("other", "same_client"),
    [
        ("2001:db8:aa:1::99", True),  # the same /64
        ("2001:db8:aa:2::1", False),  # the next /64
        ("::ffff:203.0.113.66", False),  # an IPv4 address written as IPv6
    ],
)
def test_ipv6_clients_are_counted_by_their_network(client, user, other, same_client):
    for n in range(3):
        login(client, EMAIL, f"guess {n}", "2001:db8:aa:1::1")
    refused = login(client, EMAIL, PASSWORD, other).status_code == 429
    assert refused is same_client


def test_mapped_ipv4_is_the_ipv4_client():
    assert throttle.client_key("::ffff:203.0.113.66") == ATTACKER
    assert throttle.client_key("2001:db8:aa:1::1") == "2001:db8:aa:1::/64"
    assert throttle.client_key("not an address") == "not an address"


def ask_reset(client, email: str, addr: str):
    return post_form(client, "/auth/forgot", {"email": email}, addr)


def test_reset_requests_are_limited_per_client_not_per_account(app, client, user):
    # Given a stranger who asked five times for the coordinator's reset link
    for _ in range(5):
        assert ask_reset(client, EMAIL, ATTACKER).status_code == 302
    # When they ask again, they are told to wait
    refused = ask_reset(client, EMAIL, ATTACKER)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) == 3600
    # Then the coordinator, from their own address, can still ask
    assert ask_reset(app.test_client(), EMAIL, COORDINATOR).status_code == 302
    assert PasswordReset.select().count() == 6
    # And their mailbox got at most three links in the hour
    assert OutboundEmail.select().where(OutboundEmail.kind == "password-reset").count() == 3


def test_reset_requests_for_unknown_addresses_count_too(client, user):
    for n in range(5):
        ask_reset(client, f"nobody{n}@example.org", ATTACKER)
    assert ask_reset(client, EMAIL, ATTACKER).status_code == 429
    clock.travel(dt.timedelta(hours=1, seconds=1))
    assert ask_reset(client, EMAIL, ATTACKER).status_code == 302


def test_bad_links_slow_the_client_that_sends_them(app, client, user):
    # Given a stranger who tried 20 made-up invitation and reset links
    for n in range(10):
        client.get(f"/auth/invitation?token=made-up-{n}", environ_base={"REMOTE_ADDR": ATTACKER})
        assert (
            client.get("/auth/invitation", environ_base={"REMOTE_ADDR": ATTACKER}).status_code
            == 400
        )
        client.get(f"/auth/reset?token=made-up-{n}", environ_base={"REMOTE_ADDR": ATTACKER})
        assert client.get("/auth/reset", environ_base={"REMOTE_ADDR": ATTACKER}).status_code == 400
    # Then their next link is not even read
    client.get("/auth/invitation?token=one-more", environ_base={"REMOTE_ADDR": ATTACKER})
    assert client.get("/auth/invitation", environ_base={"REMOTE_ADDR": ATTACKER}).status_code == 429
    # But someone else's is, and the coordinator still logs in
    other = app.test_client()
    other.get("/auth/reset?token=made-up", environ_base={"REMOTE_ADDR": COORDINATOR})
    assert other.get("/auth/reset", environ_base={"REMOTE_ADDR": COORDINATOR}).status_code == 400
    assert login(other, EMAIL, PASSWORD, COORDINATOR).status_code == 302
