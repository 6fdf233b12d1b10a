"""The workspace commands, as scripts call them: ids, exit codes, line reports, CSV out."""

from __future__ import annotations

import pytest

from models import AuditEvent, Membership, Person, Programme
from web import cli_workspace

HEADER = "Name,Email,Time zone,Department,Role"


@pytest.fixture
def cli(app, runner):
    """Invoke ``flask --app web ...`` with the workspace commands registered."""
    if "people" not in app.cli.commands:
        cli_workspace.init_app(app)
    return lambda *args: runner.invoke(args=list(args))


@pytest.fixture
def programme_id(cli) -> int:
    result = cli("programme", "create", "Heads 2026", "--kind", "followup")
    return int(result.output.splitlines()[-1])


def write(tmp_path, *lines: str, name: str = "people.csv", encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes("".join(line + "\r\n" for line in lines).encode(encoding))
    return str(path)


def test_programme_create_prints_the_id_alone_on_its_last_line(cli):
    result = cli(
        "programme", "create", "Prefects 2026", "--kind", "mentoring", "--timezone", "Asia/Tokyo"
    )
    assert result.exit_code == 0, result.output
    programme = Programme.get_by_id(int(result.output.splitlines()[-1]))
    assert (programme.name, programme.kinds, programme.timezone) == (
        "Prefects 2026",
        ("mentoring",),
        "Asia/Tokyo",
    )
    assert AuditEvent.get(AuditEvent.verb == "programme.created").actor.startswith("cli")


def test_programme_create_takes_several_kinds(cli):
    result = cli("programme", "create", "Both", "--kind", "followup", "--kind", "tracking")
    programme = Programme.get_by_id(int(result.output.splitlines()[-1]))
    assert programme.kinds == ("followup", "tracking")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--kind", "coaching"], "the kind must be followup, mentoring, tracking"),
        (["--kind", "followup", "--timezone", "Mars/Base"], "unknown time zone 'Mars/Base'"),
    ],
)
def test_programme_create_refuses_bad_values(cli, args, message):
    result = cli("programme", "create", "X", *args)
    assert result.exit_code == 1
    assert message in result.output
    assert Programme.select().count() == 0


def test_programme_list_hides_archived_programmes(cli, programme_id):
    cli("programme", "create", "Old", "--kind", "followup")
    old = Programme.get(Programme.name == "Old")
    assert cli("programme", "archive", str(old.id)).output.strip() == "Archived."
    listed = cli("programme", "list").output
    assert "Heads 2026" in listed and "Old" not in listed
    assert "Old\tarchived" in cli("programme", "list", "--all").output


def test_people_import_exits_0_and_reports_counts(cli, programme_id, tmp_path):
    path = write(
        tmp_path, HEADER, "Ada,ada@example.org,Europe/London,Maths,", "Bob,bob@example.org"
    )
    result = cli("people", "import", path, "--programme", str(programme_id))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "created 2, updated 0, unchanged 0"
    assert Membership.select().where(Membership.role == "stakeholder").count() == 2
    again = cli("people", "import", path, "--programme", str(programme_id))
    assert again.output.splitlines()[-1] == "created 0, updated 0, unchanged 2"


def test_people_import_with_bad_rows_writes_nothing_and_exits_65(cli, programme_id, tmp_path):
    # Given a semicolon file in Windows-1252 with two bad rows, one after a two-line cell
    path = write(
        tmp_path,
        "Full name;E-mail;Timezone;Organisation;Role",
        'Zoë;zoe@example.org;Europe/Paris;"Études\nsupérieures";stakeholder',
        "Bob;bob@example;UTC;;stakeholder",
        "Cy;ZOE@example.org;UTC;;stakeholder",
        encoding="cp1252",
    )
    # When it is imported
    result = cli("people", "import", path, "--programme", str(programme_id))
    # Then each bad row is reported by its physical line, nothing is written, and it exits 65
    assert result.exit_code == 65
    assert result.stdout.splitlines() == [
        "line 4: bad email syntax: 'bob@example'",
        "line 5: duplicate email zoe@example.org (first on line 2)",
    ]
    assert "nothing imported" in result.stderr
    assert Person.select().count() == 0


def test_people_import_skip_invalid_imports_the_rest(cli, programme_id, tmp_path):
    path = write(tmp_path, HEADER, "Ada,ada@example.org", "Bob,bob@,Nowhere")
    args = ("people", "import", path, "--programme", str(programme_id), "--skip-invalid")
    result = cli(*args)
    assert result.exit_code == 0
    assert result.output.splitlines()[0].startswith("line 3: bad email syntax: 'bob@'")
    assert result.output.splitlines()[-1] == (
        "created 1, updated 0, unchanged 0, skipped 1 bad row(s)"
    )
    assert [p.email for p in Person.select()] == ["ada@example.org"]


def test_people_import_dry_run_writes_nothing(cli, programme_id, tmp_path):
    path = write(tmp_path, HEADER, "Ada,ada@example.org")
    result = cli("people", "import", path, "--programme", str(programme_id), "--dry-run")
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == "would create 1, update 0, unchanged 0"
    assert Person.select().count() == 0
    bad = write(tmp_path, HEADER, "Ada,ada@", name="bad.csv")
    result = cli("people", "import", bad, "--programme", str(programme_id), "--dry-run")
    assert result.exit_code == 65


def test_people_import_refuses_an_unreadable_file_with_65(cli, programme_id, tmp_path):
    path = write(tmp_path, "Name,Phone", "Ada,123")
    result = cli("people", "import", path, "--programme", str(programme_id))
    assert result.exit_code == 65
    assert "line 1: no email column" in result.output


def test_people_import_needs_an_existing_programme(cli, tmp_path):
    path = write(tmp_path, HEADER, "Ada,ada@example.org")
    result = cli("people", "import", path, "--programme", "999")
    assert result.exit_code == 1 and "no programme with id 999" in result.output


def test_a_large_import_shows_progress_on_standard_error(cli, programme_id, tmp_path):
    rows = [f"Person {i},p{i}@example.org" for i in range(1500)]
    path = write(tmp_path, "Name,Email", *rows)
    result = cli("people", "import", path, "--programme", str(programme_id))
    assert result.exit_code == 0
    assert "Checking" in result.stderr and "Importing" in result.stderr
    assert "1500/1500" in result.stderr
    assert result.stdout == "created 1500, updated 0, unchanged 0\n"


def test_people_export_writes_csv_that_imports_unchanged(cli, programme_id, tmp_path):
    # Given people imported into the programme
    path = write(tmp_path, HEADER, '"Lovelace, Ada",ada@example.org,Asia/Tokyo,Maths', "Bob,b@x.io")
    cli("people", "import", path, "--programme", str(programme_id))
    # When they are exported to standard output and the file is imported again
    exported = cli("people", "export", "--programme", str(programme_id))
    assert exported.exit_code == 0
    assert exported.stdout.splitlines()[:3] == [
        "Name,Email,Aliases,Time zone,Department,Language,Role,Active",
        "Bob,b@x.io,,UTC,,,stakeholder,yes",
        '"Lovelace, Ada",ada@example.org,,Asia/Tokyo,Maths,,stakeholder,yes',
    ]
    again = tmp_path / "again.csv"
    again.write_text(exported.stdout)
    result = cli("people", "import", str(again), "--programme", str(programme_id))
    # Then nothing changes
    assert result.output.splitlines()[-1] == "created 0, updated 0, unchanged 2"
