"""For a first run and for development: the demo data, the dev mail catcher and replying as
anyone from the dev mailbox.
"""
