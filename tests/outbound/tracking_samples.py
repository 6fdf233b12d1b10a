"""Examples of the progress-tracking emails (attendance, materials, self-assessment, at-risk
interventions), with the values their senders in workers/tracking/ give them.

Names, titles and links are as long as real ones get, so a layout that only fits short ones
shows up at phone width.
"""

from __future__ import annotations

from workers.tracking import interventions, material_replies, selfassess

#: A participant's signed link to a material, as long as ``material_links.link_url`` makes.
MATERIAL_LINK = "https://tandem.example.org/m/" + "WzEyLDM0NV0.ZxYwVg.k3y-Qm9vaw" * 3

#: A reason a participant was flagged, in the shape ``atrisk_signals.Signal`` stores.
OVERDUE = {
    "words": "2 assignments overdue in the last 28 days",
    "data": {
        "count": 2,
        "oldest_due": "2026-11-09",
        "assignments": [
            {
                "title": "Case study: the corridor argument between two Year 9 tutor groups",
                "due": "2026-11-09",
            },
        ],
    },
}

#: Another reason, from a participant who has gone quiet.
SILENT = {
    "words": "nothing heard since joining on 2026-10-12 (23 days)",
    "data": {"days": 23, "last": "", "joined": "2026-10-12"},
}

#: Emails of the tracking cycle, with the context each sender gives.
TRACKING = {
    "headcount": {
        "recipient_name": "Dr Jonathan Whitfield-Okonkwo",
        "programme": "Prefect Mentoring 2026-27",
        "title": "Group mentoring: leading your first house assembly without notes",
        "when": "Tue 24 Nov 2026, 16:00–17:00 (Europe/London)",
        "people": [
            {"number": 1, "name": "Priya Raman-Fitzgerald", "rsvp": "accepted"},
            {"number": 2, "name": "Samuel Adeyemi-Johansson", "rsvp": "declined"},
            {"number": 3, "name": "Maria Lopez", "rsvp": "needs-action"},
        ],
    },
    "materials": {
        "recipient_name": "Priya Raman-Fitzgerald",
        "programme": "Prefect Mentoring 2026-27",
        "help": material_replies.HELP,
        "materials": [
            {
                "label": "module 1",
                "title": "Safeguarding basics for new prefects: what to do and whom to tell",
                "link": MATERIAL_LINK,
            },
            {"label": "reading 1", "title": "Leading without a title", "link": MATERIAL_LINK},
            {"label": "video 1", "title": "Running a tutor-group meeting", "link": MATERIAL_LINK},
        ],
    },
    "self-assessment": {
        "recipient_name": "Priya Raman-Fitzgerald",
        "programme": "Prefect Mentoring 2026-27",
        "help": selfassess.HELP,
        "first": True,
        "competences": [
            {"number": 1, "name": "Listening to younger students before deciding"},
            {"number": 2, "name": "Speaking at an assembly"},
            {"number": 3, "name": "Giving feedback that is kind and specific"},
        ],
    },
    "intervention-flag": {
        "recipient_name": "Dr Jonathan Whitfield-Okonkwo",
        "programme": "Prefect Mentoring 2026-27",
        "participant": "Priya Raman-Fitzgerald",
        "participant_email": "priya.raman-fitzgerald@students.example-academy.org.uk",
        "raised_on": "2026-11-30",
        "reasons": [
            {"words": r["words"], "facts": interventions.facts(r)} for r in (OVERDUE, SILENT)
        ],
        "help": interventions.HELP,
    },
    "intervention-cleared": {
        "recipient_name": "Dr Jonathan Whitfield-Okonkwo",
        "programme": "Prefect Mentoring 2026-27",
        "participant": "Priya Raman-Fitzgerald",
        "raised_on": "2026-11-30",
        "cleared_on": "2026-12-14",
        "reasons": [OVERDUE["words"], SILENT["words"]],
    },
}
