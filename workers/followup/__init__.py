"""The follow-up session cycle: trigger, collect replies, chase, brief, summarise, follow up.

Importing the package registers its job handlers and reply appliers.
"""

from workers.followup import replies, schedule  # noqa: F401  (registers handlers and appliers)
