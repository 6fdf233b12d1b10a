"""Failure notices: each failed email is placed in its programme, mentoring ones included."""

from __future__ import annotations

from models import OutboundEmail, Programme
from tests.inbound.test_objects import make_occurrence
from workers.followup.delivery_failures import about


def test_a_failed_mentoring_email_belongs_to_its_programme(db):
    # Given a feedback request about a mentoring session that could not be delivered
    programme = Programme.create(name="Prefect Mentoring", kind="mentoring")
    occurrence = make_occurrence(programme)
    row = OutboundEmail.create(
        kind="mentoring-feedback-mentor",
        to_addr="maya@example.org",
        message_id="<m1@tandem.test>",
        idem_key="feedback:1",
        object_type="occurrence",
        object_id=occurrence.id,
        status="failed",
    )
    # Then the notice goes to that programme's coordinators, with no cycle to link to
    assert about(row) == (programme.id, None)
