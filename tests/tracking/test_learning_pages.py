"""The materials and self-assessment page: only the programme's coordinators see it; its forms
add a material, import completions, set the competences; growth shows per competence."""

from __future__ import annotations

import io

import pytest

from models import Material, Programme, SelfCheck, clock
from tests.tracking.builders import day, participant, programme
from tests.web.pages import log_in, make_login, post, text
from workers.tracking import materials, selfassess
from workers.tracking.selfassess import keep_rating


@pytest.fixture
def world(db):
    clock.freeze(day(1))
    prog = programme()
    ann = participant(prog, "Ann")
    return {"prog": prog, "ann": ann, "path": f"/programmes/{prog.id}/learning"}


def test_another_programmes_coordinator_gets_404(client, world):
    other = Programme.create(name="Other", kind="tracking")
    make_login("olga@example.org", "Olga", programme=other)
    log_in(client, "olga@example.org")
    assert client.get(world["path"]).status_code == 404


def test_the_page_adds_materials_imports_completions_and_sets_competences(client, world):
    make_login("cora@example.org", "Cora", programme=world["prog"])
    log_in(client, "cora@example.org")
    path = world["path"]

    # When Cora adds a module, then refuses a bad link
    post(
        client,
        f"{path}/materials",
        {"kind": "module", "title": "Listening", "url": "https://x.org/1"},
    )
    bad = post(client, f"{path}/materials", {"kind": "video", "title": "X", "url": "javascript:1"})
    assert bad.status_code == 302 and Material.select().count() == 1

    # And imports a file of completions with one bad line
    data = (
        b"email,material,completed\n"
        b"ann@example.org,module 1,2026-11-03\n"
        b"bob@example.org,module 1,2026-11-03\n"
    )
    done = post(client, f"{path}/completions", {"file": (io.BytesIO(data), "done.csv")},
                content_type="multipart/form-data", follow_redirects=True)  # fmt: skip
    body = text(done)
    assert "Recorded 1 completions (0 known already)." in body
    assert "line 3: bob@example.org: not a participant of this programme" in body
    assert "1 of 1" in body and "100.0%" in body

    # And sets the competences, asked every four weeks unless it says otherwise
    assert 'name="every_weeks" type="number" value="4"' in text(client.get(path))
    post(client, f"{path}/competences", {"competences": "Listening\nDelegation\n"})
    assert [c.name for c in selfassess.competences(world["prog"].id)] == ["Listening", "Delegation"]
    body = text(client.get(path))
    assert "asks about 2 competences every 4 weeks" in body
    post(client, f"{path}/competences", {"competences": "Listening", "every_weeks": "2"})
    assert selfassess.period_weeks(world["prog"].id) == 2
    for wrong, said in (("two", "not a number of weeks"), ("30", "ask every 1 to 26 weeks")):
        post(client, f"{path}/competences", {"competences": "Listening", "every_weeks": wrong})
        assert said in text(client.get(path))
    assert selfassess.period_weeks(world["prog"].id) == 2


def test_growth_shows_first_and_latest(client, world):
    prog, ann = world["prog"], world["ann"]
    listening, _ = selfassess.set_competences(prog.id, ["Listening", "Delegation"])
    materials.add_material(prog.id, "video", "Intro", "https://x.org/v")
    for n, value in ((0, 2), (28, 4)):
        clock.freeze(day(n))
        selfassess.send_due_checks(prog.id)
        check = SelfCheck.select().where(SelfCheck.person == ann).order_by(SelfCheck.id.desc())[0]
        keep_rating(check, listening.id, value, clock.now())
    make_login("cora@example.org", "Cora", programme=prog)
    log_in(client, "cora@example.org")
    body = text(client.get(world["path"]))
    assert "<td>Listening</td><td>2.0</td><td>4.0</td><td>+2.0</td><td>1</td>" in body
    assert "<td>Ann</td><td>Listening</td><td>2</td><td>4</td><td>2</td>" in body
