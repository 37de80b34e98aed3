"""The hall audio station's browser capture constraints on far-field speech: caption CER with the browser's
echo cancellation, noise suppression and automatic gain control on, off, or echo cancellation only.

A server runs in this process with captions on (the bundled model, loopback ICE). For each condition a new
meeting: headless Chromium's fake microphone plays a hall recording (clips rendered by
``../shared/speech/make_hall_set.py``, joined with ``GAP_S`` of silence) into the real station page, whose
``getUserMedia`` is given the condition's constraints; the recorder checks an in-room person in, the
moderator gives them the floor, the station sends the turn over real WebRTC, and the server's committed
captions of the turn are compared with the clips' text (CER: character edits / reference length,
punctuation and spaces removed, simplified script). The track's ``getSettings()`` is reported, so it shows
what Chromium applied. Not measured: the loudspeaker's echo (what echo cancellation is for) — the hall
recordings have no far-end playback in them.

    python ../shared/speech/make_hall_set.py ../shared/speech /tmp/hall20 20   # needs pyroomacoustics
    python bench/station_constraints.py --hall /tmp/hall20 --clips 26-35 --conditions on,off,aec,on,off,aec
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from asr.metrics import cer
from tests.support.hub import DEMO_SPEC, Server, running_server
from tests.web.conftest import LAPTOP, launch_chromium
from tests.web.helpers import closing_pages, join, open_page, page_url

CONDITIONS: dict[str, dict[str, bool]] = {
    "on": {"echoCancellation": True, "noiseSuppression": True, "autoGainControl": True},
    "off": {"echoCancellation": False, "noiseSuppression": False, "autoGainControl": False},
    "aec": {"echoCancellation": True, "noiseSuppression": False, "autoGainControl": False},
}
GAP_S = 1.5  # silence between clips (a sentence's end), and before the first
SETTLE_S = 12.0  # after the recording ends, for the last captions
SPEC: dict[str, Any] = {**DEMO_SPEC, "settings": {**DEMO_SPEC["settings"], "speaking_limit_s": 600}}
FORCE = """(c) => {
  const md = navigator.mediaDevices, orig = md.getUserMedia.bind(md);
  md.getUserMedia = () => orig({ audio: c });
}"""


def hall_recording(folder: Path, names: list[str], out: Path) -> float:
    """The clips joined with GAP_S of silence (and 3 s after) as one 16 kHz WAV; its length in seconds."""
    parts = [np.zeros(int(GAP_S * 16000), np.int16)]
    for name in names:
        with wave.open(str(folder / name)) as w:
            assert w.getframerate() == 16000 and w.getnchannels() == 1
            parts += [np.frombuffer(w.readframes(w.getnframes()), np.int16), parts[0]]
    parts.append(np.zeros(3 * 16000, np.int16))
    pcm = np.concatenate(parts)
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(pcm.tobytes())
    return len(pcm) / 16000


async def one_run(server: Server, mic: Path, seconds: float, constraints: dict[str, bool]) -> dict[str, Any]:
    # One browser (its fake microphone plays ``mic``); only the station page opens it.
    async with launch_chromium(mic) as browser, closing_pages() as pages:
        hall_browser = laptop = browser
        created = await server.create_meeting(SPEC)
        mid = created["meeting_id"]
        pages["moderator"] = mod = await open_page(
            laptop, page_url(server, created, "moderator"), "mod", LAPTOP
        )
        pages["recorder"] = rec = await open_page(
            laptop, page_url(server, created, "recorder"), "rec", LAPTOP
        )
        station_url = page_url(server, created, "station")
        pages["station"] = station = await open_page(hall_browser, station_url, "station", LAPTOP)
        await station.page.evaluate(FORCE, constraints)
        await join(mod, "张主任")
        await join(rec, "记录员小刘")
        await mod.page.click("text=开始会议")
        await mod.page.click("#agenda li:first-child button")
        await rec.page.fill("#ci-name", "刘大爷")
        await rec.page.click("#checkin-form button")
        await mod.page.wait_for_selector("#add-person option:text('刘大爷（现场）')", state="attached")
        await mod.page.select_option("#add-person", label="刘大爷（现场）")
        await mod.page.click("#add-form button")
        await mod.page.click("#queue li button:text('请发言')")
        await station.page.wait_for_function(
            "() => document.getElementById('now-playing').textContent.includes('刘大爷')"
        )
        rt = await server.registry.get(mid)
        assert rt is not None and rt.state is not None and rt.state.floor is not None
        turn = rt.state.floor.turn_id
        await station.page.click("#station-start")  # the fake microphone starts the recording now
        await station.page.wait_for_selector("body[data-station=on]", timeout=20_000)
        applied = await station.page.evaluate("gzStation.stream.getAudioTracks()[0].getSettings()")
        await asyncio.sleep(seconds + SETTLE_S)
        records = await server.registry.read_log(mid, 0)
        texts = [
            r.payload["text"]
            for r in records
            if r.type == "CaptionCommitted" and r.payload["turn_id"] == turn
        ]
        await mod.page.click("#floor-buttons button:text('收回发言权')")
        keys = ("echoCancellation", "noiseSuppression", "autoGainControl")
        return {"applied": {k: applied.get(k) for k in keys}, "captions": texts}


async def main(hall: Path, first: int, last: int, conditions: list[str]) -> dict[str, Any]:
    rows = [line.split("\t") for line in (hall / "manifest.tsv").read_text("utf-8").splitlines() if line]
    chosen = [(f, t) for f, t in rows if first <= int(f[1:3]) <= last]
    with tempfile.TemporaryDirectory() as tmp:
        mic = Path(tmp) / "hall.wav"
        seconds = hall_recording(hall, [f for f, _ in chosen], mic)
        reference = "".join(t for _, t in chosen)
        runs = []
        async with running_server(Path(tmp) / "server", captions=True) as server:
            await asyncio.sleep(5.0)  # the caption model loads in the background
            for name in conditions:
                t0 = time.monotonic()
                got = await one_run(server, mic, seconds, CONDITIONS[name])
                hypothesis = "".join(got["captions"])
                runs.append(
                    {
                        "condition": name,
                        **got,
                        "cer": round(cer([(reference, hypothesis)]), 4),
                        "wall_s": round(time.monotonic() - t0, 1),
                    }
                )
                print(json.dumps(runs[-1], ensure_ascii=False), file=sys.stderr)
    return {"clips": f"{first}-{last}", "recording_s": round(seconds, 1), "runs": runs}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hall", type=Path, required=True, help="a hall set (make_hall_set.py's output)")
    parser.add_argument("--clips", default="26-35", help="clip numbers, first-last (26-45 are held out)")
    parser.add_argument("--conditions", default="on,off,aec", help="comma-separated: on, off, aec")
    args = parser.parse_args()
    a, b = (int(x) for x in args.clips.split("-"))
    result = asyncio.run(main(args.hall, a, b, args.conditions.split(",")))
    print(json.dumps(result, ensure_ascii=False))
