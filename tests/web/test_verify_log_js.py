"""verify_log.js checks a log as the server's verifier does: the same canonical JSON and SHA-256 on lines
the server would serve, with payloads full of what JSON escapes differently between languages (quotes,
backslashes, control characters, U+2028, emoji, CJK), run by the page's own code in Node (WebCrypto)."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

import web_client
from meeting_server.ledger.verify import GENESIS_HASH, canonical, served_line, verify_text
from meeting_server.store.records import make_record

VERIFY_JS = Path(web_client.__file__).parent / "static" / "verify_log.js"
NODE = shutil.which("node")

RUNNER = r"""
const fs = require("fs"), vm = require("vm");
const window = { GZ: {} };
vm.runInNewContext(fs.readFileSync(process.argv[1], "utf8"),
  { window, crypto: require("crypto").webcrypto, TextEncoder, URLSearchParams });
const cases = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
(async () => {
  const out = [];
  for (const c of cases) out.push(await window.GZ.verifyLogText(c.text, c.expect));
  console.log(JSON.stringify(out));
})();
"""

TRICKY = [
    '"',
    "\\",
    "\n",
    "\t",
    "\x00",
    "\x1f",
    "\x7f",
    "\u2028",
    "\u2029",
    "\x85",
    "\x1c",
    "😀",
    "王",
    "/",
    "é",
    "<",
]


def _text(rng: random.Random) -> str:
    return "".join(rng.choice([*TRICKY, "a", " ", "0"]) for _ in range(rng.randint(0, 12)))


def _log(rng: random.Random, n: int) -> list[dict[str, Any]]:
    prev, lines = GENESIS_HASH, []
    for seq in range(1, n + 1):
        type_ = rng.choice(["CaptionCommitted", "ElectorateSet", "MotionMoved"])
        payload = {
            "text": _text(rng),
            "n": rng.randint(-(10**12), 10**12),
            "x": rng.random() * 1e6,
            "nested": {_text(rng) or "k": [_text(rng), 1.5, None, True]},
            "at": 1764000000 + seq / 7,
        }
        rec = make_record(
            "m-" + _text(rng)[:0] + "1",
            seq,
            1764000000.0 + rng.random() * 1e5,
            _text(rng),
            "participant",
            type_,
            payload,
            prev,
        )
        line = served_line("m-1", rec.row())
        assert line is not None
        lines.append(line)
        prev = rec.hash
    return lines


@pytest.mark.skipif(NODE is None, reason="needs node")
def test_the_page_verifies_exactly_what_the_server_verifies(tmp_path: Path) -> None:
    rng = random.Random(16)
    cases: list[dict[str, Any]] = []
    want: list[tuple[bool, int | None]] = []
    for _ in range(20):
        lines = _log(rng, rng.randint(1, 8))
        text = "".join(canonical(line) + "\n" for line in lines)
        cases.append({"text": text, "expect": lines[-1]["hash"]})
        cases.append({"text": text, "expect": "0" * 64})
        # The same lines with their keys in another order (as another tool may write them): the canonical
        # form sorts them, so they still verify.
        shuffled = "".join(
            json.dumps(dict(reversed(line.items())), ensure_ascii=False) + "\n" for line in lines
        )
        cases.append({"text": shuffled, "expect": None})
        # One character of one field changed: named by its seq (and the server's verifier agrees).
        target = rng.randrange(len(lines))
        changed = [dict(line) for line in lines]
        field = rng.choice(["actor", "ts", "payload" if "payload" in changed[target] else "payload_digest"])
        value = changed[target][field]
        changed[target][field] = (
            value + "1" if field != "ts" else value[:-1] + ("2" if value[-1] != "2" else "3")
        )
        bad = "".join(canonical(line) + "\n" for line in changed)
        cases.append({"text": bad, "expect": None})
        for case in cases[-4:]:
            report = verify_text(case["text"], case["expect"])
            want.append((report.ok, report.broken_at))
        assert want[-1] == (False, target + 1)
    data = tmp_path / "cases.json"
    data.write_text(json.dumps(cases, ensure_ascii=False), "utf-8")
    assert NODE is not None
    out = subprocess.run(
        [NODE, "-e", RUNNER, str(VERIFY_JS), str(data)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    got = [(r["ok"], r["brokenAt"]) for r in json.loads(out.stdout)]
    assert got == want
    assert sum(ok for ok, _ in got) == 40  # the control: every genuine log verifies, in any key order
