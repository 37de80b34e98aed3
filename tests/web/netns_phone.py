"""A resident's phone with a stock Chromium, run by ``test_demo_netns.py`` inside a network namespace.

``python -m tests.web.netns_phone RESIDENT_URL MODERATOR_URL CLIP`` opens the resident link in Chromium
started *without* ``--allow-loopback-in-peer-connection``, joins, raises a hand; a socket.io client with the
moderator link opens the meeting and gives that resident the floor. Once the page says its microphone is
on, the clip plays into the server for a few seconds and the floor is taken back. The last line of output
is a JSON report: the page's microphone state and the ICE pair Chromium chose.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import urllib.parse
from pathlib import Path
from typing import Any

import socketio

from tests.support.browser import FLAGS

from .conftest import PHONE, launch_chromium
from .helpers import join, open_page


def stock_flags(server_host: str) -> list[str]:
    """The tests' flags, less what a stock browser does not have: loopback candidates in WebRTC, and local
    addresses shown instead of mDNS names (the server resolves those on the namespace's own link). The
    host-resolver rule that keeps Chromium off the network must let the server's address through."""
    flags = []
    for f in FLAGS:
        if f == "--allow-loopback-in-peer-connection" or f.startswith(
            "--disable-features=WebRtcHideLocalIps"
        ):
            continue
        if f.startswith("--host-resolver-rules="):
            f += f" , EXCLUDE {server_host}"
        flags.append(f)
    return flags


PAIR_JS = """async () => {
  const stats = [...(await gzMic.pc.getStats()).values()];
  const pair = stats.find((s) => s.type === "candidate-pair" && s.nominated && s.state === "succeeded");
  const find = (id) => stats.find((s) => s.id === id) || {};
  return {
    state: gzMic.pc.connectionState,
    local: pair && find(pair.localCandidateId).address,
    remote: pair && find(pair.remoteCandidateId).address,
    sent: (stats.find((s) => s.type === "outbound-rtp") || {}).bytesSent || 0,
  };
}"""


async def _command(sio: socketio.AsyncClient, type_: str, **fields: Any) -> dict[str, Any]:
    ack: dict[str, Any] = await sio.call("command", {"type": type_, **fields}, timeout=10)
    return ack


async def _moderator(url: str, hand: asyncio.Event) -> socketio.AsyncClient:
    """The moderator's client, with the meeting open and its first item started; ``hand`` is set when a
    resident raises a hand."""
    parts = urllib.parse.urlsplit(url)
    token = urllib.parse.parse_qs(parts.query)["t"][0]
    # The demo's certificate is self-signed: the phone accepted it, and so does this client.
    sio = socketio.AsyncClient(reconnection=False, ssl_verify=False)

    def on_events(msg: dict[str, Any]) -> None:
        if any(e["type"] == "HandRaised" for e in msg["events"]):
            hand.set()

    sio.on("events", on_events)
    await sio.connect(f"{parts.scheme}://{parts.netloc}", auth={"token": token}, transports=["websocket"])
    try:
        for event, body in (("hello", {}), ("join", {"name": "张主任"})):
            ack = await sio.call(event, body, timeout=10)
            assert ack["ok"], (event, ack)
        for type_, fields in (("OpenMeeting", {}), ("StartAgendaItem", {"index": 0})):
            ack = await _command(sio, type_, **fields)
            assert ack["ok"], (type_, ack)
    except BaseException:
        await sio.disconnect()
        raise
    return sio


async def run(resident: str, moderator: str, clip: Path, hold_s: float) -> dict[str, Any]:
    from playwright.async_api import TimeoutError as PageTimeout

    async with launch_chromium(clip, stock_flags(urllib.parse.urlsplit(resident).hostname or "")) as browser:
        hand = asyncio.Event()
        sio = await _moderator(moderator, hand)
        try:
            phone = await open_page(browser, resident, "wang", {**PHONE, "ignore_https_errors": True})
            await join(phone, "王阿姨")
            await phone.page.click("#hand-btn")
            await asyncio.wait_for(hand.wait(), 10)
            granted = await _command(sio, "GrantFloor")
            assert granted["ok"], granted
            report: dict[str, Any] = {"secure": await phone.page.evaluate("window.isSecureContext")}
            try:
                await phone.page.wait_for_selector("#mic-status[data-mic=on]", timeout=30_000)
                await asyncio.sleep(hold_s)  # the clip (1 s of silence, then speech) reaches the server
                report |= await phone.page.evaluate(PAIR_JS)
            except PageTimeout:
                pass  # the report says how far the microphone got
            report["mic"] = await phone.page.get_attribute("#mic-status", "data-mic")
            report["mic_text"] = await phone.page.inner_text("#mic-status")
            report["revoked"] = (await _command(sio, "RevokeFloor"))["ok"]
            report["page_errors"] = phone.errors
            await phone.context.close()
            return report
        finally:
            await sio.disconnect()


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("resident")
    p.add_argument("moderator")
    p.add_argument("clip")
    p.add_argument("--hold", type=float, default=5.0)
    args = p.parse_args()
    report = asyncio.run(run(args.resident, args.moderator, Path(args.clip), args.hold))
    print(json.dumps(report, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
