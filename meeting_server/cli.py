"""``gongzhi`` command line: serve, demo, create, links, verify, backup, restore, ledger, recount, transcript,
selfsigned, topics, stats."""

from __future__ import annotations

import argparse
import asyncio
import gc
import ipaddress
import json
import os
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from meeting_server.core.errors import DomainError, ErrorCode
from meeting_server.core.evolve import fold
from meeting_server.core.payload import to_payload
from meeting_server.core.registry import load_event
from meeting_server.ledger.audit import recount
from meeting_server.ledger.keystore import ballot_key
from meeting_server.ledger.sealing import BallotSealer
from meeting_server.meetings import DEMO_MEETING, create_command, new_meeting_id
from meeting_server.settings import Settings, SettingsError, load_settings
from meeting_server.store.eventlog import opened_event_log
from meeting_server.store.records import EventRecord
from meeting_server.transcript import render

from .backup_cli import add_backup
from .demo import demo_settings, lan_setup
from .hub.invites import role_links
from .hub.keys import base_url
from .hub.links import qr_png
from .hub.runtime import MeetingRegistry
from .hub.secrets_store import admin_token, signing_key
from .hub.tokens import TokenSigner
from .lan import SELF_SIGNED_NOTE, cert_error, fingerprint, make_self_signed, print_qr
from .ledger_cli import add_ledger
from .stats_cli import add_stats
from .topics import cli as topics_cli
from .verify_cli import add_verify


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config, os.environ)
    server: dict[str, Any] = {}
    if getattr(args, "host", None):
        server["host"] = args.host
    if getattr(args, "port", None) is not None:
        server["port"] = args.port
    store = {"data_dir": args.data_dir} if getattr(args, "data_dir", None) else {}
    return settings.with_overrides(server=server, store=store)


def _links(settings: Settings, meeting_id: str) -> dict[str, dict[str, str]]:
    """The meeting's current role links, as the server gives them (expiry from its schedule, rotated
    links' generations from its log)."""
    signer = TokenSigner(signing_key(settings.server.secret_key, settings.data_dir))
    state = fold(load_event(r.type, r.payload) for r in asyncio.run(_read(settings, meeting_id)))
    if state is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"no meeting {meeting_id}")
    return role_links(signer, base_url(settings), state, settings.server.link_ttl_hours)


def _link_urls(links: dict[str, dict[str, str]]) -> dict[str, str]:
    """Every page's link by name: the roles' (the hall display's among them) and the hall audio
    station's."""
    urls = {role: link["url"] for role, link in links.items()}
    return urls | {"station": links["recorder"]["station_url"]}


async def _create(settings: Settings, spec: Any) -> str:
    meeting_id = new_meeting_id()
    async with opened_event_log(settings) as event_log:
        registry = MeetingRegistry(event_log, time.time, BallotSealer(ballot_key(settings)))
        try:
            await registry.create(meeting_id, create_command(spec, meeting_id))
        finally:
            await registry.close()
    return meeting_id


LINK_NAMES = {
    "moderator": "主持人",
    "timer": "计时员",
    "recorder": "记录员",
    "participant": "居民",
    "observer": "观察员",
    "hall": "会场大屏",
    "station": "会场音频",
}


def _print_links(settings: Settings, meeting_id: str) -> dict[str, str]:
    urls = _link_urls(_links(settings, meeting_id))
    folder = settings.data_dir / "qr" / meeting_id
    folder.mkdir(parents=True, exist_ok=True)
    for name, url in urls.items():
        (folder / f"{name}.png").write_bytes(qr_png(url))
    print(f"\n会议 / meeting {meeting_id} — join links (QR codes in {folder}):")
    for name, url in urls.items():
        print(f"  {LINK_NAMES[name]:<4} {name:<12} {url}")
    print()
    return urls


def cmd_create(args: argparse.Namespace) -> int:
    settings = _settings(args)
    spec = json.loads(Path(args.spec).read_text("utf-8")) if args.spec else DEMO_MEETING
    try:
        meeting_id = asyncio.run(_create(settings, spec))
    except DomainError as e:
        print(f"error: {e.message}", file=sys.stderr)
        return 2
    _print_links(settings, meeting_id)
    return 0


