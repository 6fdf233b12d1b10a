"""Tandem's data model: one module per aggregate, re-exported here."""

from models.accounts import Invitation, PasswordReset, UserSession
from models.action import ActionItem, ActionItemUpdate
from models.assignments import AssignmentOptions, Review, SubmissionFile
from models.attachments import EmailAttachment
from models.audit import AuditEvent
from models.base import BaseModel, JSONField, connect_url, db, init_db
from models.budget import OptionalBudget, OptionalSend
from models.cycle import Cycle, Metric, MetricValue, Participant, Report, Rsvp, Session
from models.devmail import CaughtMail
from models.intake import Assessment, Orientation, OrientationAttendance
from models.jobs import Job, Lease
from models.learning import (
    AttendanceCheck,
    AttendanceMark,
    Competence,
    Material,
    MaterialCompletion,
    SelfCheck,
    SelfRating,
)
from models.mail import (
    AppliedReply,
    ImapCursor,
    InboundMessage,
    InboundRaw,
    OutboundEmail,
    Rejection,
    SharedContext,
)
from models.matching import (
    MatchExclusion,
    MatchProposal,
    MatchSettings,
    OrientationOverride,
    ProposedPair,
)
from models.mentoring import Goal, GroupMember, MentoringGroup, MentorProfile
from models.objectives import Objective, ObjectiveValue
from models.pairwork import (
    GoalCheckin,
    GoalTarget,
    PlanItem,
    RelayMessage,
    Resource,
    SessionFeedback,
)
from models.people import EmailAlias, LoginAttempt, Person, User
from models.programme import Membership, Programme
from models.progress import Assignee, Assignment, Submission
from models.reports import Badge, ReportSchedule
from models.risk import RiskFlag, RiskRule
from models.series import (
    GroupMentor,
    Occurrence,
    OccurrenceRsvp,
    PairSettings,
    SessionSeries,
    SlotProposal,
)
from models.surveys import Survey, SurveyPlan, SurveyResponse
from models.tracking import (
    Attendance,
    Cohort,
    CohortMember,
    Event,
    PersonWeek,
    ProgrammeWeek,
)

#: Every table, in dependency order (used by create_tables and the tests).
ALL_MODELS = [
    Person,
    EmailAlias,
    User,
    LoginAttempt,
    Programme,
    Membership,
    UserSession,
    Invitation,
    PasswordReset,
    Cycle,
    Session,
    Participant,
    Rsvp,
    Metric,
    MetricValue,
    Report,
    ActionItem,
    ActionItemUpdate,
    OutboundEmail,
    InboundMessage,
    InboundRaw,
    AppliedReply,
    Rejection,
    ImapCursor,
    SharedContext,
    AuditEvent,
    Job,
    Lease,
    MentorProfile,
    MentoringGroup,
    GroupMember,
    Goal,
    MatchSettings,
    MatchExclusion,
    OrientationOverride,
    MatchProposal,
    ProposedPair,
    Orientation,
    OrientationAttendance,
    Assessment,
    Assignment,
    Submission,
    Assignee,
    AssignmentOptions,
    SubmissionFile,
    Review,
    Cohort,
    CohortMember,
    Event,
    PersonWeek,
    ProgrammeWeek,
    Attendance,
    RiskRule,
    RiskFlag,
    CaughtMail,
    EmailAttachment,
    SessionSeries,
    Occurrence,
    OccurrenceRsvp,
    GroupMentor,
    SlotProposal,
    PairSettings,
    SessionFeedback,
    PlanItem,
    GoalTarget,
    GoalCheckin,
    RelayMessage,
    Resource,
    ReportSchedule,
    Badge,
    OptionalBudget,
    OptionalSend,
    Survey,
    SurveyResponse,
    SurveyPlan,
    Objective,
    ObjectiveValue,
    Material,
    MaterialCompletion,
    Competence,
    SelfCheck,
    SelfRating,
    AttendanceCheck,
    AttendanceMark,
]

__all__ = [m.__name__ for m in ALL_MODELS] + [
    "ALL_MODELS",
    "BaseModel",
    "JSONField",
    "connect_url",
    "db",
    "init_db",
]
