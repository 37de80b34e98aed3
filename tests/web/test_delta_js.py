"""protocol.js applies the view deltas the server computes (meeting_server/core/delta.py) to the same
result: the Python diff of random meetings' views and of random JSON, applied by the page's own code in
Node (no browser needed), must give the new view, leave the old one as it was, and refuse patches that do
not fit."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

import web_client
from meeting_server.core.delta import diff
from meeting_server.core.errors import DomainError
from meeting_server.core.view import public_view
from tests.core.sim import running
from tests.core.test_view_delta import mutate, random_command, value

PROTOCOL_JS = Path(web_client.__file__).parent / "static" / "protocol.js"
NODE = shutil.which("node")

# Loads protocol.js as a page would (window.GZ from common.js, stubbed), then checks every case.
RUNNER = r"""
const fs = require("fs"), vm = require("vm");
const window = { GZ: {}, addEventListener() {} };
vm.runInNewContext(fs.readFileSync(process.argv[2], "utf8"), { window, document: {} });
const apply = window.GZ.applyDelta;
const cases = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
const out = { fitted: 0, wrong: [], mutated: 0, refused: 0, accepted_bad: [] };
for (const [i, c] of cases.good.entries()) {
  const before = JSON.stringify(c.a);
  const got = apply(c.a, c.patch);
  if (JSON.stringify(c.a) !== before) out.mutated += 1;
  if (canon(got) === canon(c.b)) out.fitted += 1; else out.wrong.push(i);
}
for (const [i, c] of cases.bad.entries()) {
  try { apply(c.a, c.patch); out.accepted_bad.push(i); } catch (e) { out.refused += 1; }
}
console.log(JSON.stringify(out));
function canon(v) {
  if (Array.isArray(v)) return "[" + v.map(canon).join(",") + "]";
  if (v && typeof v === "object") {
    return "{" + Object.keys(v).sort().map((k) => JSON.stringify(k) + ":" + canon(v[k])).join(",") + "}";
  }
  return JSON.stringify(v);
}
"""


def view_cases(seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    sim = running(online=6, room=2)
    joined = [f"p{i}" for i in range(1, 7)]
    prev = public_view(sim.state, None, sim.now)
    cases = []
    for _ in range(300):
        if rng.random() < 0.2:
            sim.advance(rng.choice([0.5, 7, 40, 200]))
        actor, cmd = random_command(sim, rng, joined)
        try:
            sim.do(actor, cmd)
        except DomainError:
            continue
        new = public_view(sim.state, None, sim.now)
        cases.append({"a": prev, "b": new, "patch": diff(prev, new)})
        prev = new
    return cases


@pytest.mark.skipif(NODE is None, reason="needs node")
def test_protocol_js_applies_what_the_server_diffs(tmp_path: Path) -> None:
    good = view_cases(1) + view_cases(2)
    rng = random.Random(7)
    for _ in range(1500):
        a = value(rng)
        b = mutate(rng, a)
        good.append({"a": a, "b": b, "patch": diff(a, b)})
    # 1 vs 1.0 is one number in JavaScript: the JSON text is what must come out the same.
    bad = [
        {"a": {"a": 1}, "patch": {"removed": ["b"]}},
        {"a": [{"participant_id": "x"}], "patch": {"by": "participant_id", "changed": [["y", {"value": 1}]]}},
        {"a": [{"participant_id": "x"}], "patch": {"by": "participant_id", "inserted": [[5, {}]]}},
        {"a": [1, 2], "patch": {"by": "participant_id"}},
        {"a": "text", "patch": {"fields": {"a": {"value": 1}}}},
        {"a": {"a": 1}, "patch": {"nonsense": 1}},
    ]
    cases = tmp_path / "cases.json"
    cases.write_text(json.dumps({"good": good, "bad": bad}), "utf-8")
    runner = tmp_path / "runner.js"
    runner.write_text(RUNNER, "utf-8")
    assert NODE is not None
    done = subprocess.run(
        [NODE, str(runner), str(PROTOCOL_JS), str(cases)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["wrong"] == [] and out["fitted"] == len(good)
    assert out["mutated"] == 0
    assert out["accepted_bad"] == [] and out["refused"] == len(bad)
