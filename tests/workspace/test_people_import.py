"""People import: checks by line, matching, all-or-nothing, audit, and the export round trip."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from models import AuditEvent, EmailAlias, Membership, MentorProfile, Person, clock
from workers.workspace.errors import CsvFileError, InvalidRowsError
from workers.workspace.people import add_membership, add_person
from workers.workspace.people_export import export_csv
from workers.workspace.people_import import apply_plan, import_people
from workers.workspace.people_plan import plan_import
from workers.workspace.programmes import create_programme

HEADER = "Name,Email,Time zone,Department,Role"


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return "".join(line + "\r\n" for line in lines).encode(encoding)


@pytest.fixture
def programme(db):
    return create_programme("Prefects 2026", "mentoring,followup", timezone="Europe/London")


def people() -> dict[str, Person]:
    return {person.email: person for person in Person.select()}


def roles(programme) -> set[tuple[str, str]]:
    query = (
        Membership.select(Membership, Person).join(Person).where(Membership.programme == programme)
    )
    return {(m.person.email, m.role) for m in query}


def test_it_imports_people_with_their_roles(programme):
    data = csv_bytes(
        HEADER,
        "Ada Lovelace,Ada@Example.org,Europe/London,Maths,stakeholder",
        "Grace Hopper,grace@example.org,america/new_york,Navy,Mentor; Facilitator",
    )
    _, result = import_people(data, programme)
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    ada, grace = people()["ada@example.org"], people()["grace@example.org"]
    assert (ada.name, ada.timezone, ada.department) == ("Ada Lovelace", "Europe/London", "Maths")
    assert grace.timezone == "America/New_York"
    assert roles(programme) == {
        ("ada@example.org", "stakeholder"),
        ("grace@example.org", "mentor"),
        ("grace@example.org", "facilitator"),
    }


@pytest.mark.parametrize(
    "header",
    [
        "Full name,E-mail,Timezone,Organisation,Role",
        "NAME,EMAIL ADDRESS,TIME ZONE,SCHOOL,ROLE",
        "name;e-mail address;time_zone;department;role",
        "First name,Last name,Email,Time Zone,Organization,Roles",
    ],
)
def test_it_reads_header_names_in_any_case_with_synonyms(programme, header):
    delimiter = ";" if ";" in header else ","
    cells = ["Ada", "Lovelace"] if header.startswith("First") else ["Ada Lovelace"]
    cells += ["ada@example.org", "Europe/Paris", "Maths", "mentor"]
    import_people(csv_bytes(header, delimiter.join(cells)), programme)
    ada = people()["ada@example.org"]
    assert (ada.name, ada.timezone, ada.department) == ("Ada Lovelace", "Europe/Paris", "Maths")
    assert roles(programme) == {("ada@example.org", "mentor")}


@pytest.mark.parametrize(
    "row, reason",
    [
        ("Bo,bo@@example.org,,,mentor", "bad email syntax: 'bo@@example.org'"),
        ("Bo,bo.example.org,,,mentor", "bad email syntax"),
        ("Bo,,,,mentor", "the email is missing"),
        ("Bo,bo@example.org,Mars/Olympus,,mentor", "unknown time zone 'Mars/Olympus'"),
        ("Bo,bo@example.org,,,boss", "unknown role 'boss'"),
        (",bo@example.org,,,mentor", "the name is missing"),
        ("Bo,bo@example.org,,,mentor,extra", "6 cells but the header has 5"),
    ],
)
def test_it_reports_a_bad_row_by_line_with_the_reason(programme, row, reason):
    data = csv_bytes(HEADER, "Ada,ada@example.org,,,mentor", row)
    plan = plan_import(data, programme)
    [bad] = plan.bad
    assert bad.line == 3
    assert reason in bad.reason
    assert str(bad).startswith("line 3: ")


def test_every_problem_in_a_row_is_listed(programme):
    plan = plan_import(csv_bytes(HEADER, "Bo,bo@,Mars/Olympus,,boss"), programme)
    [bad] = plan.bad
    assert bad.reason == (
        "bad email syntax: 'bo@'; unknown time zone 'Mars/Olympus' (use an IANA name:"
        " Europe/London); unknown role 'boss' (one of stakeholder, mentor, mentee, participant,"
        " facilitator, coordinator)"
    )


def test_a_duplicate_email_names_the_line_of_the_first(programme):
    data = csv_bytes(
        HEADER,
        '"Ada\nLovelace",ada@example.org,,,mentor',  # lines 2-3
        "Bob,bob@example.org,,,mentee",  # line 4
        "Ada again,ADA@EXAMPLE.ORG,,,mentee",  # line 5
    )
    plan = plan_import(data, programme)
    assert [str(bad) for bad in plan.bad] == [
        "line 5: duplicate email ada@example.org (first on line 2)"
    ]


def test_physical_lines_count_line_breaks_in_quoted_cells(programme):
    data = csv_bytes(
        "Name;Email;Department;Role",
        '"Ada";ada@example.org;"Maths\nand\nPhysics";mentor',  # lines 2-4
        "",  # line 5
        "Bob;bob@;Art;mentee",  # line 6
        '"Cy\r\nDee";cy@example.org;;cook',  # lines 7-8
    )
    plan = plan_import(data, programme)
    assert [(bad.line, bad.reason[:19]) for bad in plan.bad] == [
        (6, "bad email syntax: '"),
        (7, "unknown role 'cook'"),
    ]


def test_any_bad_row_means_nothing_is_written(programme):
    # Given a file of good rows and one bad one
    data = csv_bytes(HEADER, "Ada,ada@example.org,,,mentor", "Bob,bob@example.org,Nowhere,,mentee")
    # When it is imported without skipping
    with pytest.raises(InvalidRowsError) as raised:
        import_people(data, programme)
    # Then nobody, no role and no audit entry were written
    assert [str(bad) for bad in raised.value.bad] == [
        "line 3: unknown time zone 'Nowhere' (use an IANA name: Europe/London)"
    ]
    assert Person.select().count() == 0
    assert Membership.select().count() == 0
    assert AuditEvent.select().where(AuditEvent.verb != "programme.created").count() == 0


def test_a_failure_while_writing_rolls_back_every_batch(programme):
    # Given a file larger than one batch of inserts
    rows = [f"P{i},p{i}@example.org,,,mentee" for i in range(1200)]
    plan = plan_import(csv_bytes(HEADER, *rows), programme)
    calls = []

    def fail_after_the_first_batch(count: int) -> None:
        calls.append(count)
        raise RuntimeError("the disk is full")

    # When writing fails after the first batch of people went in
    with pytest.raises(RuntimeError):
        apply_plan(plan, progress=fail_after_the_first_batch)
    # Then that batch was rolled back too
    assert calls == [500]
    assert Person.select().count() == 0
    assert MentorProfile.select().count() == 0


def test_skip_invalid_imports_the_good_rows(programme):
    data = csv_bytes(HEADER, "Ada,ada@example.org,,,mentor", "Bob,bob@,,,mentee")
    plan, result = import_people(data, programme, skip_invalid=True)
    assert (result.created, result.skipped) == (1, 1)
    assert set(people()) == {"ada@example.org"}


def test_a_dry_run_writes_nothing(programme):
    data = csv_bytes(HEADER, "Ada,ada@example.org,,,mentor")
    plan, result = import_people(data, programme, dry_run=True)
    assert result is None and len(plan.created) == 1
    assert Person.select().count() == 0


def test_reimporting_creates_nobody_twice_and_counts_changes(programme):
    # Given Ada and Bob imported once
    first = csv_bytes(HEADER, "Ada,ada@example.org,,,mentor", "Bob,bob@example.org,,,mentee")
    import_people(first, programme)
    # When the file comes back with Bob in another zone, upper-case emails, and Cy added
    again = csv_bytes(
        HEADER,
        "Ada,ADA@example.org,,,mentor",
        "Bob,Bob@Example.org,Asia/Tokyo,,mentee",
        "Cy,cy@example.org,,,mentee",
    )
    _, result = import_people(again, programme)
    # Then Cy is created, Bob updated, Ada unchanged, and nobody exists twice
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    assert Person.select().count() == 3
    assert people()["bob@example.org"].timezone == "Asia/Tokyo"


def test_blank_cells_keep_what_tandem_has(programme):
    import_people(csv_bytes(HEADER, "Ada,ada@example.org,Asia/Tokyo,Maths,mentor"), programme)
    _, result = import_people(csv_bytes(HEADER, ",ada@example.org,,,"), programme)
    ada = people()["ada@example.org"]
    assert (ada.name, ada.timezone, ada.department) == ("Ada", "Asia/Tokyo", "Maths")
    assert result.unchanged == 1


def test_a_new_person_gets_the_programmes_time_zone(programme):
    import_people(csv_bytes(HEADER, "Ada,ada@example.org,,,mentor"), programme)
    assert people()["ada@example.org"].timezone == "Europe/London"


def test_people_are_matched_by_alias(programme):
    ada = add_person("Ada", "ada@example.org")
    EmailAlias.create(person=ada, email="ada@home.example.net")
    _, result = import_people(csv_bytes(HEADER, "Ada,ADA@home.example.net,,,mentor"), programme)
    assert (result.created, result.updated) == (0, 1)
    assert roles(programme) == {("ada@example.org", "mentor")}


def test_a_person_from_another_programme_joins_this_one(programme):
    other = create_programme("Heads", "followup")
    ada = add_person("Ada", "ada@example.org")
    add_membership(other, ada, "stakeholder")
    _, result = import_people(csv_bytes(HEADER, "Ada,ada@example.org,,,mentor"), programme)
    assert (result.created, result.updated) == (0, 1)
    assert roles(other) == {("ada@example.org", "stakeholder")}
    assert roles(programme) == {("ada@example.org", "mentor")}


def test_an_alias_that_is_someone_elses_address_is_a_bad_row(programme):
    add_person("Bob", "bob@example.org")
    data = csv_bytes("Name,Email,Aliases,Role", "Ada,ada@example.org,bob@example.org,mentor")
    plan = plan_import(data, programme)
    assert [str(bad) for bad in plan.bad] == [
        "line 2: alias bob@example.org is another person's address"
    ]


def test_two_rows_naming_one_person_by_address_and_alias_are_refused(programme):
    ada = add_person("Ada", "ada@example.org")
    EmailAlias.create(person=ada, email="ada@home.example.net")
    data = csv_bytes(HEADER, "Ada,ada@example.org,,,mentor", "Ada,ada@home.example.net,,,mentee")
    plan = plan_import(data, programme)
    assert [str(bad) for bad in plan.bad] == [
        "line 3: ada@home.example.net is the same person as line 2"
    ]


def test_a_row_without_a_role_takes_a_single_kind_programmes_default(db):
    followup = create_programme("Heads", "followup")
    mentoring = create_programme("Pairs", "mentoring")
    data = csv_bytes("Name,Email", "Ada,ada@example.org")
    import_people(data, followup)
    assert roles(followup) == {("ada@example.org", "stakeholder")}
    plan = plan_import(data, mentoring)
    assert [str(bad) for bad in plan.bad] == [
        "line 2: the role is missing (one of stakeholder, mentor, mentee, participant,"
        " facilitator, coordinator)"
    ]


def test_a_file_without_an_email_column_is_refused(programme):
    with pytest.raises(CsvFileError, match="line 1: no email column"):
        plan_import(csv_bytes("Name,Phone", "Ada,123"), programme)


def test_two_email_columns_are_refused(programme):
    with pytest.raises(CsvFileError, match="'Email' and 'E-mail' both hold the email"):
        plan_import(csv_bytes("Name,Email,E-mail", "Ada,a@example.org,b@example.org"), programme)


def test_of_two_synonyms_the_first_column_is_read(programme):
    data = csv_bytes(
        "Name,Email,Department,School,Phone,Role", "Ada,a@example.org,Maths,Kings,1,mentor"
    )
    plan = plan_import(data, programme)
    assert plan.ignored_columns == ["School", "Phone"]
    assert plan.created[0].row.department == "Maths"


def test_the_active_column_deactivates_and_reactivates(programme):
    header = "Name,Email,Role,Active"
    import_people(csv_bytes(header, "Ada,ada@example.org,mentor,yes"), programme)
    import_people(csv_bytes(header, "Ada,ada@example.org,mentor,no"), programme)
    assert not people()["ada@example.org"].can_receive_email
    _, result = import_people(csv_bytes(header, "Ada,ada@example.org,mentor,yes"), programme)
    assert result.updated == 1 and people()["ada@example.org"].is_active


MENTORING_COLUMNS = "Skills,Goals,Languages,Capacity,Format,Availability,Orientation"
MENTORING_HEADER = "Name,Email,Role," + MENTORING_COLUMNS


def test_it_stores_the_mentoring_columns_on_the_profile(programme):
    data = csv_bytes(
        MENTORING_HEADER,
        'Ada,ada@example.org,mentor,"speaking;delegation ",,"English; fr",3,1:1,'
        '"wed 15:00-17:00; Mon 16:00 - 18:00",2025-09-01',
        'Bob,bob@example.org,mentee,,"confidence; time management",en,,group,Tue 09:00-10:00,',
        "Cy,cy@example.org,mentor,,,,,,,done",
    )
    import_people(data, programme)
    profiles = {p.person.email: p for p in MentorProfile.select()}
    ada, bob, cy = (profiles[f"{n}@example.org"] for n in ("ada", "bob", "cy"))
    assert (ada.skills, ada.languages, ada.capacity, ada.format) == (
        "speaking; delegation",
        "en; fr",
        3,
        "one-to-one",
    )
    assert ada.availability == "Mon 16:00-18:00; Wed 15:00-17:00"
    assert (ada.orientation_done, ada.orientation_date) == (True, dt.date(2025, 9, 1))
    assert (bob.goals, bob.capacity, bob.format) == ("confidence; time management", 0, "group")
    assert (cy.orientation_done, cy.orientation_date, cy.capacity) == (True, None, 2)


@pytest.mark.parametrize(
    "cells, reason",
    [
        ("lots,,,", "bad capacity 'lots'"),
        ("-1,,,", "bad capacity '-1'"),
        (",pairs,,", "bad format 'pairs'"),
        (",,Mon 16-18,", "bad availability: 'Mon 16-18' is not a window"),
        (",,Someday 10:00-11:00,", "'Someday' is not a day of the week"),
        (",,Mon 18:00-16:00,", "crosses midnight"),
        (",,,soon", "bad orientation 'soon'"),
        (",,,2025-13-01", "bad orientation '2025-13-01'"),
    ],
)
def test_it_reports_bad_mentoring_values_by_line(programme, cells, reason):
    header = "Name,Email,Role,Capacity,Format,Availability,Orientation"
    data = csv_bytes(header, "Ada,ada@example.org,mentor,2,,,", f"Bo,bo@x.org,mentor,{cells}")
    plan = plan_import(data, programme)
    [bad] = plan.bad
    assert bad.line == 3 and reason in bad.reason


def test_every_change_is_audited_with_who_and_what(programme):
    import_people(csv_bytes(HEADER, "Ada,ada@example.org,,,mentor"), programme, actor="user:7")
    clock.travel(dt.timedelta(hours=1))
    data = csv_bytes(HEADER, "Ada,ada@example.org,Asia/Tokyo,,mentor; facilitator")
    import_people(data, programme, actor="user:8")
    ada = people()["ada@example.org"]
    events = list(
        AuditEvent.select()
        .where((AuditEvent.object_type == "Person") & (AuditEvent.object_id == ada.id))
        .order_by(AuditEvent.id)
    )
    assert [(e.verb, e.actor) for e in events] == [
        ("person.created", "user:7"),
        ("person.updated", "user:8"),
    ]
    assert events[0].data["roles_added"] == ["mentor"]
    assert events[1].data["changes"] == {"timezone": ["Europe/London", "Asia/Tokyo"]}
    assert events[1].data["roles_added"] == ["facilitator"]
    assert events[1].at > events[0].at
    summary = (
        AuditEvent.select().where(AuditEvent.verb == "people.imported").order_by(AuditEvent.id)
    )
    assert [e.data["created"] for e in summary] == [1, 0]


def export(programme) -> str:
    out = io.StringIO()
    export_csv(programme, out)
    return out.getvalue()


def test_an_exported_file_round_trips(programme):
    # Given people with every column set, including an alias and a deactivated person
    data = csv_bytes(
        "Name,Email,Aliases,Time zone,Department,Language,Role,Active," + MENTORING_COLUMNS,
        '"Lovelace, Ada",ada@example.org,ada@home.example.net,Europe/London,Maths,en,'
        'mentor;facilitator,yes,"speaking; delegation",,"en; fr",3,either,'
        "Mon 16:00-18:00,2025-09-01",
        'Bob,bob@example.org,,Asia/Tokyo,"Art\nand design",pt-BR,mentee,no,,confidence,pt,,'
        "group,Tue 09:00-10:00,",
        "Cy,cy@example.org,,UTC,,,stakeholder,yes,,,,,,,",
    )
    _, result = import_people(data, programme)
    assert result.created == 3
    exported = export(programme)
    # When the export is imported again
    _, again = import_people(exported.encode(), programme)
    # Then nothing changes, and the export is the same
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert export(programme) == exported
    assert exported.splitlines()[0].startswith("Name,Email,Aliases,Time zone,Department")
    assert '"Lovelace, Ada",ada@example.org,ada@home.example.net' in exported


def test_an_export_imports_into_another_programme(programme):
    import_people(csv_bytes(HEADER, "Ada,ada@example.org,Asia/Tokyo,Maths,mentor"), programme)
    other = create_programme("Next year", "mentoring")
    _, result = import_people(export(programme).encode(), other)
    assert (result.created, result.updated) == (0, 1)
    assert roles(other) == {("ada@example.org", "mentor")}
    assert MentorProfile.select().where(MentorProfile.programme == other).count() == 1
