"""The mentoring pages: who may open which URL, and what each form does."""

from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

from models import (
    MatchExclusion,
    MatchProposal,
    Membership,
    Orientation,
    OrientationOverride,
    OutboundEmail,
    Person,
    Programme,
    User,
)
from tests.mentoring.mentoring_data import csrf, log_in, make_programme
from workers.mentoring import proposals, rules


@pytest.fixture
def world(db):
    return make_programme()


@pytest.fixture
def cora(client, world):
    return log_in(client)


@pytest.fixture
def other(app, world):
    """A coordinator of another mentoring programme, logged in on a client of their own."""
    programme = Programme.create(name="Other Mentoring", kind="mentoring")
    person = Person.create(name="Otto Other", email="otto@example.org")
    Membership.create(programme=programme, person=person, role="coordinator")
    User.create(
        email=person.email,
        name=person.name,
        password_hash=generate_password_hash("another long password"),
        person=person,
    )
    client = log_in(app.test_client(), "otto@example.org", "another long password")
    return client, programme


def urls(world) -> tuple[list[str], list[str]]:
    """Return the GET pages and POST actions of the world's programme."""
    pid = world["programme"].id
    proposal = proposals.propose(world["programme"], "test")
    pair = proposals.pairs_of(proposal)[0]
    olga = world["people"]["olga@example.org"]
    pages = [f"/mentoring/{pid}", f"/mentoring/{pid}/review"]
    actions = [
        f"/mentoring/{pid}/rules",
        f"/mentoring/{pid}/exclusions",
        f"/mentoring/{pid}/mentors/{olga.id}/override",
        f"/mentoring/{pid}/orientations",
        f"/mentoring/{pid}/assessments",
        f"/mentoring/{pid}/proposals",
        f"/mentoring/{pid}/proposals/{proposal.id}/lock?pair={pair.id}",
        f"/mentoring/{pid}/proposals/{proposal.id}/swap",
        f"/mentoring/{pid}/proposals/{proposal.id}/rerun",
        f"/mentoring/{pid}/proposals/{proposal.id}/approve",
        f"/mentoring/{pid}/guide",
    ]
    return pages, actions


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    pages, actions = urls(world)
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    for url in actions:
        assert client.post(url).status_code in (302, 400)  # CSRF or login, never applied
    assert OutboundEmail.select().count() == 0


def test_another_programmes_coordinator_gets_404_everywhere(world, other):
    client, own = other
    token = csrf(client, f"/mentoring/{own.id}")
    pages, actions = urls(world)
    for url in pages:
        assert client.get(url).status_code == 404, url
    for url in actions:
        assert client.post(url, data={"csrf_token": token, "allowed": "1"}).status_code == 404, url
    assert MatchProposal.get_or_none(MatchProposal.status == "approved") is None
    assert OrientationOverride.select().count() == 0
    assert OutboundEmail.select().count() == 0


def test_ids_from_another_programme_give_404(cora, world, other):
    _, own = other
    pid = world["programme"].id
    token = csrf(cora, f"/mentoring/{pid}")
    theirs = proposals.propose(own, "test")
    assert (
        cora.post(
            f"/mentoring/{pid}/proposals/{theirs.id}/rerun", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert cora.get(f"/mentoring/{own.id}").status_code == 404
    stranger = Person.create(name="Stan", email="stan@example.org")
    assert (
        cora.post(
            f"/mentoring/{pid}/mentors/{stranger.id}/override", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert (
        cora.post(f"/mentoring/{pid}/exclusions/999/delete", data={"csrf_token": token}).status_code
        == 404
    )
    assert (
        cora.post(
            f"/mentoring/{pid}/orientations/999/invite", data={"csrf_token": token}
        ).status_code
        == 404
    )


def test_a_programme_without_mentoring_has_no_mentoring_page(cora, world):
    followup = Programme.create(name="Reviews", kind="followup")
    Membership.create(programme=followup, person=world["people"]["cora"], role="coordinator")
    assert cora.get(f"/mentoring/{followup.id}").status_code == 404


def test_the_page_lists_people_and_saves_rules_and_exclusions(cora, world):
    programme, people = world["programme"], world["people"]
    pid = programme.id
    page = cora.get(f"/mentoring/{pid}").get_data(as_text=True)
    assert "Olga Newcomer" in page and "Dee Pupil" in page and "not yet" in page
    token = csrf(cora, f"/mentoring/{pid}")
    data = {
        "csrf_token": token,
        "objective": "score",
        "session_minutes": "90",
        "weeks": "8",
        "start_date": "2027-01-04",
    }
    cora.post(f"/mentoring/{pid}/rules", data=data)
    saved = rules.rules_for(programme)
    assert (saved.objective, saved.session_minutes, saved.weeks) == ("score", 90, 8)
    assert str(saved.start_date) == "2027-01-04" and not saved.exclude_same_department
    bad = cora.post(
        f"/mentoring/{pid}/rules", data={**data, "session_minutes": "5"}, follow_redirects=True
    )
    assert "session length must be 15 to 480 minutes" in bad.get_data(as_text=True)
    ada, maya = people["ada@example.org"], people["maya@example.org"]
    cora.post(
        f"/mentoring/{pid}/exclusions",
        data={"csrf_token": token, "mentee": ada.id, "mentor": maya.id},
    )
    assert MatchExclusion.select().count() == 1
    # A mentor in the mentee's place is refused
    cora.post(
        f"/mentoring/{pid}/exclusions",
        data={"csrf_token": token, "mentee": maya.id, "mentor": ada.id},
    )
    assert MatchExclusion.select().count() == 1


def test_the_orientation_form_sets_up_and_invites(cora, world):
    pid = world["programme"].id
    token = csrf(cora, f"/mentoring/{pid}")
    data = {
        "csrf_token": token,
        "title": "Orientation",
        "starts_at": "2026-11-09T17:00",
        "ends_at": "2026-11-09T18:00",
        "timezone": "Europe/London",
        "facilitator": world["people"]["fay"].id,
    }
    page = cora.post(f"/mentoring/{pid}/orientations", data=data, follow_redirects=True)
    assert "Orientation set up: 1 mentors invited." in page.get_data(as_text=True)
    assert Orientation.get().facilitator_id == world["people"]["fay"].id
    outsider = Person.create(name="Out Sider", email="out@example.org")
    page = cora.post(
        f"/mentoring/{pid}/orientations",
        data={**data, "facilitator": outsider.id},
        follow_redirects=True,
    )
    assert "Choose a facilitator of this programme." in page.get_data(as_text=True)


def test_a_bad_guide_is_shown_again_with_the_reason(cora, world):
    pid = world["programme"].id
    token = csrf(cora, f"/mentoring/{pid}/review")
    response = cora.post(
        f"/mentoring/{pid}/guide", data={"csrf_token": token, "guide": "Dear {{ boss }}"}
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "unknown placeholder {{ boss }}" in body and "Dear {{ boss }}</textarea>" in body
