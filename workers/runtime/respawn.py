"""Keep copies of a command running: start a copy again when it exits, with backoff.

``python -m workers.runtime.respawn --copies 2 -- dramatiq workers.actors -p 1 -t 4`` is how
the Procfiles run the workers. Dramatiq's main process stops its other worker processes and
exits when one of them dies (say, to the kernel's OOM killer); under honcho that would end
every process. Here each copy is a Dramatiq main process with one worker process, so a death
stops that copy only, and it is started again while the other goes on working.

A copy that exits is started again after 1 s, twice as long after each quick exit, up to
30 s; a copy that ran a minute starts again after 1 s. SIGTERM, SIGINT or SIGHUP stop every
copy (SIGTERM to its main process, SIGKILL to what is left of its process group after
``STOP_TIMEOUT``) and exit.
Under systemd, run the worker units instead (``deploy/systemd/``): systemd restarts each.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

logger = logging.getLogger("respawn")

#: Seconds before the first restart of a copy that exited.
FIRST_DELAY = 1.0

#: Longest wait before a restart.
MAX_DELAY = 30.0

#: A copy that ran this long counts as healthy: its next restart waits FIRST_DELAY again.
HEALTHY_AFTER = 60.0

#: Seconds a stopping copy gets to finish its current messages before it is killed: under
#: honcho's 5, which then kills us, and would leave the copies (groups of their own) running.
#: What a killed worker held is recovered as after any other death.
STOP_TIMEOUT = 4.0


@dataclass
class Copy:
    """One running copy of the command, and when it may be started again."""

    number: int
    proc: subprocess.Popen | None = None
    started: float = 0.0
    delay: float = FIRST_DELAY
    restart_at: float | None = field(default=0.0)


def start(copy: Copy, command: list[str]) -> None:
    """Start ``copy`` in a process group of its own, so it can be stopped whole."""
    copy.proc = subprocess.Popen(command, start_new_session=True)
    copy.started = time.monotonic()
    copy.restart_at = None
    logger.info("copy %s started (pid %s): %s", copy.number, copy.proc.pid, " ".join(command))


def reap(copy: Copy) -> None:
    """Notice a copy that exited: stop what is left of its group, plan its restart."""
    if copy.proc is None or copy.restart_at is not None or copy.proc.poll() is None:
        return
    ran = time.monotonic() - copy.started
    if ran >= HEALTHY_AFTER:
        copy.delay = FIRST_DELAY
    wait, copy.delay = copy.delay, min(copy.delay * 2, MAX_DELAY)
    logger.warning(
        "copy %s exited with %s after %.0f s; starting it again in %.0f s",
        copy.number,
        copy.proc.returncode,
        ran,
        wait,
    )
    # Its Dramatiq main process is gone; any worker process it left behind goes too.
    _signal_group(copy.proc.pid, signal.SIGTERM)
    stop_groups([copy.proc], timeout=STOP_TIMEOUT)
    copy.restart_at = time.monotonic() + wait


def stop_groups(procs: list[subprocess.Popen], timeout: float) -> None:
    """Wait for the process groups ``procs`` lead to end (reaping the leaders), then SIGKILL
    whatever is still there after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in procs:
            proc.poll()
        if not any(_group_alive(proc.pid) for proc in procs):
            return
        time.sleep(0.1)
    for proc in procs:
        _signal_group(proc.pid, signal.SIGKILL)
        proc.wait()


def _signal_group(group: int, signum: int) -> None:
    try:
        os.killpg(group, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Stop(Exception):
    """A signal asked us to stop every copy."""


def _raise_stop(signum, frame) -> None:
    raise Stop(signal.Signals(signum).name)


def supervise(command: list[str], copies: int) -> int:
    """Run ``copies`` copies of ``command`` until a signal stops us; return the exit status."""
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, _raise_stop)
    running = [Copy(number) for number in range(1, copies + 1)]
    try:
        while True:
            for copy in running:
                reap(copy)
                if copy.restart_at is not None and time.monotonic() >= copy.restart_at:
                    start(copy, command)
            time.sleep(0.2)
    except Stop as stop:
        logger.info("%s: stopping %s copies", stop, copies)
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        started = [copy.proc for copy in running if copy.proc is not None]
        for proc in started:
            # The main process only: Dramatiq passes the signal on to its worker processes,
            # and a worker process signalled twice stops at once instead of finishing.
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        stop_groups(started, timeout=STOP_TIMEOUT)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and supervise the command."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=1, help="copies to keep running")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command or args.copies < 1:
        parser.error("give at least one copy and a command after --")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s respawn: %(message)s")
    return supervise(command, args.copies)


if __name__ == "__main__":
    sys.exit(main())
