"""Personal reports by email: each participant's as an HTML email with the PDF attached,
copies to their mentors, and one digest of the round to facilitators and coordinators."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from models import (
    GroupMember,
    Membership,
    MentoringGroup,
    Person,
    Programme,
)
from workers import settings as settings_mod
from workers.outbound import outbox
from workers.outbound.attachments import attach_once
from workers.reports import personal, personal_view
from workers.reports.figures import percent
from workers.reports.schedule import BATCH_JOB, DIGEST_JOB, participant_ids, stamp
from workers.runtime import jobs

#: Roles that get the round's digest.
TEAM_ROLES = ("facilitator", "coordinator")

#: Participants a digest lists, those with least work done first.
DIGEST_ROWS = 100

#: Participants read per query when the digest ranks a large programme.
DIGEST_CHUNK = 500


def mentors_of(programme_id: int, person_ids: list[int]) -> dict[int, list[int]]:
    """Return the ids of each person's mentors in the programme's active groups."""
    query = (
        GroupMember.select(GroupMember.person, MentoringGroup.mentor)
        .join(MentoringGroup)
        .where(
            (MentoringGroup.programme == programme_id)
            & (MentoringGroup.status == "active")
            & GroupMember.person.in_(person_ids)
        )
    )
    found: dict[int, list[int]] = defaultdict(list)
    for row in query.dicts():
        found[row["person"]].append(row["mentor"])
    return found


def send_batch(programme_id: int, at: dt.datetime, person_ids: list[int], to_team: bool) -> int:
    """Queue the personal reports of a batch of participants (and their mentors' copies);
    return how many emails were queued."""
    programme = Programme.get_by_id(programme_id)
    reports = personal.reports(programme, person_ids, at)
    mentors = mentors_of(programme_id, person_ids) if to_team else {}
    wanted = set(person_ids) | {m for ids in mentors.values() for m in ids}
    people = {p.id: p for p in Person.select().where(Person.id.in_(sorted(wanted)))}
    key = f"report:{programme_id}:{stamp(at)}"
    queued = 0
    with outbox.transaction():
        for report in reports:
            pid = report["person"]["id"]
            pdf, name = personal_view.render_pdf(report), personal_view.pdf_name(report)
            readers = [(people[pid], False, f"{key}:{pid}")]
            readers += [(people[m], True, f"{key}:{pid}:team:{m}") for m in mentors.get(pid, [])]
            for reader, for_team, idem in readers:
                if not reader.can_receive_email:
                    continue
                ctx = personal_view.email_ctx(report, for_team=for_team)
                row = outbox.queue_email("report-personal", reader, ctx, key=idem)
                attach_once(row, lambda name=name, pdf=pdf: [(name, "application/pdf", pdf)])
                queued += 1
    return queued


def digest_rows(programme: Programme, at: dt.datetime) -> tuple[int, list[dict]]:
    """Return how many participants there are and the DIGEST_ROWS with least work done."""
    ids = participant_ids(programme.id)
    rows = []
    for start in range(0, len(ids), DIGEST_CHUNK):
        for report in personal.reports(programme, ids[start : start + DIGEST_CHUNK], at):
            work, goals = report["assignments"], report["goals"]
            achieved = sum(1 for g in goals if g["status"] == "achieved")
            rows.append(
                {
                    "rank": (work["completion_rate"] or 0, report["person"]["name"].lower()),
                    "name": report["person"]["name"],
                    "assignments": f"{work['submitted']}/{work['set']}",
                    "attendance": percent(report["attendance"]["rate"]),
                    "engagement": sum(w["events"] for w in report["weeks"]),
                    "goals": f"{achieved}/{len(goals)}",
                }
            )
    rows.sort(key=lambda r: r.pop("rank"))
    return len(ids), rows[:DIGEST_ROWS]


def send_digest(programme_id: int, at: dt.datetime) -> int:
    """Queue the round's digest to the programme's facilitators and coordinators."""
    programme = Programme.get_by_id(programme_id)
    team = (
        Person.select()
        .join(Membership, on=(Membership.person == Person.id))
        .where((Membership.programme == programme_id) & Membership.role.in_(TEAM_ROLES))
        .distinct()
        .order_by(Person.id)
    )
    count, rows = digest_rows(programme, at)
    url = f"{settings_mod.get().base_url.rstrip('/')}/programmes/{programme_id}/tracking"
    ctx = {"programme": programme.name, "on": at.date().isoformat(), "count": count,
           "rows": rows, "more": max(count - len(rows), 0), "url": url}  # fmt: skip
    queued = 0
    with outbox.transaction():
        for person in team:
            if person.can_receive_email:
                key = f"report:{programme_id}:{stamp(at)}:digest:{person.id}"
                outbox.queue_email("report-team", person, ctx, key=key)
                queued += 1
    return queued


@jobs.handler(BATCH_JOB)
def batch_job(payload: dict) -> None:
    """Send one batch of a round's personal reports."""
    at = dt.datetime.fromisoformat(payload["at"])
    send_batch(payload["programme_id"], at, payload["person_ids"], payload["to_team"])


@jobs.handler(DIGEST_JOB)
def digest_job(payload: dict) -> None:
    """Send a round's digest to the team."""
    send_digest(payload["programme_id"], dt.datetime.fromisoformat(payload["at"]))
