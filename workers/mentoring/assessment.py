"""Needs assessment: each mentee is asked for goals, format, languages and availability.

The questionnaire goes by email. A mentee answers by reply (``assessment_replies``) or on a
form reached through a signed link that needs no login: the link names one assessment, is
signed for that purpose alone (its salt), expires with the reply addresses
(``REPLY_TOKEN_DAYS``) and survives a SECRET_KEY change as they do. Either way
``apply_answers`` checks each answer, keeps the good ones on the mentee's profile, which the
matcher reads, and says which it could not take.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from models import Assessment, Membership, MentorProfile, Person, Programme, clock, db
from workers import settings as settings_mod
from workers.mentoring.errors import (
    AssessmentLinkError,
    ExpiredLinkError,
    UnreadableAnswersError,
)
from workers.outbound import outbox
from workers.outbound.outbox import Draft, queue_many
from workers.workspace import checks
from workers.workspace.errors import InvalidValue
from workers.workspace.people_plan import MENTEE_PROFILE

#: The questions, in the order asked: field, label, what a good answer looks like.
QUESTIONS = (
    ("goals", "Goals", "what you want to get better at, separated by semicolons"),
    ("format", "Format", "one-to-one, group or either"),
    ("languages", "Languages", "the languages you can meet in, separated by semicolons"),
    ("availability", "Availability", "weekly times in your own time zone: Mon 16:00-18:00"),
)

#: The fields of an answer.
FIELDS = tuple(name for name, _, _ in QUESTIONS)

#: An example answer, shown in the email.
EXAMPLE = (
    "Goals: public speaking; running meetings",
    "Format: one-to-one",
    "Languages: English; French",
    "Availability: Mon 16:00-18:00; Wed 15:00-17:00",
)

#: Longest answer kept for one question.
MAX_ANSWER = 1000

#: Most goals kept from one answer.
MAX_GOALS = 10

#: Signs the form links; used for nothing else, so no other signed value passes as one.
LINK_SALT = "tandem.mentoring.assessment-form"


@dataclass
class Applied:
    """What taking one set of answers did: lines recorded, and answers not understood."""

    recorded: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    fields: tuple[str, ...] = ()  # the questions whose answers were kept


class ClockSigner(TimestampSigner):
    """A timestamp signer that reads Tandem's clock, so tests can move time."""

    def get_timestamp(self) -> int:
        return int(clock.now().replace(tzinfo=dt.UTC).timestamp())


def _serializer() -> URLSafeTimedSerializer:
    # itsdangerous signs with the last key and verifies with any: links sent before a
    # SECRET_KEY change keep working, as reply addresses do.
    keys = list(reversed(settings_mod.get().verification_keys))
    return URLSafeTimedSerializer(keys, salt=LINK_SALT, signer=ClockSigner)


def make_link_token(assessment: Assessment) -> str:
    """Return the signed token of an assessment's form link."""
    return _serializer().dumps({"a": assessment.id, "p": assessment.person_id})


def form_url(assessment: Assessment) -> str:
    """Return the address of the assessment's form (no login needed)."""
    return f"{settings_mod.get().base_url}/assessment/{make_link_token(assessment)}"


def read_link_token(token: str) -> Assessment:
    """Return the assessment a form link names; raise AssessmentLinkError if it is not good."""
    max_age = settings_mod.get().reply_token_days * 86400
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise ExpiredLinkError("this link has expired") from None
    except BadSignature:
        raise AssessmentLinkError("this link is not valid") from None
    if not isinstance(data, dict) or not isinstance(data.get("a"), int):
        raise AssessmentLinkError("this link is not valid")
    found = Assessment.get_or_none(
        (Assessment.id == data["a"]) & (Assessment.person == data.get("p"))
    )
    if found is None:
        raise AssessmentLinkError("this questionnaire no longer exists")
    return found


