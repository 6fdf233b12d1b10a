"""Answers to a survey by reply: read with ``survey_grammar``, kept, and confirmed.

A reply with neither a score nor a comment (or only scores out of range) cannot be applied:
it is kept with the reason and shown to a coordinator, and the person is told why.
"""

from __future__ import annotations

from models import SurveyResponse
from workers.inbound.appliers import ReplyContext, applier
from workers.inbound.errors import AmbiguousReplyError, UnknownObjectError
from workers.outbound import outbox
from workers.runtime.plainsql import row_by_id
from workers.tracking.survey_grammar import parse_survey_reply
from workers.tracking.surveys import SurveyError, apply_answer


def read_survey_reply(ctx: ReplyContext) -> None:
    """Read the scores and the comment ahead of the write transaction."""
    response = row_by_id(SurveyResponse, ctx.object_id)
    asks = response.survey.questions if response is not None else ()
    ctx.read = parse_survey_reply(ctx.reply_text, asks)


@applier("survey", read=read_survey_reply)
def apply_survey_reply(ctx: ReplyContext) -> str:
    """Keep a participant's answer to a survey and confirm what was recorded."""
    response = row_by_id(SurveyResponse, ctx.object_id)
    if response is None or response.person_id != ctx.person.id:
        raise UnknownObjectError(f"survey answer {ctx.object_id} does not exist")
    if ctx.read is None:
        read_survey_reply(ctx)
    answer = ctx.read
    try:
        recorded = apply_answer(response, answer.scores, answer.comment, "email")
    except SurveyError as exc:
        raise AmbiguousReplyError(
            "no score or comment could be read from the survey answer",
            understood=[],
            not_understood=answer.problems or [str(exc)],
        ) from None
    with outbox.transaction():
        outbox.queue_email(
            "confirmation",
            ctx.person,
            {
                "title": f"your answer to {response.survey.title}",
                "recorded": recorded,
                "not_understood": answer.problems,
                "late": False,
            },
            key=f"inbound:{ctx.message.id}:confirmation",
            about=("survey", response.id),
            in_reply_to=ctx.message.message_id,
        )
    return f"survey answered: {', '.join(recorded) or 'comment only'}"
