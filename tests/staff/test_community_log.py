"""A community's own stream served as ``log.jsonl`` on a real server: the roster, a topic with its author
and a supporter, a research assignment — every line verifies offline (``gongzhi verify --log``, and the
page's verify_log.js in Node) and no roster name, building or room is in it. Links of another community,
shared meeting links, forged links and no link at all are refused; a stream written before its personal
types were committed is served up to the first such record, and the headers say so."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from meeting_server.communities import community_stream
from meeting_server.ledger import verify as ledger_verify
from meeting_server.ledger.verify import canonical, verify_text
from meeting_server.store.records import EventRecord
from meeting_server.web.keys import EVENT_LOG
from tests.ledger.test_public_log import gongzhi
from tests.web.test_verify_log_js import NODE, RUNNER, VERIFY_JS

from .helpers import Client, clients, sign_in, staff_server, street_with_two_communities
from .test_topics_research_http import REPS, research_world
from .topics_helpers import token_of

PERSONAL = ("张三", "李四", "王五", "赵七", "钱八", "3号楼", "5号楼", '"room"', "地下车库")


async def fetch(client: Client, path: str) -> tuple[int, str, dict[str, str]]:
    async with client.http.get(client.url + path) as r:
        return r.status, await r.text(), dict(r.headers)


async def test_the_community_log_verifies_and_serves_nothing_personal(tmp_path: Path) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 5) as (admin, li, zhao, web, anon):
        ids = await research_world(admin, li, zhao, web)
        a, topic, pid = ids["a"], ids["topic"], ids["person_id"]
        support = f"/api/topics/{a}/topics/{topic}/support?t={ids['personal']['张三']}"
        await web.ok("POST", support, {})
        three = [pid[n] for n in REPS[:3]]
        await li.ok("POST", f"/api/communities/{a}/topics/{topic}/research", {"person_ids": three})
        path = f"/api/communities/{a}/log.jsonl"

        status, text, headers = await fetch(anon, f"{path}?t={ids['topics_link']}")
        assert status == 200 and headers["Content-Type"].startswith("application/jsonl"), text
        stored = await server.app[EVENT_LOG].read(community_stream(a), 0)
        lines = [json.loads(line) for line in text.splitlines()]
        assert [line["seq"] for line in lines] == [r.seq for r in stored]
        assert int(headers["X-Gongzhi-Head-Seq"]) == stored[-1].seq
        assert "X-Gongzhi-Withheld-From" not in headers
        types = {line["type"] for line in lines}
        assert {"PersonsAdded", "TopicSubmitted", "TopicSupported", "ResearchAssigned"} <= types
        for line in lines:
            if line["type"] in ("PersonsAdded", "TopicSubmitted", "TopicSupported", "ResearchAssigned"):
                assert line["v"] == 2 and "payload" not in line, line
        for word in PERSONAL:
            assert word not in text, word
        assert verify_text(text, stored[-1].hash).ok
        # The same with a personal link and with the 社工's session; paged, the pages join up.
        assert (await fetch(anon, f"{path}?t={ids['personal']['钱八']}"))[1] == text
        assert (await fetch(li, path))[1] == text
        status, first, headers = await fetch(li, f"{path}?limit=3")
        rest = (await fetch(li, f"{path}?after={headers['X-Gongzhi-Next-After']}"))[1]
        assert status == 200 and first + rest == text

        log = tmp_path / "community.jsonl"
        log.write_text(text, "utf-8")
        ok = gongzhi("verify", "--log", str(log), "--expect-head", stored[-1].hash)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        assert f"OK — {len(stored)} events, head {stored[-1].hash}" in ok.stdout
        changed = [dict(line) for line in lines]
        changed[1]["payload_digest"] = "0" * 64
        log.write_text("".join(canonical(line) + "\n" for line in changed), "utf-8")
        broken = gongzhi("verify", "--log", str(log))
        assert broken.returncode == 1 and "BROKEN at event 2:" in broken.stdout, broken.stdout
        if NODE is not None:  # the page's verifier on the same lines
            cases = tmp_path / "cases.json"
            bad = "".join(canonical(line) + "\n" for line in changed)
            cases.write_text(json.dumps([{"text": text, "expect": stored[-1].hash}, {"text": bad}]), "utf-8")
            out = subprocess.run(
                [NODE, "-e", RUNNER, str(VERIFY_JS), str(cases)], capture_output=True, text=True, timeout=60
            )
            assert out.returncode == 0, out.stderr
            got = [(r["ok"], r["brokenAt"]) for r in json.loads(out.stdout)]
            assert got == [(True, None), (False, 2)]

        link_b = (await zhao.ok("POST", f"/api/communities/{ids['b']}/topics-link", {}))["url"]
        refusals: list[tuple[Client, str, int, str]] = [
            (anon, f"?t={token_of(link_b)}", 403, "wrong_community"),  # another community's link
            (anon, f"?t={ids['moderator']}", 403, "bad_token"),  # a shared meeting link
            (anon, "?t=forged", 403, "bad_token"),
            (anon, "", 401, "unauthorized"),
            (zhao, "", 403, "forbidden"),  # the 社工 of another community
            (li, "?limit=0", 400, "invalid"),
        ]
        for client, query, want_status, code in refusals:
            status, body, _ = await fetch(client, path + query)
            answer: dict[str, Any] = json.loads(body)
            assert (status, answer["ok"], answer["error"]["code"]) == (want_status, False, code), query
            assert any("\u4e00" <= ch <= "\u9fff" for ch in answer["error"]["message"])


async def test_a_stream_written_before_the_commitments_is_served_up_to_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with staff_server(tmp_path) as server, clients(server.url, 2) as (admin, li):
        a = (await street_with_two_communities(admin))["a"]
        await sign_in(li, "li", "li-password")
        link = token_of((await li.ok("POST", f"/api/communities/{a}/topics-link", {}))["url"])
        persons = f"/api/communities/{a}/persons"
        await li.ok("POST", persons, {"name": "张三", "building": "3号楼", "room": "301"})
        with monkeypatch.context() as m:  # a roster entry written as v1, as before this version
            m.setattr(ledger_verify, "COMMITTED_TYPES", frozenset({"ElectorateSet"}))
            await li.ok("POST", persons, {"name": "钱八", "building": "5号楼", "room": "101"})
        await li.ok("POST", persons, {"name": "李四", "building": "3号楼", "room": "302"})
        stored = await server.app[EVENT_LOG].read(community_stream(a), 0)
        assert [r.type for r in stored] == ["PersonsAdded"] * 3
        assert [stored_body_of(r).get("v") for r in stored] == [2, None, 2]
        status, text, headers = await fetch(li, f"/api/communities/{a}/log.jsonl?t={link}")
        assert status == 200
        assert (headers["X-Gongzhi-Withheld-From"], headers["X-Gongzhi-Head-Seq"]) == ("2", "3")
        assert headers["X-Gongzhi-Withheld-Reason"] == "legacy-private-payload"
        assert [json.loads(line)["seq"] for line in text.splitlines()] == [1]
        assert verify_text(text, stored[0].hash).ok and not any(word in text for word in PERSONAL)


def stored_body_of(record: EventRecord) -> dict[str, Any]:
    """The body a record was hashed over (v1 or v2, as stored)."""
    body = ledger_verify.stored_body(record.meeting_id, record.row())
    assert body is not None
    return body