def mentees(programme: Programme) -> list[Person]:
    """Return the programme's mentees Tandem may email, by name."""
    query = (
        Person.select()
        .join(Membership)
        .where((Membership.programme == programme) & (Membership.role == "mentee"))
        .order_by(Person.name, Person.id)
    )
    return [person for person in query if person.can_receive_email]


def send_assessments(programme: Programme, resend: bool = False) -> int:
    """Email the questionnaire to every mentee not asked yet (``resend``: not answered yet).

    Returns the number of emails queued.
    """
    drafts = []
    with outbox.transaction():
        asked = {a.person_id: a for a in programme.assessments}
        for person in mentees(programme):
            found = asked.get(person.id)
            if found is not None and (not resend or found.status == "answered"):
                continue
            if found is None:
                found = Assessment.create(programme=programme, person=person)
            drafts.append(_request(programme, found, person))
        queue_many(drafts)
    return len(drafts)


def _request(programme: Programme, assessment: Assessment, person: Person) -> Draft:
    ctx = {
        "programme": programme.name,
        "questions": [{"label": label, "hint": hint} for _, label, hint in QUESTIONS],
        "example": list(EXAMPLE),
        "form_url": form_url(assessment),
        "timezone": person.timezone,
        "days": settings_mod.get().reply_token_days,
    }
    stamp = clock.now().strftime("%Y%m%d%H%M")
    key = f"mentoring:assessment:{assessment.id}:request:{stamp}"
    return Draft("mentoring-assessment", person, ctx, key, ("assessment", assessment.id))


def _goals(value: str) -> str:
    goals = [goal[:200] for goal in checks.split_list(value.replace("\n", ";"))]
    if not goals:
        raise InvalidValue("no goal given")
    return "; ".join(dict.fromkeys(goals[:MAX_GOALS]))


def _languages(value: str) -> str:
    spoken = [checks.normalize_language(v) for v in checks.split_list(value.replace(",", ";"))]
    if not spoken:
        raise InvalidValue("no language given")
    return "; ".join(dict.fromkeys(spoken))


#: How each answer is checked and turned into what the profile stores.
CHECKS: dict[str, Callable[[str], str]] = {
    "goals": _goals,
    "format": checks.parse_format,
    "languages": _languages,
    "availability": checks.parse_availability,
}


def check_answers(answers: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Return the good answers as stored, and a line for each that could not be read."""
    good, problems = {}, []
    for name, label, _ in QUESTIONS:
        value = (answers.get(name) or "").strip()[:MAX_ANSWER]
        if not value:
            continue
        try:
            good[name] = CHECKS[name](value)
        except InvalidValue as exc:
            problems.append(f"{label}: {value} ({exc})")
    return good, problems


def apply_answers(assessment: Assessment, answers: dict[str, str], source: str) -> Applied:
    """Keep the good answers on the mentee's profile; raise UnreadableAnswersError if none is."""
    good, problems = check_answers(answers)
    if not good:
        raise UnreadableAnswersError("no answer could be read", problems)
    with db.atomic():
        merged = {**(assessment.answers or {}), **good}
        now = clock.now()
        Assessment.update(answers=merged, status="answered", source=source, answered_at=now).where(
            Assessment.id == assessment.id
        ).execute()
        _update_profile(assessment, good, merged, source, now)
    labels = {name: label for name, label, _ in QUESTIONS}
    recorded = [f"{labels[name]}: {value}" for name, value in good.items()]
    return Applied(recorded, problems, tuple(good))


def _update_profile(assessment, good: dict, merged: dict, source: str, now) -> None:
    needs = {"answers": merged, "source": source, "answered_at": now.isoformat()}
    where = (MentorProfile.programme == assessment.programme_id) & (
        MentorProfile.person == assessment.person_id
    )
    profile = MentorProfile.select().where(where).order_by(MentorProfile.id).first()
    if profile is None:
        MentorProfile.create(
            programme=assessment.programme_id,
            person=assessment.person_id,
            **{**MENTEE_PROFILE, **good},
            needs=needs,
        )
        return
    MentorProfile.update(**good, needs=needs).where(MentorProfile.id == profile.id).execute()
