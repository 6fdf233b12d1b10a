"""The worker runtime: the Dramatiq broker and its middleware, due work stored as jobs, the
scheduler that enqueues it, and the database speed-ups the hot paths use.
"""
