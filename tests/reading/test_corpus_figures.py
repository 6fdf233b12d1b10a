"""The four reading figures on the shared corpus, computed from what ``mail-parse`` prints.

Each message goes through ``workers.inbound.explain.explain``, the function behind
``flask --app web mail-parse``: raw messages as they are, reply-trimming bodies wrapped in
the message a client would send them in. The figures:

- kind: reply / auto-reply / bounce / calendar reply right, over every complete message;
- trimmed exact: the trimmed reply is the text the source project's test expects;
- kept whole: every line the person wrote is kept, and no line of quoted history;
- PARTSTAT: a calendar reply's participation status is read right;
- crashes: messages ``explain`` raised on (it must never raise).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from tests import services
from workers.inbound.explain import explain

#: Figures measured on the shared corpus. Before the reading was made general (issue 16):
#: kind 472/473, trimmed exact 103/109, kept whole 105/109, PARTSTAT 24/24; after it the
#: kind is 473/473 and the others are unchanged.
FLOORS = {"kind": 1.0, "trimmed_exact": 0.945, "kept_whole": 0.963, "partstat": 1.0}

#: Manifest kinds of raw messages that are reports or automatic answers; the rest are people's.
EXPECTED_KINDS = {
    "bounce": "bounce",
    "bounce_delayed": "bounce",
    "dsn_delivered": "bounce",
    "feedback_report": "bounce",
    "auto_reply": "auto_reply",
    "auto_generated": "auto_reply",
}

#: Methods whose object is an attendee's answer.
REPLY_METHODS = ("REPLY", "COUNTER")

#: The message a reply-trimming body is sent in.
WRAPPER = (
    "From: Ada <ada@example.org>\r\nTo: Tandem <reply@tandem.test>\r\nSubject: Re: Update\r\n"
    "Message-ID: <figure@example.org>\r\nIn-Reply-To: <update@tandem.test>\r\n"
    "MIME-Version: 1.0\r\nContent-Type: {ctype}; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n\r\n"
)


@pytest.fixture(scope="module")
def corpus() -> tuple[Path, list[dict]]:
    root = services.corpus_dir()
    if root is None:
        pytest.skip("the shared corpus (../shared/corpus) is not beside the project")
    return root, json.loads((root / "manifest.json").read_text(encoding="utf-8"))


def read(raw: bytes, name: str, crashes: list[str]) -> dict:
    """Explain one message as mail-parse does; a crash is recorded and reads as nothing."""
    try:
        return explain(raw, file=name, lookup=False)
    except Exception as exc:  # counted: explain must never raise
        crashes.append(f"{name}: {type(exc).__name__}: {exc}")
        return {"kind": "crash", "reply_text": "", "calendar": None}


def expected_kind(entry: dict) -> str:
    if entry["set"] == "itip":
        answered = entry["kind"].startswith("reply_") and entry["kind"] != "reply_no_calendar"
        return "calendar_reply" if answered else "reply"
    return EXPECTED_KINDS.get(entry["kind"], "reply")


def kind_figure(root: Path, manifest: list[dict], crashes: list[str]) -> tuple[float, list]:
    """Share of complete messages read as the right kind (a malformed one may be any kind)."""
    entries = [e for e in manifest if e["set"] != "reply-trimming" and e["path"].endswith(".eml")]
    misses = []
    for entry in entries:
        kind = read((root / entry["path"]).read_bytes(), entry["path"], crashes)["kind"]
        malformed = entry["kind"] == "malformed" and kind != "crash"
        if kind != expected_kind(entry) and not malformed:
            misses.append(f"{entry['path']}: {entry['kind']} read as {kind}")
    return 1 - len(misses) / len(entries), misses


def wrapped(path: Path) -> bytes:
    """The message a client sends a reply-trimming body in (HTML bodies as text/html)."""
    ctype = "text/html" if path.suffix == ".html" else "text/plain"
    return WRAPPER.format(ctype=ctype).encode() + path.read_bytes()


def same(got: str, expected: str, compare: str) -> bool:
    """Compare as the source test does; the final newline of a file is not part of a reply."""
    if compare == "strip":
        return got.strip() == expected.strip()
    if compare == "ignore_all_whitespace":
        return re.sub(r"\s", "", got) == re.sub(r"\s", "", expected)
    return got.rstrip() == expected.rstrip()


def lines(text: str) -> set[str]:
    return {line.strip() for line in text.splitlines() if line.strip()}


def kept_whole(root: Path, entry: dict, body: str, got: str, expected: str) -> bool:
    """Every line the person wrote is kept, and no line of the quoted history."""
    elided = root / entry["path"].replace(".txt", ".elided.txt")
    source = elided.read_text(encoding="utf-8") if elided.exists() else body
    history = lines(source) - lines(expected)
    words = {line for line in lines(expected) if not line.startswith(">")}
    return words <= lines(got) and not lines(got) & history


def trimming_figures(root: Path, manifest: list[dict], crashes: list[str]) -> dict:
    """Trimmed-exact and kept-whole shares over the reply-trimming set."""
    entries = [e for e in manifest if e["set"] == "reply-trimming"]
    exact, whole = [], []
    for entry in entries:
        path = root / entry["path"]
        got = read(wrapped(path), entry["path"], crashes)["reply_text"]
        expected = (root / entry["expected"]["expected_path"]).read_text(encoding="utf-8")
        if not same(got, expected, entry["expected"]["compare"]):
            exact.append(entry["path"])
        if not kept_whole(root, entry, path.read_text(encoding="utf-8"), got, expected):
            whole.append(entry["path"])
    n = len(entries)
    return {"trimmed_exact": (1 - len(exact) / n, exact), "kept_whole": (1 - len(whole) / n, whole)}


def calendar_message(path: Path) -> bytes:
    """A bare iTIP object as a calendar client mails it; a message file as it is."""
    if path.suffix != ".ics":
        return path.read_bytes()
    text = path.read_bytes()
    method = re.search(rb"^METHOD:(\w+)", text, re.M)
    param = f"; method={method.group(1).decode()}" if method else ""
    head = WRAPPER.format(ctype=f"text/calendar{param}").replace("Re: Update", "Accepted")
    return head.encode() + text


def partstat_figure(root: Path, manifest: list[dict], crashes: list[str]) -> tuple[float, list]:
    """Share of calendar replies whose PARTSTAT is read right."""
    replies = [
        e
        for e in manifest
        if e["set"] == "itip" and e["expected"].get("method") in REPLY_METHODS
        if e["expected"].get("partstat")
    ]
    misses = []
    for entry in replies:
        found = read(calendar_message(root / entry["path"]), entry["path"], crashes)
        partstat = (found.get("calendar") or {}).get("partstat")
        if partstat != entry["expected"]["partstat"]:
            misses.append(f"{entry['path']}: {partstat} for {entry['expected']['partstat']}")
    return 1 - len(misses) / len(replies), misses


@cache
def figures(root: Path) -> dict:
    """Measure the four figures and the crashes once per run."""
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    crashes: list[str] = []
    found = {"kind": kind_figure(root, manifest, crashes)}
    found.update(trimming_figures(root, manifest, crashes))
    found["partstat"] = partstat_figure(root, manifest, crashes)
    found["crashes"] = (len(crashes), crashes)
    return found


def test_it_reports_the_reading_figures_and_keeps_them_from_dropping(corpus) -> None:
    # Given the shared corpus; When every message is explained as mail-parse does
    found = figures(corpus[0])
    for name, (value, misses) in found.items():
        print(f"{name}: {value:.3f}" if name != "crashes" else f"crashes: {value}")
        print("".join(f"  miss {m}\n" for m in misses), end="")
    # Then no figure is below the one measured before, and nothing crashed
    for name, floor in FLOORS.items():
        assert round(found[name][0], 3) >= floor, name
    assert found["crashes"][0] == 0
