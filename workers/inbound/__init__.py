"""Mail coming in: the ways in (SMTP listener, MTA pipe, IMAP poll), storing the raw bytes,
claiming them, the pipeline that reads and applies each message, matching it to its person
and object, the appliers and the rejections.
"""
