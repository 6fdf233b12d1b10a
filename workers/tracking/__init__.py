"""Progress tracking: assignments and submissions, attendance, engagement, goals and
self-assessments, at-risk detection, reports and the dashboard.

Everything a participant does or fails to do is recorded as an ``Event`` (``events``), with a
weekly engagement count kept beside it. The at-risk rules (``atrisk_signals``, ``atrisk``)
and the dashboard aggregates (``dashboard``) are plain functions over a programme id, a
``Scope`` of filters (``scope``) and a time; each is a few GROUP BY queries in the database.
"""
