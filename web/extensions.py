"""Flask extensions shared by the app factory and the blueprints."""

from __future__ import annotations

from flask_wtf import CSRFProtect

#: CSRF protection for every form; the inbound HTTP endpoint is exempt (it has its own secret).
csrf = CSRFProtect()
