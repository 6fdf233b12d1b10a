"""Permissions by URL: a coordinator reaches nothing inside another's programme, by any route.

The test walks the app's whole URL map. Every route that names something inside a
programme is called with the ids of a programme the coordinator does not coordinate, with
GET and POST (a valid CSRF token, so only the permission check can refuse), and must
answer 404 or 403 and change nothing. A route with an argument the walk does not know
fails the test until it is added here, so a new page cannot slip past unchecked.
"""

from __future__ import annotations

import datetime as dt

import pytest

from models import (
    ActionItem,
    AuditEvent,
    Cycle,
    InboundMessage,
    Membership,
    Metric,
    OutboundEmail,
    Person,
    Programme,
    Session,
)
from models.objectives import Objective, ObjectiveValue
from models.surveys import Survey, SurveyResponse
from tests.web.pages import log_in, make_login, text, token
from web.tracking import TABLES

#: Endpoints outside any programme: logging in, accounts, links sent by email, the start
#: page (checked below), creating a programme, the inbound endpoint and static files.
OUTSIDE = (
    "index",
    "static",
    "programmes.create",
    "quarantine.index",
    "inbound.mime",
    "mentoring_pairs.resource_file",  # a signed link in an email, opened without a login
)

#: Blueprints wholly outside any programme (accounts, links people open from email: the
#: needs assessment, a survey, a material; each link's signature is its check).
OUTSIDE_BLUEPRINTS = (
    "auth",
    "accounts",
    "assessment_form",
    "survey_form",
    "material_link",
    "devmail",
)

#: Routes that name their programme in the query string rather than the path.
QUERY_PROGRAMME = ("cycles.create", "cycles.clone")

#: Arguments naming things that exist only as rows of other areas: any id will do, since
#: the programme in the same URL is checked first.
ANY_ID = (
    "invitation_id",
    "exclusion_id",
    "orientation_id",
    "proposal_id",
    "group_id",
    "series_id",
    "occurrence_id",
    "assignment_id",
    "submission_id",
    "file_id",
)


def _programme(name: str, email: str) -> dict:
    """A programme with a member, a cycle and its session, a metric, an item, a kept reply, an
    objective and a survey."""
    programme = Programme.create(name=name, kind="followup,mentoring,tracking")
    person = Person.create(name=f"Member of {name}", email=email)
    Membership.create(programme=programme, person=person, role="stakeholder")
    cycle = Cycle.create(programme=programme, title=f"{name} review", status="triggered")
    starts = dt.datetime(2030, 1, 10, 14, 0)
    Session.create(
        programme=programme,
        cycle=cycle,
        title=cycle.title,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        uid=f"{email}-session@tandem.test",
    )
    metric = Metric.create(programme=programme, name="Retention rate", owner=person)
    item = ActionItem.create(programme=programme, title="Exit interviews", owner=person)
    message = InboundMessage.create(
        raw=b"Subject: Re: review\r\n\r\n1 done\r\n",
        sha256=f"sha-{email}",
        sender=email,
        person=person,
        status="quarantined",
        reason="AmbiguousReplyError",
        object_type="cycle",
        object_id=cycle.id,
    )
    objective = Objective.create(
        programme=programme,
        name="Prefects confident to lead an assembly",
        unit="%",
        target=80,
        target_date=dt.date(2030, 7, 1),
    )
    survey = Survey.create(programme=programme, title=f"{name} check-in", key=f"{email}-survey")
    return {
        "programme_id": programme.id,
        "person_id": person.id,
        "cycle_id": cycle.id,
        "metric_id": metric.id,
        "item_id": item.id,
        "message_id": message.id,
        "objective_id": objective.id,
        "survey_id": survey.id,
        "token": "t" * 32,
        "name": next(iter(TABLES)),  # a table of the progress dashboard
        **{name: 1 for name in ANY_ID},
    }


@pytest.fixture
def world(client, db):
    mine = _programme("Mine", "member@mine.example.org")
    theirs = _programme("Theirs", "member@theirs.example.org")
    make_login("cora@example.org", "Cora", programme=Programme.get_by_id(mine["programme_id"]))
    log_in(client, "cora@example.org")
    return client, mine, theirs


