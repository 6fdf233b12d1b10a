"""The mentoring cycle: assess, match, pair, recurring sessions, feedback, goals.

Mentees are assessed for their needs and matched to mentors on goals and skills, real shared
time across time zones, format and language, within each mentor's capacity; each pair is
introduced, meets on a recurring calendar invitation in both people's own time zones, gives
feedback after every session and works through an action plan and SMART goals. The matching
core (``availability``, ``scoring``, ``matching``) is plain functions over plain values.
"""