def cmd_links(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if not asyncio.run(_read(settings, args.meeting, limit=1)):
        print(f"error: no meeting {args.meeting}", file=sys.stderr)
        return 2
    _print_links(settings, args.meeting)
    return 0


async def _read(settings: Settings, meeting_id: str, limit: int | None = None) -> list[EventRecord]:
    async with opened_event_log(settings) as event_log:
        return await event_log.read(meeting_id, limit=limit)


def cmd_recount(args: argparse.Namespace) -> int:
    """Open a meeting's sealed secret ballots with the ballot key and check them against VoteClosed."""
    settings = _settings(args)
    records = asyncio.run(_read(settings, args.meeting))
    if not records:
        print(f"error: no meeting {args.meeting}", file=sys.stderr)
        return 2
    worst = 0
    for result in recount(ballot_key(settings), records):
        status = "OK" if result.ok else "MISMATCH"
        print(
            f"{result.motion_id}: {status} — ballots {to_payload(result.counted)}, "
            f"declared {to_payload(result.declared) if result.declared else 'not closed'}, "
            f"repeated voters {result.duplicate_voters}"
        )
        worst = worst if result.ok else 1
    return worst


def cmd_transcript(args: argparse.Namespace) -> int:
    """Write a meeting's transcript (captions with speakers and times) as srt, vtt, txt or json."""
    records = asyncio.run(_read(_settings(args), args.meeting))
    if not records:
        print(f"error: no meeting {args.meeting}", file=sys.stderr)
        return 2
    text, _ = render(records, args.format)
    if args.output:
        Path(args.output).write_text(text, "utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _serve(settings: Settings, banner: str = "") -> None:
    # Thousands of connections make many long-lived objects; collecting the young generation less often
    # keeps garbage-collection pauses out of event delivery (measured with bench/fanout.py).
    gc.set_threshold(100_000, 50, 100)
    # Imported here: the whole server (socket.io, aiortc, the pages) is a second of start-up that the
    # offline commands (stats, verify, topics triage) do not need.
    from .hub.app import create_app
    from .hub.live_fast import run_app

    app = create_app(settings)
    ssl_ctx = None
    if settings.server.tls_cert:
        ssl_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ssl_ctx.load_cert_chain(settings.server.tls_cert, settings.server.tls_key)

    def say() -> None:
        print(f"Gongzhi listening on {base_url(settings)}{banner}", flush=True)

    run_app(
        app,
        host=settings.server.host,
        port=settings.server.port,
        ssl_context=ssl_ctx,
        ready=say,
        loop=_new_event_loop(),
    )


def _new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop where it is installed (it roughly halves the cost of fanning events out), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


def cmd_serve(args: argparse.Namespace) -> int:
    _serve(_settings(args))
    return 0


def _print_lan_qr(urls: dict[str, str], out: TextIO) -> None:
    print("手机连同一个 Wi-Fi，扫码参会 / phones on the same Wi-Fi: scan to join", file=out)
    # The residents' code last, nearest the prompt: it is the one most phones scan.
    for name in ("moderator", "recorder", "station", "participant"):
        print_qr(urls[name], f"{LINK_NAMES[name]} {name}", out)


def cmd_demo(args: argparse.Namespace) -> int:
    """Create (once) a demo meeting on the embedded default, print its links, then serve. With --lan: HTTPS
    on the LAN address with a self-signed certificate, and QR codes of the links for phones."""
    settings = _settings(args)
    lan = None
    if args.lan is not None:
        try:
            lan = lan_setup(args.lan, settings.data_dir / "tls")
        except RuntimeError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    settings = demo_settings(settings, lan, bind=not args.host)
    marker = settings.data_dir / "demo.meeting"
    meeting_id = marker.read_text().strip() if marker.exists() else ""
    if not meeting_id:
        meeting_id = asyncio.run(_create(settings, DEMO_MEETING))
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(meeting_id)
    urls = _print_links(settings, meeting_id)
    if lan is not None:
        _print_lan_qr(urls, sys.stdout)
        print(SELF_SIGNED_NOTE.format(host=lan[0]))
    else:
        print(
            "手机参会 / phones: scripts/demo --lan (gongzhi demo --lan): HTTPS on the LAN address, QR codes"
        )
    print(
        f"admin token (for POST /api/meetings): {admin_token(settings.server.admin_token, settings.data_dir)}"
    )
    _serve(settings, "  (Ctrl-C to stop)")
    return 0


def cmd_selfsigned(args: argparse.Namespace) -> int:
    """Make a self-signed certificate for a hall LAN, so phones get a secure context (microphone)."""
    settings = _settings(args)
    folder = Path(args.out) if args.out else settings.data_dir / "tls"
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        make_self_signed(args.names, cert, key, args.days)
        sha256 = fingerprint(cert)
    except (RuntimeError, subprocess.CalledProcessError, OSError) as e:
        print(f"error: {cert_error(e)}", file=sys.stderr)
        return 2
    host = args.names[0]
    print(f"证书 / certificate: {cert}\n私钥 / key:         {key}  (keep it private)")
    print(f"SHA-256 fingerprint: {sha256}")
    print("\n启用 HTTPS / serve HTTPS with it:")
    print(f"  GONGZHI_SERVER__TLS_CERT={cert} GONGZHI_SERVER__TLS_KEY={key} \\")
    print(f"  GONGZHI_SERVER__PUBLIC_URL=https://{host}:{settings.server.port} \\")
    # The shipped loopback-only ICE address would leave the phones' microphones unconnected.
    print(f"  GONGZHI_WEBRTC__HOST_ADDRESSES={','.join(_ip_addresses(args.names))} \\")
    print(f"  .venv/bin/gongzhi serve --host 0.0.0.0 --port {settings.server.port}")
    print(SELF_SIGNED_NOTE.format(host=host))
    return 0


def _ip_addresses(names: list[str]) -> list[str]:
    """The IP addresses among host names and addresses (none: every address, as [webrtc] host_addresses)."""
    out = []
    for name in names:
        try:
            out.append(str(ipaddress.ip_address(name)))
        except ValueError:
            pass
    return out


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gongzhi", description="Gongzhi (共治通) council meeting server")
    p.add_argument("--config", help="a TOML settings file (see config/defaults.toml)")
    sub = p.add_subparsers(dest="cmd", required=True)

    def common(sp: argparse.ArgumentParser, net: bool = False) -> None:
        sp.add_argument("--data-dir", help="override store.data_dir")
        if net:
            sp.add_argument("--host")
            sp.add_argument("--port", type=int)

    sp = sub.add_parser("serve", help="run the server")
    common(sp, net=True)
    sp.set_defaults(fn=cmd_serve)
    sp = sub.add_parser("demo", help="create a demo meeting, print its join links and serve it")
    common(sp, net=True)
    sp.add_argument(
        "--lan",
        nargs="?",
        const="",
        metavar="ADDRESS",
        help="serve HTTPS on the LAN (self-signed) for phones on the same Wi-Fi; ADDRESS: this machine's LAN"
        " IPv4 address (default: read from its interfaces)",
    )
    sp.set_defaults(fn=cmd_demo)
    sp = sub.add_parser("create", help="create a meeting from a JSON spec and print its join links")
    common(sp, net=True)
    sp.add_argument("--spec", help="JSON file: {title, level, place, scheduled_at, agenda, settings}")
    sp.set_defaults(fn=cmd_create)
    sp = sub.add_parser("links", help="print fresh join links (and QR codes) of a meeting")
    common(sp, net=True)
    sp.add_argument("meeting")
    sp.set_defaults(fn=cmd_links)
    sp = sub.add_parser("transcript", help="export a meeting's captions (srt, vtt, txt, json)")
    common(sp)
    sp.add_argument("meeting")
    sp.add_argument("--format", choices=["srt", "vtt", "txt", "json"], default="txt")
    sp.add_argument("-o", "--output", help="file to write (default: standard output)")
    sp.set_defaults(fn=cmd_transcript)
    add_verify(sub, common, _settings)
    add_backup(sub, common, _settings)
    add_ledger(sub, common, _settings)
    sp = sub.add_parser(
        "recount", help="recount a meeting's secret votes from the sealed ballots (needs the key)"
    )
    common(sp)
    sp.add_argument("meeting")
    sp.set_defaults(fn=cmd_recount)
    sp = sub.add_parser("selfsigned", help="make a self-signed HTTPS certificate for a hall LAN")
    sp.add_argument("--data-dir", help="override store.data_dir (the certificate goes to <data_dir>/tls)")
    sp.add_argument(
        "--host",
        dest="names",
        action="append",
        required=True,
        help="the server's LAN address, e.g. 192.168.1.10 (repeatable)",
    )
    sp.add_argument("--out", help="folder for cert.pem and key.pem (default <data_dir>/tls)")
    sp.add_argument("--days", type=int, default=825, help="validity in days (default 825)")
    sp.set_defaults(fn=cmd_selfsigned)
    topics_cli.add_parser(sub)
    add_stats(sub, common, _settings)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.fn(args)
    except SettingsError as e:
        print(f"configuration error: {e}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
