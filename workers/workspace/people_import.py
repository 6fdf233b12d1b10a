"""Import people from a CSV file into a programme: every row or none, every change audited.

The page and the CLI both call ``import_people``: it plans (see ``people_plan``) and, unless
asked for a dry run, writes the plan in the same transaction, so nothing changes between
what was checked and what is written. Rows are written in batches, not one query per row.
"""

from __future__ import annotations

from dataclasses import dataclass

from models import AuditEvent, EmailAlias, Membership, MentorProfile, Person, Programme, clock, db
from workers.runtime.plainsql import insert_rows
from workers.workspace.csvfile import Table
from workers.workspace.errors import InvalidRowsError
from workers.workspace.people_plan import (
    CHUNK,
    ImportPlan,
    Progress,
    RowChange,
    chunks,
    no_progress,
    plan_import,
)

#: How the audit trail names changes made by an import.
VIA = "csv import"

#: Columns of a mentoring profile an import writes.
PROFILE_COLUMNS = (
    "skills",
    "goals",
    "languages",
    "capacity",
    "format",
    "availability",
    "orientation_done",
    "orientation_date",
)


@dataclass(frozen=True)
class ImportResult:
    """How many people an import created, updated and left unchanged, and rows it skipped."""

    created: int
    updated: int
    unchanged: int
    skipped: int = 0

    def __str__(self) -> str:
        text = f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}"
        return text + (f", skipped {self.skipped} bad row(s)" if self.skipped else "")


def _create_people(plan: ImportPlan, progress: Progress) -> None:
    now = clock.now()
    for batch in chunks(plan.created):
        rows = [
            {
                "name": c.row.name,
                "email": c.row.email,
                "timezone": c.row.timezone or plan.programme.timezone,
                "department": c.row.department or None,
                "language": c.row.language or None,
                "deactivated_at": now if c.row.active is False else None,
            }
            for c in batch
        ]
        insert_rows(Person, rows)
        emails = [c.row.email for c in batch]
        ids = dict(Person.select(Person.email, Person.id).where(Person.email.in_(emails)).tuples())
        for change in batch:
            change.person_id = ids[change.row.email]
        progress(len(batch))


def _update_people(plan: ImportPlan, progress: Progress) -> None:
    for count, change in enumerate(plan.updated, 1):
        if change.fields:
            values = {column: new for column, (_, new) in change.fields.items()}
            Person.update(values).where(Person.id == change.person_id).execute()
        if change.profile:
            values = {column: new for column, (_, new) in change.profile.items()}
            MentorProfile.update(values).where(MentorProfile.id == change.profile_id).execute()
        if count % CHUNK == 0:
            progress(CHUNK)
    progress(len(plan.updated) % CHUNK)


def _profile_row(plan: ImportPlan, change: RowChange) -> dict:
    fields = MentorProfile._meta.fields
    values = {column: fields[column].default for column in PROFILE_COLUMNS}
    values.update(change.new_profile or {})
    return {"person": change.person_id, "programme": plan.programme.id, **values}


def _add_rows(plan: ImportPlan) -> None:
    """Insert the aliases, memberships and new mentoring profiles of every changed row."""
    changes = plan.created + plan.updated
    aliases = [{"person": c.person_id, "email": a} for c in changes for a in c.aliases]
    insert_rows(EmailAlias, aliases)
    memberships = [
        {
            "programme": plan.programme.id,
            "person": c.person_id,
            "role": role,
            "department": c.row.department,
        }
        for c in changes
        for role in c.roles
    ]
    insert_rows(Membership, memberships)
    profiles = [_profile_row(plan, c) for c in changes if c.new_profile is not None]
    insert_rows(MentorProfile, profiles)


def _person_event(plan: ImportPlan, change: RowChange, actor: str, created: bool) -> dict:
    row = change.row
    data: dict = {"via": VIA, "programme": plan.programme.id, "line": row.line}
    if created:
        zone = row.timezone or plan.programme.timezone
        data.update(email=row.email, name=row.name, timezone=zone)
    if change.fields:
        data["changes"] = {column: list(pair) for column, pair in change.fields.items()}
    if change.roles:
        data["roles_added"] = list(change.roles)
    if change.aliases:
        data["aliases_added"] = list(change.aliases)
    if change.profile:
        data["profile_changes"] = {column: list(pair) for column, pair in change.profile.items()}
    if change.new_profile is not None:
        data["profile_created"] = change.new_profile
    return {
        "verb": "person.created" if created else "person.updated",
        "actor": actor,
        "object_type": "Person",
        "object_id": change.person_id,
        "data": data,
    }


def _audit(plan: ImportPlan, actor: str, result: ImportResult) -> None:
    events = [_person_event(plan, change, actor, True) for change in plan.created]
    events += [_person_event(plan, change, actor, False) for change in plan.updated]
    insert_rows(AuditEvent, events)
    counts = {k: getattr(result, k) for k in ("created", "updated", "unchanged", "skipped")}
    AuditEvent.record(
        "people.imported", plan.programme, actor=actor, via=VIA, rows=plan.rows, **counts
    )


def apply_plan(
    plan: ImportPlan,
    *,
    actor: str = "system",
    skip_invalid: bool = False,
    progress: Progress = no_progress,
) -> ImportResult:
    """Write a plan in one transaction; if any row is bad, write nothing unless skipping."""
    if plan.bad and not skip_invalid:
        raise InvalidRowsError(plan.bad)
    result = ImportResult(
        created=len(plan.created),
        updated=len(plan.updated),
        unchanged=len(plan.unchanged),
        skipped=len(plan.bad),
    )
    with db.atomic():
        _create_people(plan, progress)
        _update_people(plan, progress)
        _add_rows(plan)
        _audit(plan, actor, result)
    return result


def import_people(
    source: bytes | Table,
    programme: Programme,
    *,
    actor: str = "system",
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: Progress = no_progress,
) -> tuple[ImportPlan, ImportResult | None]:
    """Plan an import and, unless a dry run, apply it; return the plan and what was written.

    Raises ``InvalidRowsError`` (nothing written) when a row is bad and ``skip_invalid`` is
    false, and ``CsvFileError`` when the file cannot be read as a table of people at all.
    """
    with db.atomic():
        plan = plan_import(source, programme, progress)
        if dry_run:
            return plan, None
        return plan, apply_plan(plan, actor=actor, skip_invalid=skip_invalid, progress=progress)
