"""Measure reply trimming against the reply-trimming and raw-eml sets of the shared corpus."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from tests import services
from workers.reading.htmltext import html_to_text
from workers.reading.message import parse_message
from workers.reading.trimming import trim_reply

#: Floor for the share of cases matching the source project's expected text (measured 100/109).
EXACT_FLOOR = 0.915

#: Floor for the share of cases keeping the person's words and no quoted history (107/109).
CLEAN_FLOOR = 0.98

#: Lines that open a signature in an expected text (projects differ on keeping them).
SIGNATURE_START_RE = re.compile(r"^(--\s*$|sent (from|with) )", re.IGNORECASE)


def _manifest() -> tuple[Path, list[dict]]:
    corpus = services.corpus_dir()
    if corpus is None:
        pytest.skip("shared corpus not found beside the project (../shared/corpus)")
    return corpus, json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))


def _same(got: str, expected: str, compare: str) -> bool:
    if compare == "strip":
        return got.strip() == expected.strip()
    if compare == "ignore_all_whitespace":
        return re.sub(r"\s", "", got) == re.sub(r"\s", "", expected)
    return got == expected


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _words(expected: str) -> list[str]:
    """Return the expected lines that are the person's words (not quotes, not a signature)."""
    words = []
    for line in _lines(expected):
        if SIGNATURE_START_RE.match(line):
            break
        if not line.startswith(">"):
            words.append(line)
    return words


def _history(corpus: Path, entry: dict, body: str, expected: str) -> set[str]:
    """Return the lines of quoted history the trimmed reply must not contain."""
    elided = corpus / entry["path"].replace(".txt", ".elided.txt")
    source = elided.read_text(encoding="utf-8") if elided.exists() else body
    return set(_lines(source)) - set(_lines(expected))


def _run_case(corpus: Path, entry: dict) -> tuple[bool, bool]:
    """Trim one case; return (matches the expected text, clean: words kept, no history)."""
    path = corpus / entry["path"]
    raw = path.read_text(encoding="utf-8")
    expected = (corpus / entry["expected"]["expected_path"]).read_text(encoding="utf-8")
    if path.suffix == ".html":
        got, body = trim_reply("", raw), html_to_text(raw)
    else:
        got, body = trim_reply(raw), raw
    out = set(_lines(got))
    clean = set(_words(expected)) <= out and not (out & _history(corpus, entry, body, expected))
    return _same(got, expected, entry["expected"]["compare"]), clean


def test_it_trims_the_reply_trimming_sets_above_the_floors() -> None:
    # Given every reply-trimming case of the corpus
    corpus, manifest = _manifest()
    cases = [e for e in manifest if e["set"] == "reply-trimming"]
    total, exact, clean = Counter(), Counter(), Counter()
    # When each is trimmed
    for entry in cases:
        source = entry["path"].split("/")[1]
        matched, kept = _run_case(corpus, entry)
        total[source] += 1
        exact[source] += matched
        clean[source] += kept
    for source in sorted(total):
        n = total[source]
        print(f"{source}: exact {exact[source]}/{n}, clean {clean[source]}/{n}")
    exact_rate = sum(exact.values()) / len(cases)
    clean_rate = sum(clean.values()) / len(cases)
    print(f"all: exact {exact_rate:.3f}, words kept and no quoted history {clean_rate:.3f}")
    # Then the rates stay at or above the measured floors
    assert exact_rate >= EXACT_FLOOR
    assert clean_rate >= CLEAN_FLOOR


def test_it_reads_the_reply_text_source_projects_expect_from_raw_messages() -> None:
    # Given the raw messages whose source project asserts the reply or body text
    corpus, manifest = _manifest()
    checked = 0
    for entry in manifest:
        expected = entry["expected"] if entry["set"] == "raw-eml" else {}
        if not {"reply_text", "body", "body_contains", "reply_contains"} & set(expected):
            continue
        # When the message is parsed and trimmed
        parsed = parse_message((corpus / entry["path"]).read_bytes())
        reply = trim_reply(parsed.text, parsed.html)
        # Then the reply is what the source project expects
        if "reply_text" in expected:
            assert reply == expected["reply_text"], entry["path"]
        if "body" in expected:
            assert reply.strip() == expected["body"], entry["path"]
        for key in ("body_contains", "reply_contains"):
            if key in expected:
                assert expected[key] in reply, entry["path"]
        checked += 1
    assert checked >= 10


def test_it_parses_every_raw_message_without_crashing() -> None:
    # Given every complete message of the corpus (replies, bounces, calendar mail, malformed)
    corpus, _ = _manifest()
    paths = sorted([*corpus.glob("raw-eml/**/*.eml"), *corpus.glob("itip/**/*.eml")])
    assert paths
    for path in paths:
        # When it is parsed and trimmed
        parsed = parse_message(path.read_bytes())
        reply = trim_reply(parsed.text, parsed.html)
        # Then a message comes out (text may be empty, e.g. for a bare attachment)
        assert isinstance(reply, str)
        assert parsed.headers is not None
