"""The livestream's fast path: every HTTP connection starts here, and is answered here while it asks only
for files of a signed live folder (``GET /m/<id>/live/s/<token>/<file>``, HTTP/1.1 keep-alive). The first
request of any other kind hands the connection, with the bytes read so far, to aiohttp for good
(``transport.set_protocol``), so pages, the API and socket.io never see this module.

Why: a thousand observers make about 4,000 requests a second (playlist, segment, subtitles playlist and
WebVTT each second). aiohttp spends about 100 µs of CPU on every request even when the handler returns a
constant (request and response objects, routing, three middlewares, the response signal, header
serialisation); measured on the bench machine that alone is 40 % of a core. Here a request costs a regex
match, one task and one ``writelines`` (``bench/hls.py`` reports the whole server).

What is answered is what the aiohttp route answers: both call :meth:`LiveVideo.reply` (link signature,
expiry, revocation, the meeting being open, the files) and a refusal is the same JSON with the same
status. This module adds only HTTP/1.1 framing and the security headers every response carries
(``pages.SECURITY_HEADERS``). Anything it does not fully understand (another method or path, HTTP/1.0, a
body, ``Connection`` other than keep-alive, ``Expect``, ``Upgrade``, percent-escapes in the path or query,
bare LF line ends, a head over 8 KiB) goes to aiohttp unchanged. Requests on one connection are answered
in order, one at a time, like aiohttp does.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import http
import json
import logging
import re
import time
from collections.abc import Callable, Coroutine
from typing import Any, cast

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from .http_edge import Refused
from .keys import LIVE_VIDEO
from .live_video import LiveFile, LiveVideo
from .pages import SECURITY_HEADERS

log = logging.getLogger(__name__)

# The route's ``{meeting_id}`` and ``{token}`` (``[^{}/]+``), narrowed to printable ASCII without escapes.
_PIECE = rb"[^/?%{}\x00-\x20\x7f-\xff]+"
_REQUEST = re.compile(
    rb"GET /m/(" + _PIECE + rb")/live/s/(" + _PIECE + rb")/([a-z0-9]+\.(?:m3u8|ts|vtt))"
    rb"(?:\?([^%+#\x00-\x20\x7f-\xff]*))? HTTP/1\.1\r\n"
)
# Header lines that ask for more than the fast path does (Connection: keep-alive is fine).
_HANDED = re.compile(
    rb"\n(?:content-length|transfer-encoding|expect|upgrade|connection(?![ \t]*:[ \t]*keep-alive\r\n))[ \t]*:"
    rb"|\n\n",
    re.IGNORECASE,
)
MAX_HEAD = 8192  # a longer head goes to aiohttp (whose limit is 8190 a line)
MAX_BUFFERED = 1 << 20  # bytes a client may send ahead of the answers (pipelining) before it is cut off
IDLE_S = 75.0  # an idle keep-alive connection is closed after this long
JSON_TYPE = "application/json; charset=utf-8"
_SECURITY = "".join(f"{name}: {value}\r\n" for name, value in SECURITY_HEADERS.items())


def plain_head(head: bytes) -> bool:
    """Whether the header lines (after the request line) ask for nothing the fast path does not do."""
    return _HANDED.search(head) is None


def query_of(raw: bytes | None) -> dict[str, str]:
    """``a=1&b=2`` → {"a": "1", "b": "2"}; the first of a repeated name counts, as aiohttp's ``query.get``."""
    out: dict[str, str] = {}
    for item in (raw or b"").decode("ascii").split("&"):
        if item:
            name, _, value = item.partition("=")
            out.setdefault(name, value)
    return out


class _Date:
    """The ``Date`` header, formatted once a second."""

    def __init__(self) -> None:
        self.at = -1
        self.text = ""

    def now(self) -> str:
        t = int(time.time())
        if t != self.at:
            self.at, self.text = t, email.utils.formatdate(t, usegmt=True)
        return self.text


