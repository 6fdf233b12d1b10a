"""Markup people type stays text: in the coordinator's pages, in HTML emails, in PDFs, and
in CSV files a spreadsheet opens (where a leading = + - @ would make a formula).

Names, titles, subjects, replies, CSV cells and uploaded file names are set to hostile
values; then the real pages are rendered as a logged-in coordinator, the real emails Tandem
queued are rendered, and the real PDF and CSV bytes are read back.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from pypdf import PdfReader

from models import (
    ActionItem,
    Cycle,
    InboundMessage,
    Membership,
    Metric,
    OutboundEmail,
    Person,
    Programme,
)
from tests import mailfactory as mf
from tests.followup_data import make_programme
from tests.web.pages import log_in, make_login, post, text
from workers.followup import trigger
from workers.inbound import store as inbound_store
from workers.inbound import worker as inbound_worker
from workers.mentoring.certificates import Certificate, render_certificate
from workers.outbound.delivery import context_of
from workers.outbound.render import render
from workers.tracking.export import to_csv

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'

#: What each payload looks like once escaped (Jinja writes " as &#34;).
ESCAPED = {
    SCRIPT: "&lt;script&gt;alert(1)&lt;/script&gt;",
    IMG: "&lt;img src=x onerror=alert(1)&gt;",
}

#: Cells a spreadsheet would run as formulas.
FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+2", "-2+3", "@SUM(A1:A9)"]


def assert_inert(html: str, *, shown: tuple[str, ...] = (SCRIPT, IMG)) -> None:
    """Assert no payload is live markup in ``html``, and each of ``shown`` appears escaped."""
    assert "<script>alert" not in html
    assert "<img src=x onerror" not in html and "onerror=alert(1)>" not in html
    for payload in shown:
        assert ESCAPED[payload] in html, payload


@pytest.fixture
def hostile(db):
    """A follow-up programme whose every name, title and reply carries markup."""
    world = make_programme()
    programme, cycle = world["programme"], world["cycle"]
    john = world["people"]["john"]
    Programme.update(name=f"Retention {SCRIPT}").where(Programme.id == programme.id).execute()
    Cycle.update(title=f"Follow-up {IMG}").where(Cycle.id == cycle.id).execute()
    Person.update(name=f"John {SCRIPT}").where(Person.id == john.id).execute()
    ActionItem.update(title=f"Exit {IMG}").where(ActionItem.owner == john).execute()
    Metric.update(name=f"Rate {SCRIPT}").where(Metric.name == "Retention rate").execute()
    return world


@pytest.fixture
def coordinator(client, hostile):
    make_login("cora@example.org", "Cora", programme=hostile["programme"])
    log_in(client, "cora@example.org")
    return client


def test_programme_cycle_people_and_items_pages_escape_what_people_typed(coordinator, hostile):
    pid, cid = hostile["programme"].id, hostile["cycle"].id
    trigger.trigger(cid)
    pages = {
        "programme": (f"/programmes/{pid}", (SCRIPT,)),
        "cycle": (f"/cycles/{cid}", (SCRIPT, IMG)),
        "people": (f"/programmes/{pid}/people", (SCRIPT,)),
        "items": (f"/programmes/{pid}/items", (IMG,)),
        "metrics": (f"/programmes/{pid}/metrics", (SCRIPT,)),
    }
    for name, (path, shown) in pages.items():
        page = coordinator.get(path)
        assert page.status_code == 200, (name, page.status_code)
        assert_inert(text(page), shown=shown)


def test_a_quarantined_reply_is_shown_escaped(coordinator, hostile):
    # Given a reply with markup in its sender's name, its subject and its words
    raw = mf.reply(
        f"Eve {SCRIPT} <eve@example.org>",
        "tandem@tandem.test",
        f"Done {IMG} {SCRIPT}",
        subject=f"Re: {SCRIPT}",
    )
    row, _ = inbound_store.store_raw(raw, "smtp")
    inbound_worker.process(row.id)
    assert InboundMessage.get_by_id(row.id).status == "quarantined"
    coordinator.application.config["TESTING"] = True
    # Then the list and the message's page show it as text (an administrator sees it all)
    make_login("root@example.org", "Root", role="admin")
    admin = coordinator.application.test_client()
    log_in(admin, "root@example.org")
    assert_inert(text(admin.get("/quarantine/")), shown=(SCRIPT,))
    assert_inert(text(admin.get(f"/quarantine/{row.id}")))


def test_the_tracking_dashboard_escapes_names(coordinator, hostile):
    Programme.update(kind="followup,tracking").where(
        Programme.id == hostile["programme"].id
    ).execute()
    page = coordinator.get(f"/programmes/{hostile['programme'].id}/tracking")
    assert page.status_code == 200
    assert_inert(text(page), shown=(SCRIPT,))


def upload(client, programme_id: int, content: str, filename: str):
    data = {"file": (io.BytesIO(content.encode()), filename)}
    path = f"/programmes/{programme_id}/people/import"
    return post(client, path, data, content_type="multipart/form-data")


def test_a_csv_import_shows_hostile_cells_and_file_names_escaped(coordinator, hostile, tmp_path):
    coordinator.application.config["IMPORT_DIR"] = str(tmp_path)
    # Given a CSV file with markup in a name, a department and its own file name
    content = f"Name,Email,Department\nNed {SCRIPT},ned@example.org,{IMG}\n"
    answer = upload(coordinator, hostile["programme"].id, content, f"{SCRIPT}.csv")
    # Then the file is kept under a name of Tandem's own, and the preview escapes the cells
    assert answer.status_code == 302
    assert [p.name for p in tmp_path.iterdir() if "script" in p.name or "<" in p.name] == []
    preview = coordinator.get(answer.headers["Location"])
    assert_inert(text(preview), shown=(SCRIPT,))


def test_html_emails_escape_names_titles_and_items(hostile):
    # Given the hostile programme's cycle, triggered: invitations and update requests
    trigger.trigger(hostile["cycle"].id)
    emails = list(OutboundEmail.select())
    assert len(emails) >= 6
    seen = set()
    for email in emails:
        # When each email is rendered as it is sent
        subject, body, html = render(email.kind, context_of(email))
        # Then no payload is live markup in its HTML
        assert "<script>alert" not in html and "<img src=x onerror" not in html, email.kind
        seen |= {p for p, escaped in ESCAPED.items() if escaped in html}
        # And the subject line is one line of plain text
        assert "\n" not in subject
    # And the payloads were in them, escaped (the test reached them)
    assert seen == {SCRIPT, IMG}


def pdf_text(data: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(page.extract_text() for page in reader.pages), reader


@pytest.mark.parametrize(
    "name",
    [
        SCRIPT,
        IMG,
        "Ada) Tj ET BT /F1 72 Tf (owned",
        "Ada\\) \\\\ (x",
        "Ada\n/JavaScript (app.alert(1))",
    ],
)
def test_a_certificate_prints_any_name_as_text_and_runs_nothing(name):
    # Given a certificate whose name and goal try markup, PDF string breaks and PDF actions
    cert = Certificate(
        programme=f"Prefects {SCRIPT}",
        person=name,
        goal=f"Lead {IMG}",
        milestone="reached",
        measure="/OpenAction << /S /JavaScript /JS (app.alert(1)) >>",
        on=dt.date(2026, 11, 20),
    )
    # When it is rendered and read back
    data = render_certificate(cert)
    words, reader = pdf_text(data)
    # Then the name and goal print as typed (whitespace made single), one page, no action
    assert " ".join(name.split()) in " ".join(words.split())
    assert " ".join(f"Lead {IMG}".split()) in " ".join(words.split())
    assert len(reader.pages) == 1
    catalog = reader.trailer["/Root"]
    # Opening shows the first page (a destination), and runs no action
    assert isinstance(catalog.get("/OpenAction", []), list)
    assert "/AA" not in catalog and "/Names" not in catalog and "/AcroForm" not in catalog
    for page in reader.pages:
        assert "/Annots" not in page and "/AA" not in page
    # And the title the viewer shows is the name as typed, inside a PDF string
    assert reader.metadata.title == f"Certificate: {name}"


@pytest.mark.parametrize("formula", FORMULAS)
def test_tracking_csv_cells_never_start_a_formula(formula):
    rows = list(csv.reader(io.StringIO(to_csv([["name", "reason"], [formula, f" {formula}"]]))))
    assert rows[1][0] == "'" + formula
    assert rows[1][1] == f" {formula}"  # a leading space is not a formula


@pytest.mark.parametrize("formula", FORMULAS)
def test_the_people_export_never_starts_a_formula_and_imports_back(
    coordinator, hostile, tmp_path, formula
):
    coordinator.application.config["IMPORT_DIR"] = str(tmp_path)
    pid = hostile["programme"].id
    ned = Person.create(name=formula, email="ned@example.org", department=formula)
    Membership.create(programme=pid, person=ned, role="stakeholder")
    # When the coordinator exports the programme's people
    exported = coordinator.get(f"/programmes/{pid}/people/export.csv")
    content = exported.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    # Then no cell starts with a character a spreadsheet reads as a formula
    assert not [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@")]
    [neds] = [row for row in rows if row[1] == "ned@example.org"]
    assert neds[0] == neds[4] == "'" + formula
    # And importing the file back changes nobody: the apostrophe is taken off again
    again = text(coordinator.get(upload(coordinator, pid, content, "p.csv").headers["Location"]))
    assert 'id="count-updated">0<' in again, again[:2000]
    assert 'id="count-created">0<' in again
