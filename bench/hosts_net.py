"""Network namespaces for ``bench/hosts.py``: one switch, four hosts, and the db host's services.

Each host is a namespace with one veth link to a bridge in the switch namespace, addressed in a
private subnet that exists only inside these namespaces, so traffic goes only between them.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

#: Every namespace this bench makes starts with this, so a stale one can be found and removed.
PREFIX = "tandem-"

#: The switch: a namespace holding only the bridge.
SWITCH = f"{PREFIX}sw"

#: The hosts and their addresses in the private subnet.
HOSTS = {
    f"{PREFIX}db": "10.213.7.1",
    f"{PREFIX}w1": "10.213.7.2",
    f"{PREFIX}w2": "10.213.7.3",
    f"{PREFIX}front": "10.213.7.4",
}

#: The subnet's prefix length and its CIDR (for pg_hba.conf).
PREFIX_LEN = 24
SUBNET = "10.213.7.0/24"

#: Ports of the db host's services.
REDIS_PORT = 6379
PG_PORT = 5432


def run(*args: str) -> None:
    """Run one command, failing loudly."""
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def in_ns(ns: str, *args: str) -> list[str]:
    """Return the command that runs ``args`` inside namespace ``ns``."""
    return ["ip", "netns", "exec", ns, *args]


def namespaces() -> list[str]:
    """Return this bench's namespaces that exist now."""
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.startswith(PREFIX)]


def kill_host(ns: str) -> int:
    """SIGKILL every process in namespace ``ns``; return how many there were."""
    out = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True).stdout
    pids = [int(p) for p in out.split()]
    for pid in pids:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
    return len(pids)


def teardown() -> None:
    """Kill every process in this bench's namespaces and delete them (their links go too)."""
    for ns in namespaces():
        kill_host(ns)
    time.sleep(0.2)
    for ns in namespaces():
        subprocess.run(["ip", "netns", "delete", ns], check=False)


def build() -> None:
    """Make the switch, the hosts and their links; every host can reach every other."""
    run("ip", "netns", "add", SWITCH)
    run(*in_ns(SWITCH, "ip", "link", "add", "br0", "type", "bridge"))
    run(*in_ns(SWITCH, "ip", "link", "set", "br0", "up"))
    for i, (ns, address) in enumerate(HOSTS.items()):
        run("ip", "netns", "add", ns)
        host_end, switch_end = f"tdmh{i}", f"tdms{i}"
        run("ip", "link", "add", host_end, "type", "veth", "peer", "name", switch_end)
        run("ip", "link", "set", host_end, "netns", ns)
        run("ip", "link", "set", switch_end, "netns", SWITCH)
        run(*in_ns(SWITCH, "ip", "link", "set", switch_end, "master", "br0", "up"))
        run(*in_ns(ns, "ip", "link", "set", host_end, "name", "eth0"))
        run(*in_ns(ns, "ip", "addr", "add", f"{address}/{PREFIX_LEN}", "dev", "eth0"))
        run(*in_ns(ns, "ip", "link", "set", "eth0", "up"))
        run(*in_ns(ns, "ip", "link", "set", "lo", "up"))


def wait_tcp(ns: str, host: str, port: int, timeout: float = 30) -> None:
    """Block until ``host:port`` accepts a connection from inside namespace ``ns``."""
    probe = f"import socket; socket.create_connection(({host!r}, {port}), timeout=1).close()"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if subprocess.run(in_ns(ns, "python3", "-c", probe), capture_output=True).returncode == 0:
            return
        time.sleep(0.2)
    raise TimeoutError(f"{host}:{port} did not answer from {ns} within {timeout}s")


def start_db_host(folder: Path) -> tuple[str, str]:
    """Start a private Redis and PostgreSQL cluster on the db host; return their URLs."""
    ns, address = f"{PREFIX}db", HOSTS[f"{PREFIX}db"]
    redis_dir = folder / "redis"
    redis_dir.mkdir()
    log = open(folder / "db.log", "ab")  # noqa: SIM115
    redis = [shutil.which("redis-server") or "redis-server", "--bind", address]
    redis += ["--port", str(REDIS_PORT), "--save", "", "--appendonly", "no"]
    redis += ["--protected-mode", "no", "--dir", str(redis_dir)]
    subprocess.Popen(in_ns(ns, *redis), stdout=log, stderr=log)
    bindir = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
    data = folder / "pg"
    data.mkdir()
    shutil.chown(folder, "postgres")
    shutil.chown(data, "postgres")
    as_pg = ["runuser", "-u", "postgres", "--"]
    run(*as_pg, f"{bindir}/initdb", "-D", str(data), "-A", "trust", "-U", "postgres")
    with open(data / "pg_hba.conf", "a") as hba:
        hba.write(f"host all all {SUBNET} trust\n")
    options = [f"listen_addresses={address}", f"unix_socket_directories={data}"]
    options += ["max_connections=300", f"port={PG_PORT}"]
    command = [*as_pg, f"{bindir}/postgres", "-D", str(data)]
    for option in options:
        command += ["-c", option]
    subprocess.Popen(in_ns(ns, *command), stdout=log, stderr=log)
    wait_tcp(f"{PREFIX}front", address, REDIS_PORT)
    wait_tcp(f"{PREFIX}front", address, PG_PORT)
    time.sleep(1)  # PostgreSQL listens a moment before it accepts logins
    return (
        f"postgresql://postgres@{address}:{PG_PORT}/postgres",
        f"redis://{address}:{REDIS_PORT}/0",
    )


def scratch() -> Path:
    """Return a new folder the postgres user can reach (for the cluster and the logs)."""
    folder = Path(tempfile.mkdtemp(prefix="tandem-hosts-"))
    folder.chmod(0o755)
    return folder
