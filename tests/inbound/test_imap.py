"""IMAP polling against a real Dovecot server started on free ports."""

from __future__ import annotations

import imaplib
import os
import shutil
import signal
import ssl
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from models import ImapCursor, InboundMessage
from tests import mailfactory as mf
from tests import services
from workers.inbound import imap

#: Dovecot's configuration for one test server: IMAP with STARTTLS, IMAPS, a passwd file.
DOVECOT_CONF = """\
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{dir}/cert.pem
ssl_key = <{dir}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
{capability}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/passwd
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={dir}/home/%u
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = {ssl_port}
  }}
}}
default_login_user = dovenull
first_valid_uid = 1
auth_failure_delay = 0
shutdown_clients = yes
default_internal_user = dovecot
"""

#: Capabilities of a server without MOVE (RFC 6851), so taken mail is only flagged.
#: Mailbox users each server has, one per test.
USERS = 40

NO_MOVE = "imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE UIDPLUS"


class Dovecot:
    """A private Dovecot IMAP server in a temporary folder."""

    def __init__(self, move: bool = True) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="tandem-dovecot-"))
        self.dir.chmod(0o755)
        for sub in ("run", "state", "home"):
            (self.dir / sub).mkdir()
        shutil.chown(self.dir / "home", "dovecot", "dovecot")
        self._make_cert()
        # Users exist before the server starts: Dovecot notices passwd changes only per second.
        self.users = [(f"u{n}", "pw-" + uuid.uuid4().hex[:8]) for n in range(USERS)]
        (self.dir / "passwd").write_text("".join(f"{u}:{{PLAIN}}{p}\n" for u, p in self.users))
        self.port, self.ssl_port = services.free_port(), services.free_port()
        self.conf = self.dir / "dovecot.conf"
        self.conf.write_text(
            DOVECOT_CONF.format(
                dir=self.dir,
                port=self.port,
                ssl_port=self.ssl_port,
                capability="" if move else NO_MOVE,
            )
        )
        subprocess.run(["dovecot", "-c", str(self.conf)], check=True, timeout=30)
        services.wait_for_port(self.port)
        services.wait_for_port(self.ssl_port)

    def _make_cert(self) -> None:
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                str(self.dir / "key.pem"),
                "-out",
                str(self.dir / "cert.pem"),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def context(self) -> ssl.SSLContext:
        """Return a TLS context that trusts this server's certificate."""
        return ssl.create_default_context(cafile=str(self.dir / "cert.pem"))

    def add_user(self) -> tuple[str, str]:
        """Return a mailbox user nobody has used yet, and its password."""
        return self.users.pop()

    def stop(self) -> None:
        pid = int((self.dir / "run" / "master.pid").read_text().strip())
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            time.sleep(0.05)
        shutil.rmtree(self.dir, ignore_errors=True)


def _dovecot_missing() -> str | None:
    if shutil.which("dovecot") is None:
        return "Dovecot is not installed (Debian package dovecot-imapd)"
    if shutil.which("openssl") is None:
        return "openssl is not installed"
    if os.geteuid() != 0:
        return "Dovecot's test server switches to its own users, which needs root"
    return None


def _server(move: bool):
    reason = _dovecot_missing()
    if reason:
        pytest.skip(f"no real IMAP server for these tests: {reason}")
    server = Dovecot(move=move)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def dovecot():
    """A real IMAP server offering MOVE."""
    yield from _server(move=True)


@pytest.fixture(scope="module")
def dovecot_without_move():
    """A real IMAP server that does not offer MOVE."""
    yield from _server(move=False)


def _mailbox(server: Dovecot):
    user, password = server.add_user()
    url = f"imap+starttls://{user}:{password}@127.0.0.1:{server.port}/INBOX"
    client = imaplib.IMAP4("127.0.0.1", server.port)
    client.login(user, password)
    yield url, client
    client.logout()


@pytest.fixture
def mailbox(dovecot):
    """A fresh user on the server: its URL and a logged-in client for the test's own use."""
    yield from _mailbox(dovecot)


def append(client: imaplib.IMAP4, raw: bytes) -> None:
    typ, data = client.append("INBOX", None, None, raw)
    assert typ == "OK", data


