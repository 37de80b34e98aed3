"""Headless Chromium speaks a WAV file through its fake microphone to the PeerManager over 127.0.0.1.

This is the path a resident's phone takes, with the loopback recipe of WEBRTC_LOOPBACK.md: host candidates
restricted to 127.0.0.1 on our side, the offer's other candidates dropped, STUN from other addresses ignored
(Chromium binds every interface and would otherwise pull the pair onto one of them).
"""

from __future__ import annotations

import logging
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from aiohttp import web

from meeting_server.media.peers import SAMPLE_RATE, PeerManager
from tests.support.browser import CHROMIUM, FLAGS

from .helpers import DATA, read_wav, wait_until
from .test_loopback_audio import best_correlation, timeline

async_api = pytest.importorskip("playwright.async_api")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs a Chromium binary"),
]


OFFER_JS = """async () => {
  const stream = await navigator.mediaDevices.getUserMedia(
    {audio: {echoCancellation: false, noiseSuppression: false, autoGainControl: false}});
  const pc = new RTCPeerConnection({iceServers: []});
  window.pc = pc;
  stream.getTracks().forEach((t) => pc.addTrack(t, stream));
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((done) => {
    if (pc.iceGatheringState === "complete") return done();
    pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && done();
    setTimeout(done, 3000);
  });
  return pc.localDescription.sdp;
}"""


@pytest.fixture
async def page_url() -> AsyncIterator[str]:
    """A blank page on http://127.0.0.1 (a secure context, so getUserMedia works)."""

    async def blank(_: web.Request) -> web.Response:
        return web.Response(text="<!doctype html><title>mic</title>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/", blank)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}/"
    finally:
        await runner.cleanup()


def _fake_mic_wav(path: Path, samples: npt.NDArray[np.int16], rate: int) -> None:
    # Chromium loses the first ~0.2 s and repeats its last 10 ms after the end: pad both ends with silence.
    padded = np.concatenate([np.zeros(rate, np.int16), samples, np.zeros(2 * rate, np.int16)])
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(padded.tobytes())


async def test_chromium_fake_microphone_reaches_the_sink(
    loopback: tuple[str, ...], page_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="meeting_server.media.ice")
    samples, rate = read_wav(DATA / "c01.wav")
    wav = tmp_path / "mic.wav"
    _fake_mic_wav(wav, samples, rate)
    chunks: list[tuple[npt.NDArray[np.float32], float]] = []
    manager = PeerManager(allowed_addresses=loopback, on_audio=lambda _k, pcm, pts: chunks.append((pcm, pts)))

    def received() -> int:
        return sum(len(p) for p, _ in chunks)

    async with async_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*FLAGS, f"--use-file-for-fake-audio-capture={wav}%noloop"]
        )
        try:
            page = await browser.new_page()
            await page.goto(page_url)
            offer = await page.evaluate(OFFER_JS)
            answer = await manager.accept_offer("phone", offer, "offer")
            await page.evaluate(
                "async (sdp) => window.pc.setRemoteDescription({type: 'answer', sdp})", answer
            )
            await wait_until(lambda: received() >= len(samples) + rate, within=60)
            pair = manager.selected_pair("phone")
        finally:
            await manager.close_all()
            await browser.close()

    assert pair is not None
    assert (pair[0][0], pair[1][0]) == ("127.0.0.1", "127.0.0.1")
    correlation, _ = best_correlation(samples.astype(np.float32) / 32768.0, timeline(chunks))
    candidates = [line.split()[4] for line in offer.splitlines() if line.startswith("a=candidate:")]
    dropped = sum("dropping STUN request" in r.getMessage() for r in caplog.records)
    print(
        f"\nChromium → PeerManager: {received() / SAMPLE_RATE:.2f} s received, correlation {correlation:.4f};"
        f" Chromium offered {sorted(set(candidates))}, {dropped} STUN requests from other addresses dropped"
    )
    assert correlation > 0.9
