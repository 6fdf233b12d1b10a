"""The coordinators bench/load.py plays with locust: log in, then read the busy pages.

Each simulated coordinator logs in through the login form (CSRF token and all) with one of
the logins load.py made, then keeps opening the programme's tracking dashboard, the cycle
being delivered and the mentoring pairs, with a think time between pages (LOAD_THINK,
"min,max" seconds: load.py's --think). The
programme and the ids come from the environment load.py sets (LOAD_* below).
"""

from __future__ import annotations

import itertools
import os
import re
import time

import requests
from gevent.event import Event
from locust import HttpUser, between, task

#: The CSRF token in the login form.
TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')

PROGRAMME = os.environ.get("LOAD_PROGRAMME", "1")
CYCLE = os.environ.get("LOAD_CYCLE", "1")
GROUPS = [g for g in os.environ.get("LOAD_GROUPS", "").split(",") if g]
LOGINS = int(os.environ.get("LOAD_LOGINS", "50"))
THINK = tuple(float(part) for part in os.environ.get("LOAD_THINK", "3,10").split(","))
PASSWORD = os.environ.get("LOAD_PASSWORD", "")

#: Hands out the logins, one per simulated coordinator.
_numbers = itertools.count()

#: Counts the logins done: once every coordinator is in, the page figures start afresh.
_logged_in = itertools.count(1)

#: Set when every coordinator has logged in; until then nobody opens a page.
_everyone_in = Event()


class Coordinator(HttpUser):
    """A logged-in coordinator watching a cycle go out."""

    wait_time = between(*THINK)

    def on_start(self) -> None:
        """Log in through the form, as a browser does, outside the page statistics.

        Logging in is slow on purpose (a memory-hard password hash); load.py times it apart.
        """
        number = next(_numbers) % LOGINS
        self.groups = itertools.cycle(GROUPS[number:] + GROUPS[:number] or ["0"])
        browser = requests.Session()
        page = browser.get(f"{self.host}/auth/login", timeout=60)
        form = {
            "email": f"coord{number}@load.example",
            "password": PASSWORD,
            "csrf_token": TOKEN_RE.search(page.text).group(1),
        }
        began = time.perf_counter()
        answer = browser.post(
            f"{self.host}/auth/login", data=form, allow_redirects=False, timeout=120
        )
        elapsed_ms = 1000 * (time.perf_counter() - began)
        print(f"login {number}: {answer.status_code} in {elapsed_ms:.0f} ms", flush=True)
        if answer.status_code != 302:  # an error in the figures; the pages then fail too
            self.environment.events.request.fire(
                request_type="POST",
                name="/auth/login",
                response_time=elapsed_ms,
                response_length=0,
                exception=RuntimeError(f"login answered {answer.status_code}"),
                context={},
            )
        self.client.cookies.update(browser.cookies)
        if next(_logged_in) == LOGINS:
            # The 50 password hashes at the start fill the CPU for some seconds: pages opened
            # meanwhile would time the logins, not the pages. So each coordinator waits until
            # all are in, and the page figures start then (a failed login's error is kept).
            errors = dict(self.environment.runner.stats.errors)
            self.environment.runner.stats.reset_all()
            self.environment.runner.stats.errors.update(errors)
            print("every coordinator logged in: page figures start now", flush=True)
            _everyone_in.set()
        _everyone_in.wait(timeout=300)
        self.wait()  # people do not all open their first page in the same instant

    def _get(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as page:
            if page.status_code != 200:
                page.failure(f"{page.status_code} (logged out?)")

    @task(3)
    def dashboard(self) -> None:
        """The programme's tracking dashboard."""
        self._get(f"/programmes/{PROGRAMME}/tracking", "/programmes/[id]/tracking")

    @task(3)
    def cycle(self) -> None:
        """The cycle whose emails are going out."""
        self._get(f"/cycles/{CYCLE}", "/cycles/[id]")

    @task(2)
    def pair(self) -> None:
        """One mentoring pair's page."""
        self._get(
            f"/mentoring/{PROGRAMME}/groups/{next(self.groups)}", "/mentoring/[id]/groups/[id]"
        )
