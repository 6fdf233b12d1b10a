"""Gunicorn's settings for Tandem's web process; gunicorn reads ./gunicorn.conf.py by itself."""

#: The access log (on with --access-logfile) shows the path alone (%(U)s), without the query
#: string or the referrer: URLs may carry what must stay secret (see web/accesslog.py).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'
