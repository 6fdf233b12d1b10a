"""Coordinators' accounts: sessions kept on the server, login throttling, invitations from
one coordinator to another, password changes and resets by email.

Links in emails (``links``) are signed, expire and work once; sessions (``sessions``) are
rows whose key the cookie holds, so logout and a password change end them at once; the
throttle (``throttle``) slows a client that guesses without ever locking out the account.
"""