def uids(client: imaplib.IMAP4, folder: str, criteria: str = "ALL") -> list[bytes]:
    client.select(f'"{folder}"')
    return client.uid("SEARCH", None, criteria)[1][0].split()


def test_it_takes_each_new_message_once(db, dovecot, mailbox):
    # Given two messages in the mailbox
    url, client = mailbox
    append(client, mf.reply("ada@example.org", "reply+x@tandem.test", "first"))
    append(client, mf.reply("bob@example.org", "reply+y@tandem.test", "second"))
    # When polling twice, with a third message arriving in between
    assert imap.poll(url, dovecot.context()) == 2
    append(client, mf.reply("cy@example.org", "reply+z@tandem.test", "third"))
    assert imap.poll(url, dovecot.context()) == 1
    assert imap.poll(url, dovecot.context()) == 0
    # Then each is stored once, and the cursor holds the last UID
    bodies = sorted(bytes(r.raw).split(b"\r\n\r\n", 1)[1][:6] for r in InboundMessage.select())
    assert bodies == [b"first\r", b"second", b"third\r"]
    assert {r.channel for r in InboundMessage.select()} == {"imap"}
    [cursor] = ImapCursor.select()
    assert cursor.last_uid == 3 and cursor.uidvalidity > 0
    assert "pw-" not in cursor.mailbox


def test_it_moves_what_it_took_to_the_processed_folder(db, dovecot, mailbox):
    url, client = mailbox
    append(client, mf.reply("ada@example.org", "reply+x@tandem.test", "first"))
    imap.poll(url, dovecot.context())
    assert uids(client, "INBOX") == []
    assert len(uids(client, "Tandem/Processed", "SEEN")) == 1


def test_it_flags_what_it_took_when_the_server_cannot_move(db, dovecot_without_move):
    mailbox = _mailbox(dovecot_without_move)
    url, client = next(mailbox)
    append(client, mf.reply("ada@example.org", "reply+x@tandem.test", "first"))
    assert imap.poll(url, dovecot_without_move.context()) == 1
    assert len(uids(client, "INBOX", "SEEN")) == 1
    mailbox.close()


def test_it_reads_the_mailbox_again_when_uidvalidity_changes(db, dovecot, mailbox):
    # Given a cursor from a mailbox whose UIDs have since been renumbered
    url, client = mailbox
    append(client, mf.reply("ada@example.org", "reply+x@tandem.test", "first"))
    target = imap.parse_imap_url(url)
    ImapCursor.create(mailbox=target.key, uidvalidity=1, last_uid=99)
    # When polling, then the message is read although its UID is below the old cursor
    assert imap.poll(url, dovecot.context()) == 1


def test_it_polls_over_imaps(db, dovecot):
    user, password = dovecot.add_user()
    client = imaplib.IMAP4_SSL("127.0.0.1", dovecot.ssl_port, ssl_context=dovecot.context())
    client.login(user, password)
    append(client, mf.reply("ada@example.org", "reply+x@tandem.test", "over tls"))
    client.logout()
    url = f"imaps://{user}:{password}@127.0.0.1:{dovecot.ssl_port}/INBOX"
    assert imap.poll(url, dovecot.context()) == 1


def test_it_reports_a_refused_login(dovecot):
    url = f"imap+starttls://nobody:wrong@127.0.0.1:{dovecot.port}/INBOX"
    with pytest.raises(imap.ImapError, match="cannot log in"):
        imap.poll(url, dovecot.context())


def test_the_imap_poll_command_takes_new_mail(db, dovecot, mailbox):
    # Given the app configured with a plain imap:// URL for the test server's mailbox
    from web import create_app
    from workers import settings as settings_mod

    url, client = mailbox
    append(client, mf.reply("ada@example.org", "reply+x@tandem.test", "by command"))
    current = settings_mod.get()
    plain = url.replace("imap+starttls://", "imap://")
    app = create_app({"TESTING": True, "DATABASE_URL": current.database_url, "IMAP_URL": plain})
    # When the command polls once
    result = app.test_cli_runner().invoke(args=["imap-poll"])
    # Then the message is stored
    assert result.exit_code == 0, result.output
    assert "stored 1 new message(s)" in result.output
    assert InboundMessage.select().count() == 1