class FastConnection(asyncio.Protocol):
    """One client connection while it stays on the fast path."""

    def __init__(self, server: FastPathServer) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.task: asyncio.Task[None] | None = None  # the request being answered
        self.paused = False  # the transport's write buffer is full
        self.closing = False  # close once the request in hand is answered
        self.eof = False
        self.handed: RequestHandler | None = None  # aiohttp's protocol, once handed over
        self.last_active = time.monotonic()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.server.opened(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.fast.discard(self)
        self.transport = None
        if self.task is not None:
            self.task.cancel()

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if len(self.buf) > MAX_BUFFERED and self.transport is not None:
            self.transport.close()
        elif self.task is None and not self.paused:
            self._next()

    def eof_received(self) -> bool | None:
        self.eof = True
        if self.task is None and self.buf:
            self._next()  # the last request, or aiohttp's to answer
        if self.handed is not None:
            self.handed.eof_received()
            return None  # as aiohttp's protocol: the transport closes
        if self.task is None:
            return False  # nothing in hand: the transport closes
        self.closing = True  # answer the request in hand, then close
        return True

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        if self.task is None:
            self._next()

    def close(self) -> None:
        """Close now if idle, else after the request in hand."""
        if self.task is None and self.transport is not None:
            self.transport.close()
        self.closing = True

    def _next(self) -> None:
        """Start answering the next complete request in the buffer, or hand the connection over."""
        if self.transport is None or self.task is not None or self.paused:
            return
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            line = self.buf.find(b"\n")
            stray = (line >= 0 and _REQUEST.match(self.buf[: line + 1]) is None) or len(self.buf) > MAX_HEAD
            if stray or (self.eof and self.buf) or (not self.buf.startswith(b"GET /m/"[: len(self.buf)])):
                self._hand_over()
            return
        head = bytes(self.buf[: end + 2])
        m = _REQUEST.match(head)
        if m is None or end > MAX_HEAD or not plain_head(head[m.end() - 2 :]):
            self._hand_over()
            return
        del self.buf[: end + 4]
        meeting_id, token, name = m[1].decode(), m[2].decode(), m[3].decode()
        reply = self.server.live.reply(meeting_id, token, name, query_of(m[4]))
        self.task = asyncio.get_running_loop().create_task(self._answer(reply))

    async def _answer(self, reply: Coroutine[Any, Any, LiveFile]) -> None:
        try:
            try:
                f = await reply
                status, ctype, cache, body = 200, f.content_type_header, f.cache, f.body
            except Refused as e:
                status, ctype, cache, body = e.status, JSON_TYPE, "", json.dumps(e.payload()).encode()
            except Exception:
                log.exception("livestream request failed")
                status, ctype, cache, body = (
                    500,
                    "text/plain; charset=utf-8",
                    "",
                    b"500 Internal Server Error",
                )
            if self.transport is not None:
                self.transport.writelines([self.server.head(status, ctype, cache, len(body)), body])
        finally:
            self.task = None
            self.last_active = time.monotonic()
            if self.transport is not None and self.closing:
                self.transport.close()
            else:
                self._next()

    def _hand_over(self) -> None:
        transport = self.transport
        assert transport is not None
        self.server.fast.discard(self)
        self.transport = None
        handler = self.handed = self.server.handler()
        transport.set_protocol(handler)
        handler.connection_made(transport)
        if self.buf:
            handler.data_received(bytes(self.buf))


class FastPathServer(web.Server):
    """aiohttp's server for an app, with every connection starting on the fast path (``inner`` keeps the
    connections handed to aiohttp and shuts them down)."""

    def __init__(self, inner: web.Server, live: LiveVideo) -> None:
        super().__init__(inner.request_handler, request_factory=inner.request_factory)
        self.inner = inner
        self.live = live
        self.fast: set[FastConnection] = set()
        self._date = _Date()
        self._sweeper: asyncio.Task[None] | None = None

    def __call__(self) -> RequestHandler:
        # The site asks for a protocol per connection: ours, typed as aiohttp's for BaseRunner's sake.
        conn: Any = FastConnection(self)
        return conn  # type: ignore[no-any-return]

    def handler(self) -> RequestHandler:
        """aiohttp's protocol for a connection handed over."""
        return self.inner()

    @property
    def connections(self) -> list[RequestHandler]:
        return self.inner.connections

    def opened(self, conn: FastConnection) -> None:
        self.fast.add(conn)
        if self._sweeper is None:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep())

    def head(self, status: int, ctype: str, cache: str, length: int) -> bytes:
        cache_line = f"Cache-Control: {cache}\r\n" if cache else ""
        return (
            f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {length}\r\n{cache_line}Date: {self._date.now()}\r\n{_SECURITY}\r\n"
        ).encode()

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(IDLE_S / 5)
            idle_since = time.monotonic() - IDLE_S
            for conn in [c for c in self.fast if c.task is None and c.last_active < idle_since]:
                conn.close()

    def pre_shutdown(self) -> None:
        self.inner.pre_shutdown()
        for conn in list(self.fast):
            conn.close()

    async def shutdown(self, timeout: float | None = None) -> None:  # noqa: ASYNC109  (web.Server's signature)
        tasks = [c.task for c in self.fast if c.task is not None]
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
        for conn in list(self.fast):
            if conn.transport is not None:
                conn.transport.close()
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        await self.inner.shutdown(timeout)


class LiveRunner(web.AppRunner):
    """``web.AppRunner`` whose connections start on the livestream's fast path (the app has a LIVE_VIDEO)."""

    async def _make_server(self) -> web.Server:
        return FastPathServer(await super()._make_server(), self.app[LIVE_VIDEO])


def run_app(
    app: web.Application,
    *,
    host: str,
    port: int,
    ssl_context: Any,
    ready: Callable[[], None],
    loop: asyncio.AbstractEventLoop,
) -> None:
    """``web.run_app`` with :class:`LiveRunner`: serve until SIGINT/SIGTERM, then shut down in order."""

    async def main() -> None:
        runner = LiveRunner(app, handle_signals=True)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port, ssl_context=ssl_context).start()
            ready()
            await asyncio.Event().wait()  # until a signal raises GracefulExit
        finally:
            await runner.cleanup()

    asyncio.set_event_loop(loop)
    task = loop.create_task(main())
    try:
        loop.run_until_complete(task)
    except (web.GracefulExit, KeyboardInterrupt):
        pass
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                loop.run_until_complete(task)  # the runner's cleanup
        rest = asyncio.all_tasks(loop)
        for t in rest:
            t.cancel()
        loop.run_until_complete(asyncio.gather(*rest, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        asyncio.set_event_loop(None)
        loop.close()
