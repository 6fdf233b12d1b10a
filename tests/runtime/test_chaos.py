"""A tiny chaos run (``bench/chaos.py``): 20 stakeholders, a worker process killed while their
emails go out, the relay refusing a fifth of deliveries; nothing is lost or done twice."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: The last line the run prints.
LAST = re.compile(
    r"^lost=(\d+) duplicated=(\d+) applied_twice=(\d+) unfinished=(\d+)"
    r" late_summaries=(\d+) resume_s=(\d+)$"
)


def test_a_tiny_chaos_run_loses_nothing_and_applies_nothing_twice(tmp_path):
    # given: the chaos command with 20 stakeholders and one worker process killed
    command = [sys.executable, str(ROOT / "bench" / "chaos.py"), "--stakeholders", "20"]
    command += ["--faults", "kill", "--summary-faults", "", "--budget", "150"]
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}

    # when: it runs to its end
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)

    # then: nothing was lost, every reply was finished once, the summary was on time, work
    # resumed within 30 s of the kill, and an email arrived twice only in SMTP's own window:
    # its worker was killed after the final dot, before the relay's answer, and the row's
    # next holder sent it again (docs/delivery.md); no other email arrived twice
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "fault kill: SIGKILL worker process" in done.stdout
    found = LAST.match(lines[-1])
    assert found, lines[-5:]
    lost, duplicated, twice, unfinished, late, resume = map(int, found.groups())
    assert (lost, twice, unfinished, late) == (0, 0, 0, 0), lines[-8:]
    copies = [line for line in lines if line.startswith("  twice: ")]
    assert len(copies) == duplicated, lines[-8:]
    for line in copies:
        # the first copy arrived within seconds of a worker's SIGKILL: the window above
        assert "'kill at" in line.split("faults near:")[1], line
    assert resume <= 30
    emails = next(line for line in lines if line.startswith("emails: expected"))
    assert int(emails.split("expected ")[1].split(",")[0]) >= 80  # 2 per stakeholder, and more
    replies = next(line for line in lines if line.startswith("replies: sent"))
    assert int(replies.split("applied ")[1].split(",")[0]) >= 20  # each stakeholder's update
