"""Materials: completion by reply, by CSV import and by signed link; the completion rates."""

from __future__ import annotations

import pytest
from itsdangerous import URLSafeSerializer

from models import Event, MaterialCompletion, Person, clock
from tests.tracking.builders import day, participant, programme
from tests.tracking.mailflow import gmail_reply, message, outlook_reply, process, sent, text_of
from tests.web.pages import TOKEN_RE
from workers.tracking import material_links, materials
from workers.tracking.material_replies import read_done, send_materials
from workers.tracking.materials import MaterialError


@pytest.fixture
def world(db):
    clock.freeze(day(3))
    prog = programme()
    ann, bo = participant(prog, "Ann"), participant(prog, "Bo")
    listed = [
        materials.add_material(prog.id, "module", "Active listening", "https://learn.example.org/m1"),
        materials.add_material(prog.id, "module", "Feedback that lands", "https://learn.example.org/m2"),
        materials.add_material(prog.id, "video", "Delegation in practice", "https://video.example.org/v1"),
    ]  # fmt: skip
    return {"prog": prog, "ann": ann, "bo": bo, "materials": listed}


def done(person) -> set[str]:
    query = MaterialCompletion.select().where(MaterialCompletion.person == person)
    return {c.material.label for c in query}


def test_materials_are_numbered_per_kind(world):
    assert [m.label for m in world["materials"]] == ["module 1", "module 2", "video 1"]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "//evil.example.org/x",
        "ftp://files.example.org/a",
        "https:/\\evil.org",
    ],
)
def test_a_material_link_must_be_http(world, url):
    with pytest.raises(MaterialError):
        materials.add_material(world["prog"].id, "reading", "Bad", url)


def test_a_reply_records_what_was_done(world):
    prog, ann = world["prog"], world["ann"]
    assert send_materials(prog.id) == 2
    email = [m for m in sent("materials") if m.person_id == ann.id][0]
    assert "Module 1: Active listening" in text_of(email)
    assert "/m/" in text_of(email)

    # When Ann replies from Gmail with two items and a sign-off
    answer = "Done module 1 and video 1.\n\nThanks!\nAnn"
    assert process(gmail_reply(message(email), ann.email, answer)) == "applied"

    # Then both are done, counted as events, and confirmed
    assert done(ann) == {"module 1", "video 1"}
    kinds = [e.kind for e in Event.select().where(Event.person == ann)]
    assert kinds.count("material_done") == 2
    assert "Module 1: Active listening: done" in text_of(sent("confirmation")[0])


def test_a_reply_by_title_from_outlook(world):
    send_materials(world["prog"].id)
    bo = world["bo"]
    email = [m for m in sent("materials") if m.person_id == bo.id][0]
    raw = outlook_reply(message(email), bo.email, "I've finished Feedback that lands\n\nBo")
    assert process(raw) == "applied"
    assert done(bo) == {"module 2"}


def test_an_ambiguous_reply_is_kept_and_asked_back(world):
    send_materials(world["prog"].id)
    ann = world["ann"]
    email = [m for m in sent("materials") if m.person_id == ann.id][0]
    assert process(gmail_reply(message(email), ann.email, "done 1")) == "quarantined"
    assert done(ann) == set()


def test_csv_import_records_completions_and_reports_bad_lines(world):
    prog, ann, bo = world["prog"], world["ann"], world["bo"]
    Person.create(name="Stranger", email="stranger@example.org")
    data = (
        "\ufeffPerson email;Material;Completed date\r\n"
        "ann@example.org;module 1;2026-11-03\r\n"
        "BO@example.org;Delegation in practice;04/11/2026\r\n"
        "stranger@example.org;module 1;2026-11-03\r\n"
        "ann@example.org;module 9;2026-11-03\r\n"
        "bo@example.org;module 2;someday\r\n"
        "ann@example.org;Module 1;2026-11-05\r\n"
    ).encode()

    result = materials.import_completions(prog.id, data)

    assert (result.recorded, result.known) == (2, 1)
    assert result.problems == [
        "line 4: stranger@example.org: not a participant of this programme",
        "line 5: module 9: no such material (use e.g. module 3, or its title)",
        "line 6: someday: not a date (use e.g. 2026-11-03)",
    ]
    assert done(ann) == {"module 1"} and done(bo) == {"video 1"}
    row = MaterialCompletion.get(MaterialCompletion.person == ann)
    assert (row.source, row.completed_at.date().isoformat()) == ("csv", "2026-11-03")


