"""Browser tests: headless Debian Chromium (apt) driven by Playwright, against the real server on loopback.

Nothing is downloaded by the test tool: Chromium comes from apt (``/usr/bin/chromium``), never from
``playwright install``. Every page is watched for script errors and Content-Security-Policy violations.
"""

from __future__ import annotations

import wave
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from meeting_server.media.ice import configure_host_addresses
from tests.support.browser import CHROMIUM, FLAGS

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SPEECH = ROOT / "tests" / "data" / "speech" / "c01.wav"


PHONE: dict[str, Any] = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
PHONE_SMALL: dict[str, Any] = {**PHONE, "viewport": {"width": 360, "height": 640}}
TABLET: dict[str, Any] = {"viewport": {"width": 800, "height": 1280}, "has_touch": True}
LAPTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
PROJECTOR: dict[str, Any] = {"viewport": {"width": 1280, "height": 720}}
PROJECTOR_HD: dict[str, Any] = {"viewport": {"width": 1920, "height": 1080}}


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason=f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if item.get_closest_marker("browser") and not chromium_available():
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def loopback_ice() -> Iterator[None]:
    """aiortc gathers loopback candidates only (see WEBRTC_LOOPBACK.md), for the audio part of these tests."""
    configure_host_addresses(("127.0.0.1",))
    try:
        yield
    finally:
        configure_host_addresses(None)


def fake_mic_clip(folder: Path, clip: Path = SPEECH, lead_s: float = 1.0) -> Path:
    """A speech clip as Chromium's fake microphone wants it: ``lead_s`` of silence before, 2 s after."""
    with wave.open(str(clip)) as w:
        params = w.getparams()
        frames = w.readframes(w.getnframes())
    rate, width = params.framerate, params.sampwidth * params.nchannels
    out = folder / f"mic-{clip.stem}.wav"
    with wave.open(str(out), "wb") as w:
        w.setparams(params)
        w.writeframes(b"\0" * int(lead_s * rate) * width + frames + b"\0" * 2 * rate * width)
    return out


@asynccontextmanager
async def launch_chromium(mic: Path, flags: Sequence[str] = FLAGS) -> AsyncIterator[Any]:
    """Headless Chromium whose fake microphone speaks ``mic`` once (each device may have its own), started
    with ``flags`` (a stock browser's for the demo's tests: tests/web/netns_phone.py)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        b = await pw.chromium.launch(
            executable_path=CHROMIUM, args=[*flags, f"--use-file-for-fake-audio-capture={mic}%noloop"]
        )
        try:
            yield b
        finally:
            await b.close()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[Any]:
    async with launch_chromium(fake_mic_clip(tmp_path)) as b:
        yield b
