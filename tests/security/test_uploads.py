"""Uploaded files stay in their folder under names Tandem makes, and come back only as
downloads a browser will not run as a page.

Covered: the people CSV import (kept between preview and confirmation), the mentoring
library's files (served behind a signed link) and the files participants send with their
submissions (workers/assignments/files.py).
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
import stat

import pytest

from models import Programme, Resource
from tests.mentoring.mentoring_data import make_programme as make_mentoring
from tests.web.pages import log_in, make_login, post
from workers import settings as settings_mod
from workers.assignments import files as stored_files
from workers.mentoring.resources import file_link

#: File names an attacker sends, hoping to write or read outside the folder.
ESCAPES = [
    "../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "/etc/passwd",
    "C:\\Windows\\win.ini",
    "notes\x00.csv",
    "....//....//etc/passwd",
    "%2e%2e%2fetc%2fpasswd",
]

#: A page that would run script if a browser rendered it.
PAGE = b"<html><body><script>alert(document.cookie)</script></body></html>"


def files_in(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def importer(client, db, tmp_path):
    """A coordinator on the CSV import page, with uploads kept in a folder of the test's."""
    programme = Programme.create(name="Retention", kind="followup", timezone="Europe/London")
    client.application.config["IMPORT_DIR"] = str(tmp_path / "imports")
    make_login("cora@example.org", "Cora", programme=programme)
    log_in(client, "cora@example.org")
    return client, programme, tmp_path / "imports"


@pytest.mark.parametrize("name", ESCAPES)
def test_an_imported_csv_is_kept_inside_its_folder_under_a_name_of_tandems(importer, name):
    client, programme, folder = importer
    content = b"Name,Email\nNed,ned@example.org\n"
    # When a file named to escape the folder is uploaded
    answer = post(
        client,
        f"/programmes/{programme.id}/people/import",
        {"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )
    if "\x00" in name:  # refused before anything is kept: no database could store the name
        assert answer.status_code == 400
        assert not folder.exists() or files_in(folder) == []
        return
    # Then it is kept in the import folder alone, under a random name, readable by Tandem only
    assert answer.status_code == 302
    [kept] = files_in(folder)
    assert re.fullmatch(rf"p{programme.id}-u\d+-[A-Za-z0-9_-]{{32}}\.csv", kept), kept
    assert stat.S_IMODE(os.stat(folder / kept).st_mode) == 0o600
    assert (folder / kept).read_bytes() == content


@pytest.mark.parametrize(
    "token", ["..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "x%00y", "." * 32, "a" * 31 + "/"]
)
def test_a_made_up_import_token_opens_no_file(importer, token):
    client, programme, _ = importer
    answer = client.get(f"/programmes/{programme.id}/people/import/{token}")
    # Refused as a route (404) or sent back to the upload form: nothing was read
    assert answer.status_code in (302, 404)
    if answer.status_code == 302:
        assert answer.headers["Location"].endswith("/people/import")


@pytest.fixture
def library(client, db):
    """A coordinator of a mentoring programme, logged in on its library."""
    world = make_mentoring()
    programme = world["programme"]
    make_login("lib@example.org", "Libby", programme=programme)
    log_in(client, "lib@example.org")
    return client, programme


def add_file(client, programme, name: str, data: bytes, content_type: str):
    form = {"title": "Guide", "tags": "start", "file": (io.BytesIO(data), name, content_type)}
    return post(
        client,
        f"/mentoring/{programme.id}/resources",
        form,
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("../../guide.html", "text/html"),
        ("/etc/guide.svg", "image/svg+xml"),
        ("..\\guide.xhtml", "application/xhtml+xml; charset=utf-8"),
        ("guide.html", "TEXT/HTML"),
    ],
)
def test_a_library_file_is_never_served_as_a_page(library, app, name, content_type):
    client, programme = library
    # Given a page uploaded to the library under an escaping name and a markup type
    assert add_file(client, programme, name, PAGE, content_type).status_code == 302
    resource = Resource.get()
    assert "/" not in resource.filename and "\\" not in resource.filename
    # When someone follows its link from an email (no login)
    path = re.sub(r"^https?://[^/]+", "", file_link(resource))
    answer = app.test_client().get(path)
    # Then it comes as a download of plain bytes, which the browser may neither sniff nor run
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/octet-stream"
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in answer.headers["Content-Security-Policy"]
    assert "/" not in answer.headers["Content-Disposition"].split("filename", 1)[1]
    assert answer.get_data() == PAGE


@pytest.mark.parametrize("where", ["file name", "title"])
def test_a_nul_character_is_refused_before_anything_is_kept(library, where):
    # PostgreSQL cannot store NUL: it is refused with a clear 400, on SQLite as well
    client, programme = library
    name, title = ("guide\x00.html", "Guide") if where == "file name" else ("g.pdf", "Gui\x00de")
    form = {"title": title, "tags": "", "file": (io.BytesIO(b"%PDF-1.4"), name, "application/pdf")}
    answer = post(
        client, f"/mentoring/{programme.id}/resources", form, content_type="multipart/form-data"
    )
    assert answer.status_code == 400
    assert "NUL character" in answer.get_data(as_text=True)
    assert Resource.select().count() == 0


def test_a_pdf_in_the_library_keeps_its_type_but_still_downloads(library, app):
    client, programme = library
    add_file(client, programme, "guide.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    path = re.sub(r"^https?://[^/]+", "", file_link(Resource.get()))
    answer = app.test_client().get(path)
    assert answer.headers["Content-Type"] == "application/pdf"
    assert answer.headers["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("name", ESCAPES)
def test_a_submitted_files_name_is_cleaned_of_folders_and_control_characters(name):
    clean = stored_files.clean_name(name)
    assert "/" not in clean and "\\" not in clean and "\x00" not in clean
    assert not clean.startswith(".")


@pytest.fixture
def upload_dir(db, tmp_path):
    saved = settings_mod.get()
    settings_mod.configure(dataclasses.replace(saved, upload_dir=str(tmp_path / "uploads")))
    yield tmp_path / "uploads"
    settings_mod.configure(saved)


def test_a_submitted_file_is_stored_inside_the_folder_under_a_random_name(upload_dir):
    names = {stored_files.store(PAGE) for _ in range(20)}
    assert len(names) == 20
    assert files_in(upload_dir) == sorted(names)
    assert all(re.fullmatch(r"[0-9a-f]{32}", n) for n in names)
    assert stat.S_IMODE(os.stat(upload_dir).st_mode) == 0o700


@pytest.mark.parametrize("name", [*ESCAPES, "", "0" * 31, "0" * 33, "0" * 32 + "/..", "G" * 32])
def test_only_names_tandem_makes_lead_to_a_stored_file(upload_dir, name):
    with pytest.raises(FileNotFoundError):
        stored_files.stored_path(name)


def test_a_page_sent_as_a_submission_is_refused_as_text(upload_dir):
    # Markup is never accepted as plain text, whatever the mail client said it was
    assert stored_files.sniff(PAGE) == ""
    assert stored_files.sniff(b"<svg onload=alert(1)>") == ""
