"""Guessing is slowed on every door without a password form: signed forms and the inbound
HTTP endpoint. The real mentee, and the real mail server, are never the ones who wait.

(Logins and password resets: test_login_throttle.py.)
"""

from __future__ import annotations

import datetime as dt

import pytest

from models import Assessment, InboundMessage, clock
from tests import mailfactory as mf
from tests.mentoring.mentoring_data import make_programme
from web import create_app
from workers import settings as settings_mod
from workers.accounts import throttle
from workers.mentoring.assessment import make_link_token, send_assessments

#: The stranger's address, and the mentee's or mail server's.
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"

#: The inbound endpoint's shared secret in these tests.
SECRET = "inbound-http-secret-of-some-length"

#: Public routes a link from an email opens (forms and files): a token is their only key.
SIGNED_FORMS = {"assessment_form.answer", "survey_form.answer", "mentoring_pairs.resource_file"}


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.freeze()


def signed_form_paths(app) -> list[str]:
    """Return a made-up link for every signed form the app has (found in its URL map)."""
    return [
        rule.rule.replace("<token>", "made-up-token")
        for rule in app.url_map.iter_rules()
        if rule.endpoint in SIGNED_FORMS
    ]


def get(client, path: str, addr: str):
    return client.get(path, environ_base={"REMOTE_ADDR": addr})


def test_every_signed_form_slows_a_client_sending_made_up_links(app):
    paths = signed_form_paths(app)
    assert {"/assessment/made-up-token", "/mentoring/resources/made-up-token"} <= set(paths)
    for path in paths:
        client = app.test_client()
        # Given a stranger who tried 20 made-up links
        statuses = [get(client, f"{path}{n}", ATTACKER).status_code for n in range(20)]
        assert set(statuses) <= {404}, (path, statuses)
        # When they try once more, the link is not even read: they are told to wait
        refused = get(client, path, ATTACKER)
        assert refused.status_code == 429, path
        assert refused.headers.get("Retry-After", "1") != "0"
        # Then someone else's link is read as usual
        assert get(app.test_client(), path, OWNER).status_code == 404
        throttle.clear_failures(throttle.client_key(ATTACKER), "")


def test_the_mentees_own_link_works_while_a_stranger_waits(app, db):
    # Given a mentee's genuine link to the needs questionnaire
    world = make_programme()
    send_assessments(world["programme"])
    assessment = Assessment.get(Assessment.person == world["people"]["cal@example.org"])
    path = f"/assessment/{make_link_token(assessment)}"
    # And a stranger who guessed links until told to wait
    stranger = app.test_client()
    for n in range(25):
        get(stranger, f"/assessment/guess{n}", ATTACKER)
    assert get(stranger, "/assessment/guess", ATTACKER).status_code == 429
    # When the mentee opens their link from their own address, it opens
    assert get(app.test_client(), path, OWNER).status_code == 200
    # And even the stranger's address may open it once the wait is over
    clock.travel(dt.timedelta(seconds=throttle.wait_seconds(throttle.client_key(ATTACKER))))
    assert get(stranger, path, ATTACKER).status_code == 200


@pytest.fixture
def inbound_app(db):
    current = settings_mod.get()
    yield create_app(
        {
            "TESTING": True,
            "DATABASE_URL": current.database_url,
            "SECRET_KEY": current.secret_key,
            "INBOUND_HTTP_SECRET": SECRET,
        }
    )
    settings_mod.configure(current)


def post_mime(client, secret: str, addr: str, raw: bytes | None = None):
    token = "reply+1-a-1-zz-00@tandem.test"
    headers = {"Authorization": f"Bearer {secret}", "Tandem-Recipient": token}
    raw = raw or mf.reply("ada@example.org", token, "done")
    return client.post(
        "/inbound/mime", data=raw, headers=headers, environ_base={"REMOTE_ADDR": addr}
    )


def test_the_inbound_endpoint_slows_a_client_guessing_its_secret(inbound_app):
    client = inbound_app.test_client()
    # Given a stranger who tried 20 wrong secrets
    statuses = [post_mime(client, f"guess-{n}", ATTACKER).status_code for n in range(20)]
    assert set(statuses) == {403}
    # When they try again, even the right secret is not checked
    refused = post_mime(client, SECRET, ATTACKER)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 5
    assert InboundMessage.select().count() == 0
    # Then the real mail server, from its own address, stores mail at full speed
    server = inbound_app.test_client()
    answers = [
        post_mime(server, SECRET, OWNER, mf.reply("ada@example.org", "x@tandem.test", f"{n}"))
        for n in range(30)
    ]
    assert {a.status_code for a in answers} == {201}
    assert InboundMessage.select().count() == 30
    # And the stranger may try again after the wait, no sooner
    clock.travel(dt.timedelta(seconds=int(refused.headers["Retry-After"])))
    assert post_mime(client, "guess-again", ATTACKER).status_code == 403
    assert post_mime(client, SECRET, ATTACKER).status_code == 429


def test_a_right_secret_is_never_slowed_by_its_own_traffic(inbound_app):
    client = inbound_app.test_client()
    for n in range(50):
        raw = mf.reply("ada@example.org", "x@tandem.test", f"answer {n}")
        assert post_mime(client, SECRET, OWNER, raw).status_code == 201
    assert throttle.wait_seconds(OWNER) == 0
