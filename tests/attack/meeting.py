"""A running meeting for the attacks on what a closed meeting keeps (minutes, objections): a real server,
its minutes drafted 0.1 s after closing, and five joined peers (moderator, recorder, three residents)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from meeting_server.hub.minutes import MINUTES
from tests.support.hub import Peer, running_server

NAMES = ("主持人", "记录员", "王阿姨", "李师傅", "赵大姐")


@asynccontextmanager
async def open_meeting(tmp_path: Path) -> AsyncIterator[tuple[Any, dict[str, Any], tuple[Peer, ...]]]:
    """(server, the created meeting, (mod, rec, wang, li, zhao)), the meeting open at its first item."""
    async with running_server(tmp_path) as server:
        service = server.app[MINUTES]
        service.settings = dataclasses.replace(service.settings, draft_grace_s=0.1)
        created = await server.create_meeting()
        links = created["links"]
        peers = tuple(
            Peer(server.url, links[r]["token"])
            for r in ("moderator", "recorder", "participant", "participant", "participant")
        )
        try:
            for p, name in zip(peers, NAMES, strict=True):
                await p.connect()
                assert (await p.join(name))["ok"]
            await peers[0].ok("OpenMeeting")
            await peers[0].ok("StartAgendaItem", index=0)
            yield server, created, peers
        finally:
            for p in peers:
                await p.close()
