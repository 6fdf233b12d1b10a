"""What participants learn from and how they rate themselves: materials and their completion,
self-assessment questionnaires and answers, and the after-session attendance checks."""

from __future__ import annotations

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField

from models.base import BaseModel, utcnow
from models.people import Person
from models.programme import Programme

#: Kinds of material, as people name them in a reply ("done module 3").
MATERIAL_KINDS = ("module", "reading", "video")

#: How a completion was recorded.
COMPLETION_SOURCES = ("reply", "csv", "link", "web")

#: What an attendance check is about: a mentoring occurrence or a programme session.
CHECK_SUBJECTS = ("occurrence", "session")


class Material(BaseModel):
    """A module, reading or video of a programme, numbered within its kind."""

    programme = ForeignKeyField(Programme, backref="materials", on_delete="CASCADE", index=False)
    kind = CharField(default="module")
    number = IntegerField()
    title = CharField()
    url = CharField(max_length=1000, default="")  # http(s) only, checked when added
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("programme", "kind", "number"), True),)

    @property
    def label(self) -> str:
        """Return the name people use for it: "module 3"."""
        return f"{self.kind} {self.number}"


class MaterialCompletion(BaseModel):
    """A participant finished a material: when, and how Tandem learnt it."""

    material = ForeignKeyField(Material, backref="completions", on_delete="CASCADE")
    programme = ForeignKeyField(Programme, backref="+", on_delete="CASCADE", index=False)
    person = ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    completed_at = DateTimeField(default=utcnow)
    source = CharField(default="reply")

    class Meta:
        indexes = ((("material", "person"), True), (("programme", "person"), False))


class Competence(BaseModel):
    """One question of a programme's self-assessment: a competence rated 1-5."""

    programme = ForeignKeyField(Programme, backref="competences", on_delete="CASCADE", index=False)
    position = IntegerField()
    name = CharField()

    class Meta:
        indexes = ((("programme", "position"), True),)


class SelfCheck(BaseModel):
    """One self-assessment questionnaire sent to a participant (what a reply answers)."""

    programme = ForeignKeyField(Programme, backref="+", on_delete="CASCADE", index=False)
    person = ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    sent_at = DateTimeField(default=utcnow)
    answered_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("programme", "person", "sent_at"), False),)


class SelfRating(BaseModel):
    """A participant's rating of one competence at one time (1-5)."""

    check = ForeignKeyField(SelfCheck, backref="ratings", on_delete="CASCADE")
    programme = ForeignKeyField(Programme, backref="+", on_delete="CASCADE", index=False)
    person = ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    competence = ForeignKeyField(Competence, backref="ratings", on_delete="CASCADE")
    value = IntegerField()
    at = DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("check", "competence"), True),
            (("programme", "competence", "person", "at"), False),
        )


class AttendanceCheck(BaseModel):
    """The one-line "who attended?" question after a session, to its facilitator or mentor."""

    programme = ForeignKeyField(Programme, backref="+", on_delete="CASCADE", index=False)
    subject = CharField()  # one of CHECK_SUBJECTS
    subject_id = IntegerField()
    asked = ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    sent_at = DateTimeField(default=utcnow)
    answered_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("subject", "subject_id"), True),)


class AttendanceMark(BaseModel):
    """Whether one invited participant attended the session an attendance check is about."""

    check = ForeignKeyField(AttendanceCheck, backref="marks", on_delete="CASCADE")
    person = ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    attended = BooleanField()
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("check", "person"), True),)
