"""Schema steps 14 onwards: whole tables of a feature, created and dropped together.

A new table needs no step of its own (``migrate()`` creates the tables of every model), but a
step that names them lets an old database be rebuilt without them (its ``down``) and records
the version they came with. Tables are dropped in reverse order, so foreign keys go first.
"""

from __future__ import annotations

from playhouse.migrate import SchemaMigrator

from models import AssignmentOptions, Review, SubmissionFile
from models.base import db
from models.budget import OptionalBudget, OptionalSend
from models.learning import (
    AttendanceCheck,
    AttendanceMark,
    Competence,
    Material,
    MaterialCompletion,
    SelfCheck,
    SelfRating,
)
from models.objectives import Objective, ObjectiveValue
from models.reports import Badge, ReportSchedule
from models.surveys import Survey, SurveyPlan, SurveyResponse

#: Tables of assignments sent by email: their options, submitted files and reviews.
ASSIGNMENT_TABLES = (AssignmentOptions, SubmissionFile, Review)

#: Tables of materials, self-assessments and attendance checks.
LEARNING_TABLES = (
    Material,
    MaterialCompletion,
    Competence,
    SelfCheck,
    SelfRating,
    AttendanceCheck,
    AttendanceMark,
)

#: Tables of personal-report schedules and recognition badges.
REPORT_TABLES = (ReportSchedule, Badge)

#: Tables of surveys, the optional-email budget and programme objectives.
SURVEY_TABLES = (
    OptionalBudget,
    OptionalSend,
    Survey,
    SurveyResponse,
    SurveyPlan,
    Objective,
    ObjectiveValue,
)


def add_assignment_tables(migrator: SchemaMigrator) -> None:
    """Create the assignment tables if missing."""
    db.create_tables(ASSIGNMENT_TABLES, safe=True)


def drop_assignment_tables(migrator: SchemaMigrator) -> None:
    """Drop the assignment tables."""
    db.drop_tables(list(reversed(ASSIGNMENT_TABLES)), safe=True)


def add_learning_tables(migrator: SchemaMigrator) -> None:
    """Create the materials, self-assessment and attendance tables if missing."""
    db.create_tables(LEARNING_TABLES, safe=True)


def drop_learning_tables(migrator: SchemaMigrator) -> None:
    """Drop the materials, self-assessment and attendance tables."""
    db.drop_tables(list(reversed(LEARNING_TABLES)), safe=True)


def add_report_tables(migrator: SchemaMigrator) -> None:
    """Create the report-schedule and badge tables if missing."""
    db.create_tables(REPORT_TABLES, safe=True)


def drop_report_tables(migrator: SchemaMigrator) -> None:
    """Drop the report-schedule and badge tables."""
    db.drop_tables(list(reversed(REPORT_TABLES)), safe=True)


def add_survey_tables(migrator: SchemaMigrator) -> None:
    """Create the survey, budget and objective tables if missing."""
    db.create_tables(SURVEY_TABLES, safe=True)


def drop_survey_tables(migrator: SchemaMigrator) -> None:
    """Drop the survey, budget and objective tables."""
    db.drop_tables(list(reversed(SURVEY_TABLES)), safe=True)
