"""A mentoring programme run as a new coordinator would, on real Redis and SMTP, movable clock.

Import mentors and mentees from a CSV file with the mentoring columns, assess the mentees by
email, match them with the score explained, pair them, answer single sessions from calendar
clients in London and New York, give feedback by reply, and reach a goal with its certificate.
The spring clock changes fall inside the programme (New York on 14 March 2027, London on 28).
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pypdf

from models import (
    Goal,
    MatchProposal,
    MentorProfile,
    Occurrence,
    OccurrenceRsvp,
    Person,
    Programme,
    SessionFeedback,
    SessionSeries,
    clock,
)
from tests.followup.test_followup_e2e import drain, gmail_reply, outlook_reply
from tests.mentoring import client_replies as clients
from tests.mentoring.test_mentoring_e2e import mails, receive, text, tick
from tests.web.pages import log_in, make_login, post
from tests.web.pages import text as page_text

#: The people file, as a coordinator exports it from a spreadsheet.
PEOPLE_CSV = (
    "Name,Email,Time zone,Role,Skills,Goals,Languages,Capacity,Format,Availability,Orientation\r\n"
    "Maya Mentor,maya@example.org,Europe/London,mentor,public speaking; delegation,,English,2,"
    'either,"Mon 16:00-18:00; Tue 16:00-18:00",done\r\n'
    "Nia Mentor,nia@example.org,America/New_York,mentor,public speaking,,English,1,either,"
    "Mon 11:00-13:00,\r\n"
    "Ben Pupil,ben@example.org,America/New_York,mentee,,,,,either,,\r\n"
    "Ada Pupil,ada@example.org,Europe/London,mentee,,public speaking,English,,one-to-one,"
    "Sat 10:00-11:00,\r\n"
)

#: Ben's answer to the needs questionnaire: his weekday mornings in New York.
BEN_ANSWERS = (
    "Goals: public speaking\nLanguages: English\nAvailability: Mon 11:00-13:00; Tue 11:00-13:00"
)


def import_people(client, programme: Programme) -> None:
    """Upload the CSV file, read the preview, and confirm it."""
    data = {"file": (io.BytesIO(PEOPLE_CSV.encode()), "people.csv")}
    url = f"/programmes/{programme.id}/people/import"
    preview = post(client, url, data, content_type="multipart/form-data").headers["Location"]
    assert 'id="count-created">4<' in page_text(client.get(preview))
    assert post(client, preview).status_code == 302


def test_a_new_coordinator_runs_a_mentoring_programme(
    client, runner, smtp_sink, redis_broker, redis_worker, tmp_path
):
    # Given a coordinator's mentoring programme, starting on Monday 1 March 2027
    clock.freeze(dt.datetime(2027, 2, 22, 9, 0))
    client.application.config["IMPORT_DIR"] = str(tmp_path / "imports")
    programme = Programme.create(name="Prefect Mentoring", kind="mentoring", timezone="UTC")
    make_login("cora@example.org", "Cora", programme=programme)
    log_in(client, "cora@example.org")
    base = f"/mentoring/{programme.id}"
    post(client, f"{base}/rules", {"start_date": "2027-03-01", "weeks": "12"})

    # 1. When the coordinator imports mentors and mentees with the mentoring columns
    import_people(client, programme)
    maya = MentorProfile.get(MentorProfile.person == Person.by_email("maya@example.org"))
    assert (maya.capacity, maya.orientation_done) == (2, True)
    assert maya.availability == "Mon 16:00-18:00; Tue 16:00-18:00"

    # 2. And asks the mentees about their needs: Ben answers by reply
    post(client, f"{base}/assessments")
    drain(redis_worker)
    questionnaire = mails(smtp_sink, "ben@example.org", "a few questions")[0]
    assert receive(gmail_reply(questionnaire, "ben@example.org", BEN_ANSWERS), redis_worker) == (
        "applied"
    )

    # 3. Then the dry run pairs Ben with Maya across the Atlantic and explains the rest
    result = runner.invoke(args=["mentoring", "match", str(programme.id), "--json"])
    printed = json.loads(result.output)
    [pair] = printed["pairs"]
    assert (pair["mentee"], pair["mentor"]) == ("ben@example.org", "maya@example.org")
    assert set(pair["parts"]) == {"goals", "time", "format", "language"}
    assert pair["shared_hours_per_week"] >= 1  # Mon and Tue, 16:00-18:00 London most weeks
    assert printed["unmatched"] == [
        {
            "mentee": "ada@example.org",
            "reason": "no shared time of at least 60 minutes with any mentor",
        }
    ]  # and Nia, who has not done orientation, is not proposed

    # 4. When the coordinator runs the matcher on the page, reviews and approves it
    post(client, f"{base}/proposals")
    review = page_text(client.get(f"{base}/review"))
    assert "ben@example.org" in review and "no shared time of at least 60 minutes" in review
    proposal = MatchProposal.get(MatchProposal.programme == programme)
    post(client, f"{base}/proposals/{proposal.id}/approve")
    drain(redis_worker)
    intro = text(mails(smtp_sink, "ben@example.org", "meet Maya Mentor")[0])
    assert "maya@example.org" in intro and "public speaking" in intro
    series = SessionSeries.get()
    rows = list(series.occurrences.order_by(Occurrence.starts_at))
    assert len(rows) == 6 and series.notes == []  # one slot inside both, through both changes
    invitation = mails(smtp_sink, "ben@example.org", "Invitation")[0]
    assert "America/New_York" in text(invitation)
    group_id = series.group_id
    post(client, f"{base}/groups/{group_id}/goals", {
        "person": Person.by_email("ben@example.org").id, "text": "Speak at assembly",
        "measure": "talks given", "target": "2", "due_date": "2027-06-01",
    })  # fmt: skip

    # 5. When Ben accepts the second session (15 March, between the two clock changes) from a
    # CalDAV server writing RECURRENCE-ID in UTC, and Maya declines the third from Google
    second, third = rows[1], rows[2]
    assert second.starts_at.date() == dt.date(2027, 3, 15)
    ics = clients.utc_reply(series.session.uid, second.recurrence_id, "ben@example.org",
                            "ACCEPTED")  # fmt: skip
    assert receive(clients.mail("ben@example.org", ics, "Accepted"), redis_worker) == "applied"
    ics = clients.google(series.session.uid, "Europe/London", third.recurrence_id,
                         third.starts_at, third.ends_at, "maya@example.org",
                         "DECLINED")  # fmt: skip
    assert receive(clients.mail("maya@example.org", ics), redis_worker) == "applied"

    # Then each answer lands on its own session, and Ben is offered other times for the third
    answers = {(r.occurrence_id, r.person.email): r.partstat for r in OccurrenceRsvp.select()}
    assert answers == {
        (second.id, "ben@example.org"): "ACCEPTED",
        (third.id, "maya@example.org"): "DECLINED",
    }
    assert "Maya Mentor cannot make the session" in text(
        mails(smtp_sink, "ben@example.org", "another time")[0]
    )

    # 6. When the first session ends, both give feedback by reply
    clock.freeze(rows[0].ends_at + dt.timedelta(minutes=5))
    tick(redis_worker)
    ask_maya = mails(smtp_sink, "maya@example.org", "how did the session")[0]
    ask_ben = mails(smtp_sink, "ben@example.org", "your reflection")[0]
    answer = "Rating: 4\nAttended: yes\nBen opened the meeting confidently."
    assert receive(outlook_reply(ask_maya, "maya@example.org", answer), redis_worker) == "applied"
    answer = "Satisfaction: 5\nGoal 1: 2\nI gave my second talk today."
    assert receive(gmail_reply(ask_ben, "ben@example.org", answer), redis_worker) == "applied"

    # Then the feedback is on the pair's record, and the reached goal brings its certificate
    assert {f.role: f.rating for f in SessionFeedback.select()} == {"mentor": 4, "mentee": 5}
    assert Goal.get(Goal.text == "Speak at assembly").status == "achieved"
    recognition = mails(smtp_sink, "ben@example.org", "reached your goal")[0]
    pdf = next(p for p in recognition.iter_attachments() if p.get_filename().endswith(".pdf"))
    page = pypdf.PdfReader(io.BytesIO(pdf.get_content())).pages[0].extract_text()
    assert "Ben Pupil" in page and "Speak at assembly" in page
    pair_page = page_text(client.get(f"{base}/groups/{group_id}"))
    assert "Ben opened the meeting confidently." in pair_page
