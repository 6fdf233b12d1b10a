"""The objects a reply can be about: the model behind each object type, and its programme.

A reply address names an object type and an id (``workers/outbound/tokens.py``). This is the
one map from those types to models: ``flask mail-parse`` looks the object up to describe it,
and the quarantine uses the object's programme to decide which coordinators see a kept reply
and may apply it.
"""

from __future__ import annotations

from peewee import Model, Select

from models import (
    ActionItem,
    Assessment,
    Assignment,
    AttendanceCheck,
    Cycle,
    Membership,
    MentoringGroup,
    Occurrence,
    Orientation,
    OutboundEmail,
    RiskFlag,
    SelfCheck,
    Session,
    SessionSeries,
    Submission,
    SurveyResponse,
)

#: The model each object type in a reply token names.
OBJECT_MODELS: dict[str, type[Model]] = {
    "cycle": Cycle,
    "notes": Cycle,
    "session": Session,
    "item": ActionItem,
    "assignment": Assignment,
    "review": Submission,  # a review request answers one submission
    "email": OutboundEmail,
    "assessment": Assessment,
    "orientation": Orientation,
    "pair": MentoringGroup,
    "relay": MentoringGroup,
    "occurrence": Occurrence,
    "survey": SurveyResponse,
    "riskflag": RiskFlag,
    "selfcheck": SelfCheck,
    "materials": Membership,  # a participant's materials: their membership of the programme
    "headcount": AttendanceCheck,
}

#: Models joined, in order, to reach the programme of an object whose model has none.
PROGRAMME_PATHS: dict[str, tuple[type[Model], ...]] = {
    "occurrence": (SessionSeries,),
    "review": (Assignment,),
}

#: Attributes that name an object, tried in order.
LABEL_FIELDS = ("title", "subject", "theme", "name")


def find(object_type: str, object_id: int) -> Model | None:
    """Return the object a reply of this type and id is about, or None."""
    model = OBJECT_MODELS.get(object_type)
    return model.get_or_none(model.id == object_id) if model is not None else None


def label(obj: Model) -> str:
    """Return a short human name for an object (its title, subject or theme), or ""."""
    for name in LABEL_FIELDS:
        value = getattr(obj, name, "")
        if value:
            return str(value)
    return ""


def describe(object_type: str, object_id: int | None) -> str:
    """Return what a reply is about in words ("pair 3: Public speaking"), or "" if nothing."""
    if not object_type or object_id is None:
        return ""
    obj = find(object_type, object_id)
    if obj is None:
        return f"{object_type} {object_id} (no longer exists)"
    name = label(obj)
    return f"{object_type} {object_id}: {name}" if name else f"{object_type} {object_id}"


def programme_of(object_type: str, object_id: int | None) -> int | None:
    """Return the id of the programme the object belongs to, or None if there is none."""
    if object_id is None or object_type not in programme_types():
        return None
    obj = find(object_type, object_id)
    for step in PROGRAMME_PATHS.get(object_type, ()):
        if obj is None:
            return None
        field = next(f for f, model in type(obj)._meta.refs.items() if model is step)
        obj = getattr(obj, field.name)
    return obj.programme_id if obj is not None else None


def owned_by(object_type: str, programmes: Select) -> Select | None:
    """Select the ids of this type's objects in ``programmes``; None if they have no programme."""
    if object_type not in programme_types():
        return None
    model = OBJECT_MODELS[object_type]
    query = model.select(model.id)
    for step in PROGRAMME_PATHS.get(object_type, ()):
        query = query.join(step)
    return query.where(_owner(object_type).programme.in_(programmes))


def programme_types() -> list[str]:
    """Return the object types whose objects belong to a programme."""
    return [t for t in OBJECT_MODELS if "programme" in _owner(t)._meta.fields]


def _owner(object_type: str) -> type[Model]:
    """Return the model that holds the programme of this type's objects, if any does."""
    return (PROGRAMME_PATHS.get(object_type) or (OBJECT_MODELS[object_type],))[-1]
