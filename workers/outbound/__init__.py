"""Mail going out: the outbox written in the caller's transaction, delivery over SMTP,
rendering from templates, calendar invitations, signed reply addresses and sent marks.
"""
