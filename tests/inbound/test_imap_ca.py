"""IMAP TLS trusts IMAP_CA_FILE, its own setting, and not the relay's SMTP_CA_FILE."""

from __future__ import annotations

import dataclasses
import imaplib

import pytest

from models import InboundMessage
from tests import mailfactory as mf
from tests.inbound.test_imap import _server, append
from workers import settings as settings_mod
from workers.inbound import imap
from workers.settings import ConfigError, load_settings


@pytest.fixture(scope="module")
def server():
    """A real IMAP server with a certificate of its own, which no system store trusts."""
    yield from _server(move=True)


def _configure(**changes) -> None:
    settings_mod.configure(dataclasses.replace(settings_mod.get(), **changes))


@pytest.fixture
def imaps_url(db, server) -> str:
    """An IMAPS mailbox holding one reply."""
    user, password = server.add_user()
    client = imaplib.IMAP4_SSL("127.0.0.1", server.ssl_port, ssl_context=server.context())
    client.login(user, password)
    append(client, mf.reply("ada@example.org", "reply+x@tandem.test", "over tls"))
    client.logout()
    return f"imaps://{user}:{password}@127.0.0.1:{server.ssl_port}/INBOX"


def test_it_trusts_the_imap_ca_file(server, imaps_url):
    # Given IMAP_CA_FILE naming the server's certificate, and no SMTP_CA_FILE
    _configure(imap_ca_file=str(server.dir / "cert.pem"), smtp_ca_file="")
    # When the mailbox is polled with Tandem's own TLS settings
    assert imap.poll(imaps_url) == 1
    # Then the reply is stored
    assert b"over tls" in bytes(InboundMessage.get().raw)


def test_it_does_not_trust_the_relay_s_ca_file(server, imaps_url):
    # Given the server's certificate named only as the SMTP relay's CA
    _configure(imap_ca_file="", smtp_ca_file=str(server.dir / "cert.pem"))
    # When the mailbox is polled, then the certificate is refused and nothing is taken
    with pytest.raises(imap.ImapError, match="CERTIFICATE_VERIFY_FAILED"):
        imap.poll(imaps_url)
    assert InboundMessage.select().count() == 0


def test_a_missing_imap_ca_file_stops_start_up_naming_it(tmp_path):
    with pytest.raises(ConfigError, match="IMAP_CA_FILE"):
        load_settings({"IMAP_CA_FILE": str(tmp_path / "missing.pem"), "TANDEM_ENV": "dev"})