def _inside_routes(app) -> list:
    rules = []
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.rpartition(".")[0].split(".")[0]
        if rule.endpoint in OUTSIDE or blueprint in OUTSIDE_BLUEPRINTS:
            continue
        rules.append(rule)
    return sorted(rules, key=lambda r: r.rule)


def _url(rule, ids: dict) -> str:
    unknown = set(rule.arguments) - set(ids)
    assert not unknown, f"{rule.endpoint} ({rule.rule}) takes {unknown}: add it to this test"
    url = rule.build({name: ids[name] for name in rule.arguments})[1]
    if rule.endpoint in QUERY_PROGRAMME:
        url += f"?programme={ids['programme_id']}"
    return url


def _footprint() -> tuple[int, ...]:
    """Counts that any change would move."""
    return (
        AuditEvent.select().count(),
        OutboundEmail.select().count(),
        Cycle.select().count(),
        Membership.select().count(),
        Metric.select().count(),
        ActionItem.select().count(),
        InboundMessage.select().where(InboundMessage.status == "quarantined").count(),
        Objective.select().count(),
        ObjectiveValue.select().count(),
        Survey.select().count(),
        SurveyResponse.select().count(),
    )


def test_a_coordinator_reaches_nothing_inside_another_programme(world):
    client, _, theirs = world
    csrf = token(client)
    before = _footprint()
    walked = []
    for rule in _inside_routes(client.application):
        url = _url(rule, theirs)
        for method in sorted(rule.methods & {"GET", "POST"}):
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": csrf, "value": "1"})
            assert response.status_code in (403, 404), f"{method} {url}: {response.status_code}"
            walked.append(rule.endpoint)
    assert _footprint() == before
    # The walk covered every area inside a programme
    for endpoint in (
        "programmes.show",
        "programmes.people.edit",
        "programmes.metrics.record",
        "programmes.items.close",
        "programmes.people_import.preview",
        "cycles.show",
        "cycles.trigger",
        "cycles.create",
        "quarantine.apply",
    ):
        assert endpoint in walked, endpoint


def test_the_same_routes_open_for_the_programmes_own_coordinator(world):
    client, mine, _ = world
    for rule in _inside_routes(client.application):
        # Rows of other areas named by any id do not exist here; the rest must open.
        if "GET" in rule.methods and not set(rule.arguments) & set(ANY_ID):
            url = _url(rule, mine)
            response = client.get(url)
            assert response.status_code in (200, 302), f"GET {url}: {response.status_code}"


def test_lists_show_only_the_coordinators_own_programme(world):
    client, _, _ = world
    programmes = text(client.get("/"))
    assert "Mine" in programmes and "Theirs" not in programmes
    assert "Theirs" not in text(client.get("/?archived=1"))
    kept = text(client.get("/quarantine/"))
    assert "member@mine.example.org" in kept and "member@theirs.example.org" not in kept


def test_a_kept_message_cannot_be_applied_to_another_programme(world):
    client, mine, theirs = world
    response = client.post(
        f"/quarantine/{mine['message_id']}/apply",
        data={
            "csrf_token": token(client),
            "person_id": mine["person_id"],
            "object_type": "cycle",
            "object_id": theirs["cycle_id"],
        },
    )
    assert response.status_code == 302
    assert "in your programmes" in text(client.get(response.headers["Location"]))
    assert InboundMessage.get_by_id(mine["message_id"]).status == "quarantined"


def test_an_administrator_sees_every_programme(client, world):
    _, _, theirs = world
    admin = client.application.test_client()
    make_login("ada@example.org", "Ada", role="admin")
    log_in(admin, "ada@example.org")
    assert "Theirs" in text(admin.get("/"))
    assert admin.get(f"/programmes/{theirs['programme_id']}").status_code == 200
    assert admin.get(f"/cycles/{theirs['cycle_id']}").status_code == 200
    assert admin.get(f"/quarantine/{theirs['message_id']}").status_code == 200
