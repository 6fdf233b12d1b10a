"""Tandem's background work: Dramatiq actors and the mail and cycle logic they call.

Importing this package starts nothing; ``workers.actors`` gathers the actor modules for
``dramatiq``.
"""
