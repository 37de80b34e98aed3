"""bench/fuzz.py's machinery in the suite: 2,000 random and mutated payloads from every kind of client
against a real server process; nothing crashes, every ack id is answered, no traceback in the server's
log, no 5xx, and every meeting's log still verifies."""

from __future__ import annotations

from pathlib import Path

from bench.fuzz import fuzz, parse_args
from bench.fuzz_payloads import EVENTS, Generator


def test_the_generator_covers_every_event_and_command() -> None:
    gen = Generator(3)
    payloads = [gen.next() for _ in range(20_000)]
    events = {p.event for p in payloads}
    assert set(EVENTS) <= events
    types = {p.data.get("type") for p in payloads if p.event == "command" and isinstance(p.data, dict)}
    assert set(gen.commands) <= types
    assert any(p.event is None for p in payloads) and any(not p.ack for p in payloads)
    # Seeded: the same seed, the same payloads.
    again = Generator(3)
    assert [again.next() for _ in range(200)] == payloads[:200]


def test_fuzz_smoke(tmp_path: Path) -> None:
    result = fuzz(tmp_path, parse_args(["--count", "2000", "--round", "2000", "--seconds", "120"]))
    assert result["payloads"] >= 2000, result
    assert result["crashes"] == 0 and result["healthy_after"], result
    assert result["unanswered"] == 0, result
    assert result["server_exceptions"] == 0 and result["internal_refusals"] == 0, result
    assert result["http_5xx"] == 0 and result["disconnects"] == 0, result
    assert result["log_verifies"] and result["meetings_verified"] == result["meetings_created"] >= 1, result
    assert result["ack_codes"].get("http 400", 0) > 0, result  # HTTP requests were part of it
    # Answers came back and most of them were refusals with a reason (random payloads are mostly wrong).
    assert result["answered"] + result["sent_without_ack"] >= result["payloads"], result
    assert result["ack_codes"].get("invalid", 0) > result["ack_codes"].get("ok", 0) > 0, result
