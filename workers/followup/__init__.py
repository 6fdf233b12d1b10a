"""The follow-up session cycle: trigger, collect replies, chase, brief, summarise, follow up.

Each stage registers its job handlers (``workers.runtime.jobs``) and ``replies`` its reply
appliers when imported; ``workers.actors`` imports them all.
"""
