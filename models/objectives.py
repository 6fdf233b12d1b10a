"""Programme objectives: a metric with a target and a date, and its values over time."""

from __future__ import annotations

from peewee import (
    CharField,
    DateField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    TextField,
)

from models.base import BaseModel, utcnow
from models.programme import Programme

#: What an objective can measure; all but "custom" are computed from what Tandem records.
OBJECTIVE_METRICS = (
    "completion_rate",  # % of assignments due so far that were submitted
    "on_time_rate",  # % of submissions made by their due time
    "goal_achievement",  # % of goals achieved
    "engagement",  # % of participants active in a week, over the last four weeks
    "satisfaction",  # mean satisfaction, 1-5
    "nps",  # net promoter score, -100..100
    "programme_completion",  # % of participants up to date and attending
    "custom",  # a business figure entered by hand or by CSV, with its date
)

#: Where a value came from.
VALUE_SOURCES = ("snapshot", "manual", "csv")


class Objective(BaseModel):
    """What a programme means to achieve: a metric, a target and the date to reach it by."""

    programme = ForeignKeyField(Programme, backref="objectives", on_delete="CASCADE")
    name = CharField()
    metric = CharField(default="custom")
    unit = CharField(default="")
    description = TextField(default="")
    baseline = FloatField(null=True)
    target = FloatField()
    target_date = DateField()
    direction = CharField(default="up")  # "up": higher is better; "down": lower is better
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("programme", "name"), True),)


class ObjectiveValue(BaseModel):
    """An objective's value on one day: a weekly snapshot, or a figure entered."""

    objective = ForeignKeyField(Objective, backref="values", on_delete="CASCADE", index=False)
    on = DateField()
    value = FloatField()
    source = CharField(default="snapshot")
    recorded_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("objective", "on"), True),)
