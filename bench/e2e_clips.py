"""``e2e_captions.py --clips``: caption accuracy through WebRTC against the engine alone, on the same clips.

A server runs as a subprocess (captions on, loopback ICE). For each clip of ``manifest.tsv`` the moderator
gives the resident the floor, the resident's aiortc microphone plays the clip at real-time pace followed by
``SENDER_TAIL_S`` of silence (as e2e_captions.py sends), and yields the floor; the observer keeps the finals
of each turn. The engine alone then reads the same clips offline through the streaming path
(``asr.offline.stream_pcm``), three ways, so that a difference can be traced:

- ``cer_engine_cli``: the clip as it is, no hot words (``python -m asr transcribe --stream``);
- ``cer_engine_hotwords``: the clip with the meeting's hot words, which the server adds to every turn
  (built by the server's own functions from the meeting's log);
- ``cer_engine_same_input``: the clip followed by the sender's silence, with the meeting's hot words: the
  input the server's recogniser gets, but for Opus and the resamplers.

``cer_webrtc`` minus ``cer_engine_same_input`` is what the WebRTC audio path (and real time) costs.
Prints one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from e2e_captions import SENDER_TAIL_S, connect_mic, open_meeting

from asr.audio import load_audio
from asr.engine import WhisperEngine
from asr.hotwords import clean_hotwords
from asr.metrics import cer
from asr.offline import stream_pcm
from asr.settings import SAMPLE_RATE
from meeting_server.core.evolve import fold
from meeting_server.core.registry import load_event
from meeting_server.hub.hotwords import meeting_hotwords
from meeting_server.settings import load_settings
from meeting_server.store.eventlog import opened_event_log
from tests.media.helpers import read_wav
from tests.support.process import ServerProcess

SETTLE_S = 10.0  # no new final for this long after the last turn: the recogniser has caught up


async def speak_clips(server: ServerProcess, folder: Path, names: list[str]) -> tuple[str, list[str]]:
    """Each clip one turn through WebRTC; returns the meeting id and the turn ids, in clip order."""
    meeting, mod, speaker, obs = await open_meeting(server)
    await asyncio.sleep(5.0)  # the caption model loads in the background at server start
    for name in names:
        samples, rate = read_wav(folder / name)
        await mod.ok("GrantFloor", participant_id=speaker.participant_id)
        pc, track = await connect_mic(speaker, samples, rate)
        while track.readyState != "ended":
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # the last packets cross the loopback
        await speaker.ok("YieldFloor")
        await pc.close()
    last, changed = -1, time.monotonic()
    while time.monotonic() - changed < SETTLE_S:
        n = sum(e["type"] == "CaptionCommitted" for e in obs.events)
        if n != last:
            last, changed = n, time.monotonic()
        await asyncio.sleep(0.5)
    turns = [e["payload"]["turn_id"] for e in obs.events if e["type"] == "FloorGranted"]
    for p in (mod, speaker, obs):
        await p.close()
    assert len(turns) == len(names), (len(turns), len(names))
    return meeting["meeting_id"], turns


async def turn_texts_and_hotwords(data_dir: Path, meeting_id: str) -> tuple[dict[str, str], list[str]]:
    """The finals of each turn from the meeting's log, and the hot words the server gave its turns
    (the same functions on the meeting's state when the floor was first granted)."""
    settings = load_settings(environ={}).with_overrides(store={"data_dir": str(data_dir)})
    async with opened_event_log(settings) as log:
        records = await log.read(meeting_id)
    texts: dict[str, str] = {}
    for r in records:
        if r.type == "CaptionCommitted":
            texts[r.payload["turn_id"]] = texts.get(r.payload["turn_id"], "") + r.payload["text"]
    first_grant = next(i for i, r in enumerate(records) if r.type == "FloorGranted")
    state = fold(load_event(r.type, r.payload) for r in records[: first_grant + 1])
    assert state is not None
    return texts, clean_hotwords(meeting_hotwords(state))


def engine_texts(folder: Path, names: list[str], hotwords: list[str]) -> dict[str, list[str]]:
    engine = WhisperEngine(load_settings(environ={}).asr)  # the server's [asr] defaults
    tail = np.zeros(int(SENDER_TAIL_S * SAMPLE_RATE), dtype=np.float32)
    out: dict[str, list[str]] = {"cli": [], "hotwords": [], "same_input": []}
    for name in names:
        pcm = load_audio(folder / name)
        for key, audio, words in (
            ("cli", pcm, []),
            ("hotwords", pcm, hotwords),
            ("same_input", np.concatenate([pcm, tail]), hotwords),
        ):
            captions = stream_pcm(engine, audio, hotwords=words)
            out[key].append("".join(c.text for c in captions if c.kind == "final"))
    return out


def main(folder: Path, first: int, count: int) -> None:
    reference = dict(
        line.split("\t") for line in (folder / "manifest.tsv").read_text("utf-8").splitlines() if line
    )
    names = [f"c{i:02d}.wav" for i in range(first, first + count)]
    missing = [n for n in names if n not in reference]
    if missing:
        raise SystemExit(f"not in {folder / 'manifest.tsv'}: {missing}")
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(Path(tmp), extra_env={"GONGZHI_MEDIA__CAPTIONS": "true"})
        try:
            meeting_id, turns = asyncio.run(speak_clips(server, folder, names))
        finally:
            server.stop()
        texts, hotwords = asyncio.run(turn_texts_and_hotwords(Path(tmp), meeting_id))
    webrtc = [texts.get(t, "") for t in turns]
    engine = engine_texts(folder, names, hotwords)
    refs = [reference[n] for n in names]
    result: dict[str, Any] = {
        "bench": "e2e_captions_clips",
        "clips": f"{names[0]}–{names[-1]}",
        "count": len(names),
        "reference_chars": sum(len(r) for r in refs),
        "hotwords": hotwords,
        "sender_tail_s": SENDER_TAIL_S,
        "cer_engine_cli": round(cer(list(zip(refs, engine["cli"], strict=True))), 4),
        "cer_engine_hotwords": round(cer(list(zip(refs, engine["hotwords"], strict=True))), 4),
        "cer_engine_same_input": round(cer(list(zip(refs, engine["same_input"], strict=True))), 4),
        "cer_webrtc": round(cer(list(zip(refs, webrtc, strict=True))), 4),
        "clips_differing_webrtc_vs_same_input": sum(
            a != b for a, b in zip(webrtc, engine["same_input"], strict=True)
        ),
    }
    print(json.dumps(result, ensure_ascii=False))
