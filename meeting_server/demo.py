"""What ``gongzhi demo`` changes so that it works where a newcomer is: ICE addresses that a stock browser
uses, and ``--lan`` for phones on the same Wi-Fi (the LAN address, its certificate, HTTPS links).

``gongzhi serve`` keeps the settings as configured; only the demo adjusts them, here, in one place.
"""

from __future__ import annotations

import ipaddress
import subprocess
from pathlib import Path
from typing import Any

from .lan import cert_error, make_self_signed, read_lan_addresses
from .settings import Settings

# The shipped [webrtc] host_addresses: loopback only, which only a browser started with
# --allow-loopback-in-peer-connection uses (the tests' Chromium); a stock browser never does, even on the
# server's own machine.
LOOPBACK_ONLY = ("127.0.0.1",)


def demo_settings(settings: Settings, lan: tuple[str, Path, Path] | None, *, bind: bool = True) -> Settings:
    """The demo's settings. It offers every non-loopback address as ICE candidates (host_addresses = [],
    which also lets the browser's own candidates through) unless host_addresses was changed from the
    loopback default. With ``lan`` = (address, cert, key) it serves HTTPS and its links point to the LAN
    address; ``bind`` binds the server to that address (off when --host says where to listen)."""
    webrtc: dict[str, Any] = {"host_addresses": []} if settings.webrtc.host_addresses == LOOPBACK_ONLY else {}
    if lan is None:
        return settings.with_overrides(webrtc=webrtc)
    address, cert, key = lan
    server: dict[str, Any] = {
        "tls_cert": str(cert),
        "tls_key": str(key),
        "public_url": f"https://{address}:{settings.server.port}",
    }
    if bind:
        server["host"] = address
    return settings.with_overrides(server=server, webrtc=webrtc)


def lan_setup(given: str, tls_folder: Path) -> tuple[str, Path, Path]:
    """(address, cert, key) for ``--lan [ADDRESS]``: the address as given, or the best of this machine's LAN
    addresses; the demo's certificate for it. Raises RuntimeError with what to do."""
    if given:
        try:
            address = str(ipaddress.IPv4Address(given))
        except ValueError:
            raise RuntimeError(f"--lan wants this machine's IPv4 address, got {given!r}") from None
    else:
        try:
            found = read_lan_addresses()
        except (subprocess.SubprocessError, OSError) as e:
            raise RuntimeError(f"could not read the network interfaces: {e}") from e
        if not found:
            raise RuntimeError(
                "no LAN address found (Wi-Fi or Ethernet connected?); name it: --lan 192.168.1.10"
            )
        address = found[0]
        if len(found) > 1:
            print(f"LAN addresses {', '.join(found)}: using {address} (choose another with --lan ADDRESS)")
    try:
        return (address, *lan_certificate(tls_folder, address))
    except (subprocess.CalledProcessError, OSError) as e:
        raise RuntimeError(cert_error(e)) from e


def lan_certificate(folder: Path, address: str, days: int = 825) -> tuple[Path, Path]:
    """The demo's certificate for ``address`` in ``folder``: made once, then kept, so that each phone accepts
    the warning only once (a new certificate would ask again). Returns (cert, key)."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / f"demo-{address}-cert.pem", folder / f"demo-{address}-key.pem"
    if not (cert.exists() and key.exists()):
        make_self_signed([address], cert, key, days)
    return cert, key
