"""An append-only trail of what changed, who changed it and why."""

from __future__ import annotations

from peewee import CharField, DateTimeField, IntegerField

from models.base import BaseModel, JSONField, utcnow


class AuditEvent(BaseModel):
    """One recorded change: ``actor`` did ``verb`` to an object."""

    at = DateTimeField(default=utcnow, index=True)
    actor = CharField(default="system")  # "user:3", "person:7", "system"
    verb = CharField()
    object_type = CharField(default="")
    object_id = IntegerField(null=True)
    data = JSONField(null=True)

    @classmethod
    def record(cls, verb: str, obj=None, actor: str = "system", **data) -> AuditEvent:
        """Write one event about ``obj`` (a model instance or None)."""
        return cls.create(
            verb=verb,
            actor=actor,
            object_type=type(obj).__name__ if obj is not None else "",
            object_id=obj.id if obj is not None else None,
            data=data or None,
        )
