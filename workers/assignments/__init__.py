"""Assignments by email: set for a cohort or a person, sent, reminded, submitted by reply,
scored from an answer key or reviewed by a facilitator.

``setting`` creates an assignment and sends it; ``reminders`` chases whoever has not
submitted (checking at send time); ``submissions`` applies a participant's reply, with
``files`` checking and storing what it carries and ``quiz`` scoring it against a key;
``reviews`` asks a facilitator for a score and feedback and passes them on; ``overview``
counts submissions for the page.
"""
