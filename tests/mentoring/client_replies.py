"""Calendar answers to one occurrence of a series, built the way real clients build them.

Google writes RECURRENCE-ID in the series' own TZID and keeps ORGANIZER; Outlook (Exchange)
names its zones with Windows names defined in a VTIMEZONE, leaves ORGANIZER out and sends
COUNTER for one occurrence; iOS writes times in the attendee's own zone and sends COUNTER
with its note in X-CALENDARSERVER-PRIVATE-COMMENT.
"""

from __future__ import annotations

import datetime as dt
import email.policy
from email.message import EmailMessage
from email.utils import make_msgid
from zoneinfo import ZoneInfo

#: Exchange's definition of New York's zone, as Outlook puts it in its replies.
EASTERN = """BEGIN:VTIMEZONE
TZID:Eastern Standard Time
BEGIN:STANDARD
DTSTART:16010101T020000
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=11
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE"""

#: Apple's definition of New York's zone.
APPLE_NEW_YORK = """BEGIN:VTIMEZONE
TZID:America/New_York
BEGIN:DAYLIGHT
DTSTART:20070311T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
TZNAME:EDT
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:20071104T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
TZNAME:EST
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
END:STANDARD
END:VTIMEZONE"""


def _stamp(naive_utc: dt.datetime) -> str:
    return f"{naive_utc:%Y%m%dT%H%M%S}Z"


def _local(naive_utc: dt.datetime, zone: str) -> str:
    return f"{naive_utc.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(zone)):%Y%m%dT%H%M%S}"


def google(uid, series_zone, rid, start, end, who, partstat, sequence=0, organizer="") -> str:
    """Google Calendar: RECURRENCE-ID and times in the series' TZID, ORGANIZER kept."""
    return "\n".join(
        [
            "BEGIN:VCALENDAR",
            "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
            "VERSION:2.0",
            "CALSCALE:GREGORIAN",
            "METHOD:REPLY",
            "BEGIN:VEVENT",
            f"DTSTART;TZID={series_zone}:{_local(start, series_zone)}",
            f"DTEND;TZID={series_zone}:{_local(end, series_zone)}",
            f"DTSTAMP:{_stamp(start - dt.timedelta(days=3))}",
            f"ORGANIZER;CN=Tandem:mailto:{organizer or 'tandem@tandem.test'}",
            f"UID:{uid}",
            f"RECURRENCE-ID;TZID={series_zone}:{_local(rid, series_zone)}",
            f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};CN={who}"
            f";X-NUM-GUESTS=0:mailto:{who}",
            f"SEQUENCE:{sequence}",
            "STATUS:CONFIRMED",
            "SUMMARY:Mentoring",
            "END:VEVENT",
            "END:VCALENDAR",
        ]
    )


def outlook(uid, rid, start, end, who, partstat, method="REPLY", sequence=0) -> str:
    """Outlook/Exchange: a Windows zone name, no ORGANIZER, COUNTER for one occurrence."""
    zone = "America/New_York"
    return "\n".join(
        [
            "BEGIN:VCALENDAR",
            f"METHOD:{method}",
            "PRODID:Microsoft Exchange Server 2010",
            "VERSION:2.0",
            EASTERN,
            "BEGIN:VEVENT",
            f"ATTENDEE;PARTSTAT={partstat};CN=Ben Pupil:mailto:{who.upper()}",
            "COMMENT;LANGUAGE=en-US:Could we do Tuesday instead?",
            "SUMMARY;LANGUAGE=en-US:Mentoring",
            f'DTSTART;TZID="Eastern Standard Time":{_local(start, zone)}',
            f'DTEND;TZID="Eastern Standard Time":{_local(end, zone)}',
            f"UID:{uid}",
            f'RECURRENCE-ID;TZID="Eastern Standard Time":{_local(rid, zone)}',
            "CLASS:PUBLIC",
            "PRIORITY:5",
            f"DTSTAMP:{_stamp(start - dt.timedelta(days=3))}",
            "TRANSP:OPAQUE",
            "STATUS:CONFIRMED",
            f"SEQUENCE:{sequence}",
            "X-MICROSOFT-CDO-INSTTYPE:3",
            "END:VEVENT",
            "END:VCALENDAR",
        ]
    )


def ios_counter(uid, rid, start, end, who, sequence=0) -> str:
    """iOS Calendar: COUNTER for one occurrence, in the attendee's own zone, with a note."""
    zone = "America/New_York"
    return "\n".join(
        [
            "BEGIN:VCALENDAR",
            "CALSCALE:GREGORIAN",
            "METHOD:COUNTER",
            "PRODID:-//Apple Inc.//iPhone OS 17.4//EN",
            "VERSION:2.0",
            APPLE_NEW_YORK,
            "BEGIN:VEVENT",
            f"ATTENDEE;CN=Ben Pupil;CUTYPE=INDIVIDUAL;EMAIL={who};PARTSTAT=TENTATIVE"
            f";ROLE=REQ-PARTICIPANT:mailto:{who}",
            f"DTEND;TZID=America/New_York:{_local(end, zone)}",
            f"DTSTAMP:{_stamp(start - dt.timedelta(days=2))}",
            f"DTSTART;TZID=America/New_York:{_local(start, zone)}",
            f"RECURRENCE-ID;TZID=America/New_York:{_local(rid, zone)}",
            f"SEQUENCE:{sequence}",
            "SUMMARY:Mentoring",
            f"UID:{uid}",
            "X-CALENDARSERVER-PRIVATE-COMMENT:Can we move this one?",
            "END:VEVENT",
            "END:VCALENDAR",
        ]
    )


def utc_reply(uid, rid, who, partstat, sequence=0) -> str:
    """A server's reply (as Sabre and CalDAV servers write it): RECURRENCE-ID in UTC."""
    return "\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "METHOD:REPLY",
            "BEGIN:VEVENT",
            f"ATTENDEE;PARTSTAT={partstat}:mailto:{who}",
            f"SEQUENCE:{sequence}",
            f"RECURRENCE-ID:{_stamp(rid)}",
            f"UID:{uid}",
            "END:VEVENT",
            "END:VCALENDAR",
        ]
    )


def mail(sender: str, ics: str, subject: str = "Declined: Mentoring") -> bytes:
    """Wrap a calendar answer in an email, as the clients send it (text/calendar part)."""
    method = next(line.split(":", 1)[1] for line in ics.splitlines() if line.startswith("METHOD:"))
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "tandem@tandem.test"
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="client.example.org")
    msg.set_content(f"{sender} answered.")
    part = EmailMessage()
    part.set_content(ics.replace("\n", "\r\n"), subtype="calendar", charset="utf-8")
    part.set_param("method", method)
    msg.make_mixed()
    msg.attach(part)
    return msg.as_bytes(policy=email.policy.SMTP)
