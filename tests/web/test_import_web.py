"""CSV import on the page: upload, preview, confirm; nothing written before the confirmation."""

from __future__ import annotations

import io
import re

import pytest

from models import AuditEvent, Membership, Person, Programme
from tests.web.pages import log_in, make_login, post, text

GOOD = (
    "Name;E-mail;Timezone;Department;Role\r\n"
    "John Smith;john@example.org;America/New_York;HR;stakeholder\r\n"
    "Maria López;maria@example.org;Europe/Madrid;Finance;stakeholder\r\n"
)

#: Line 3 has a bad address; line 5 repeats line 2's (after a quoted cell over two lines).
BAD = (
    "Name,Email,Time zone,Department,Role\r\n"
    "John Smith,john@example.org,America/New_York,HR,stakeholder\r\n"
    "Maria López,maria(at)example.org,Europe/Madrid,Finance,stakeholder\r\n"
    'Ken Ito,ken@example.org,Asia/Tokyo,"Ops,\r\nnight shift",stakeholder\r\n'
    "J. Smith,JOHN@example.org,UTC,HR,stakeholder\r\n"
)


@pytest.fixture
def programme(db):
    return Programme.create(name="Retention review", kind="followup", timezone="Europe/London")


@pytest.fixture
def cora(client, programme, tmp_path):
    client.application.config["IMPORT_DIR"] = str(tmp_path / "imports")
    make_login("cora@example.org", "Cora", programme=programme)
    log_in(client, "cora@example.org")
    return client


def upload(client, programme, content: str, encoding: str = "utf-8"):
    data = {"file": (io.BytesIO(content.encode(encoding)), "people.csv")}
    return post(
        client,
        f"/programmes/{programme.id}/people/import",
        data,
        content_type="multipart/form-data",
    )


def _people() -> set[str]:
    return {p.email for p in Person.select()} - {"cora@example.org"}


def test_it_previews_then_imports_on_confirmation(cora, programme, tmp_path):
    response = upload(cora, programme, GOOD, "cp1252")
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    # The preview says what would happen and writes nothing
    page = text(cora.get(preview_url))
    assert 'id="count-created">2<' in page and "Maria López" in page
    assert "separated by semicolons" in page
    assert _people() == set()
    # The file waits on the server under a random name, not in the page
    assert len(list((tmp_path / "imports").iterdir())) == 1
    assert GOOD.splitlines()[1] not in page.split('id="confirm"')[1].split("</form>")[0]
    # Confirming imports it and says how many
    response = post(cora, preview_url)
    assert response.status_code == 302
    assert _people() == {"john@example.org", "maria@example.org"}
    assert "Imported: created 2, updated 0, unchanged 0." in text(
        cora.get(response.headers["Location"])
    )
    assert list((tmp_path / "imports").iterdir()) == []
    event = AuditEvent.get(AuditEvent.verb == "people.imported")
    assert event.actor.startswith("user:") and event.data["created"] == 2


def test_it_lists_every_bad_row_by_line_and_imports_nothing_until_told(cora, programme):
    preview_url = upload(cora, programme, BAD).headers["Location"]
    page = text(cora.get(preview_url))
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td></tr>", page.split('id="bad-rows"')[1])
    assert [(int(line), reason[:40]) for line, reason in rows] == [
        (3, "bad email syntax: &#39;maria(at)example."),
        (6, "duplicate email john@example.org (first "),
    ]
    # Confirming without skipping imports nothing and says why beside the choice
    response = post(cora, preview_url)
    assert response.status_code == 400
    assert 'id="skip_bad-error"' in text(response)
    assert _people() == set()
    # Skipping the bad rows imports the others
    response = post(cora, preview_url, {"skip_bad": "1"})
    assert response.status_code == 302
    assert _people() == {"john@example.org", "ken@example.org"}
    assert Membership.select().where(Membership.role == "stakeholder").count() == 2


def test_a_corrected_file_imports_and_a_second_import_creates_nobody_twice(cora, programme):
    upload(cora, programme, BAD)
    fixed = BAD.replace("maria(at)example.org", "maria@example.org").replace(
        "J. Smith,JOHN@example.org,UTC,HR,stakeholder\r\n", ""
    )
    post(cora, upload(cora, programme, fixed).headers["Location"])
    assert len(_people()) == 3
    again = text(cora.get(upload(cora, programme, fixed).headers["Location"]))
    assert 'id="count-created">0<' in again and 'id="count-unchanged">3<' in again


def test_it_explains_a_file_it_cannot_read_beside_the_file_field(cora, programme):
    response = upload(cora, programme, "Name,Department\r\nJohn,HR\r\n")
    assert response.status_code == 302
    page = cora.get(response.headers["Location"])
    assert page.status_code == 400
    assert 'id="file-error"' in text(page) and "no email column" in text(page)
    assert post(cora, f"/programmes/{programme.id}/people/import").status_code == 400


def test_an_upload_opens_only_for_its_uploader(cora, programme, client, db):
    preview_url = upload(cora, programme, GOOD).headers["Location"]
    other = client.application.test_client()
    make_login("olga@example.org", "Olga", programme=programme)
    log_in(other, "olga@example.org")
    response = other.get(preview_url)
    assert response.status_code == 302 and response.headers["Location"].endswith("/people/import")
    assert post(other, preview_url).status_code == 302
    assert _people() == {"olga@example.org"}


def test_the_export_imports_back_unchanged(cora, programme):
    post(cora, upload(cora, programme, GOOD).headers["Location"])
    exported = cora.get(f"/programmes/{programme.id}/people/export.csv")
    assert exported.headers["Content-Disposition"] == (
        'attachment; filename="retention-review-people.csv"'
    )
    content = exported.get_data().decode("utf-8-sig")
    assert content.splitlines()[0] == "Name,Email,Aliases,Time zone,Department,Language,Role,Active"
    again = text(cora.get(upload(cora, programme, content).headers["Location"]))
    assert 'id="count-created">0<' in again and 'id="count-updated">0<' in again