def test_a_csv_without_the_columns_is_refused(world):
    with pytest.raises(MaterialError, match="column 'material'"):
        materials.import_completions(world["prog"].id, b"email,when\nann@example.org,2026-11-03\n")


def test_the_signed_link_records_when_the_participant_goes_on_without_login(world, client):
    ann, first = world["ann"], world["materials"][0]
    url = material_links.link_url(first, ann.id)
    path = url[url.index("/m/") :]

    # A mail system's link scanner fetches the link as the email arrives: it records nothing
    checked = client.head(path)
    scanned = client.get(path)
    assert checked.status_code == scanned.status_code == 200
    assert MaterialCompletion.select().count() == 0
    page = scanned.get_data(as_text=True)
    assert "Active listening" in page and "Open the material" in page
    assert "learn.example.org" not in page  # the address shows only once it is recorded
    assert scanned.headers["Referrer-Policy"] == "no-referrer"
    assert client.post(path).status_code == 400  # a POST from elsewhere has no CSRF token

    # The participant presses the button, once or twice
    form = {"csrf_token": TOKEN_RE.search(page).group(1)}
    response = client.post(path, data=form)
    again = client.post(path, data=form)

    assert response.status_code == again.status_code == 303
    assert response.headers["Location"] == "https://learn.example.org/m1"
    row = MaterialCompletion.get(MaterialCompletion.person == ann)
    assert row.source == "link" and MaterialCompletion.select().count() == 1


def test_a_tampered_link_is_refused_and_records_nothing(world, client, settings):
    ann, bo, first = world["ann"], world["bo"], world["materials"][0]
    token = material_links.link_token(first, ann.id)
    forged = URLSafeSerializer("not-the-key", salt=material_links.SALT).dumps([first.id, bo.id])
    other_salt = URLSafeSerializer(settings.secret_key, salt="mentoring-resource").dumps(
        [first.id, bo.id]
    )
    form = {"csrf_token": TOKEN_RE.search(client.get(f"/m/{token}").get_data(as_text=True))[1]}
    for bad in (token[:-2] + "xx", forged, other_salt, "x" * 300):
        for response in (client.get(f"/m/{bad}"), client.post(f"/m/{bad}", data=form)):
            assert response.status_code == 404
            assert "Location" not in response.headers
    assert MaterialCompletion.select().count() == 0


def test_completion_rates(world):
    prog, ann, bo = world["prog"], world["ann"], world["bo"]
    first, second, video = world["materials"]
    materials.complete(first, ann.id, "web")
    materials.complete(first, bo.id, "web")
    materials.complete(video, bo.id, "web")
    rates = {
        r["label"]: (r["done"], r["people"], r["rate"]) for r in materials.completion_rates(prog.id)
    }
    assert rates == {"module 1": (2, 2, 1.0), "module 2": (0, 2, 0.0), "video 1": (1, 2, 0.5)}


@pytest.mark.parametrize(
    "text, numbered, titles",
    [
        ("done module 3", [("module", 3)], []),
        ("Done: module 1, module 2", [("module", 1), ("module", 2)], []),
        ("finished videos 1 and 2", [("video", 1), ("video", 2)], []),
        ("I have completed reading 2 & module 4!", [("reading", 2), ("module", 4)], []),
        ("watched #2", [(None, 2)], []),
        ("Just finished Active listening", [], ["Active listening"]),
        (
            "Hi Tandem,\n\nDone module 3.\n\nBest regards,\nAnn Smith\nHead of Year 9",
            [("module", 3)],
            [],
        ),
        ("Module 3 was great", [], []),
    ],
)
def test_read_done(text, numbered, titles):
    found = read_done(text, ("Ann Smith",))
    assert (found.numbered, found.titles) == (numbered, titles)
