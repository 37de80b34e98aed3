"""Serving a hall LAN: the server's LAN address, a self-signed certificate, and what phones show for it.

Used by ``gongzhi selfsigned`` and ``gongzhi demo --lan``. The LAN address is read from the interfaces
(``ip -j addr``); nothing is sent anywhere to find it.
"""

from __future__ import annotations

import ipaddress
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any, TextIO

import segno

SELF_SIGNED_NOTE = """
手机浏览器会显示安全警告 / What the phones will show:
  Android Chrome: “您的连接不是私密连接 / Your connection is not private” (NET::ERR_CERT_AUTHORITY_INVALID)
                  → 点“高级 / Advanced” → “继续前往 {host}（不安全）/ Proceed to {host} (unsafe)”
  iPhone Safari:  “此连接非私人连接 / This Connection Is Not Private”
                  → 点“显示详细信息 / Show Details” → “访问此网站 / visit this website” → 再确认 / confirm
  This is expected with a self-signed certificate: the connection is encrypted, but no authority vouches
  for it. Each phone asks once; the microphone then works (browsers only allow it over HTTPS).
  For a public server use a real certificate behind nginx or Caddy instead (see README.md).
"""

# Private ranges in the order a hall's Wi-Fi most likely uses them: home and small-office routers hand out
# 192.168.x.x, larger networks 10.x.x.x; 172.16/12 is also where Docker and VMs put their bridges.
_PREFERRED = [ipaddress.ip_network(n) for n in ("192.168.0.0/16", "10.0.0.0/8", "172.16.0.0/12")]
# Interfaces of containers and VMs on this machine, which phones cannot reach: listed after the others.
_VIRTUAL = (
    "docker",
    "br-",
    "veth",
    "virbr",
    "vmnet",
    "vboxnet",
    "lxcbr",
    "cni",
    "flannel",
    "tailscale",
    "tun",
)


def lan_addresses(ip_json: str) -> list[str]:
    """The IPv4 addresses phones on the same network could reach, best first, from ``ip -j addr`` output.

    Loopback, interfaces that are down, link-local (169.254.x.x) and non-global addresses are left out.
    """
    ranked: list[tuple[int, int, str]] = []
    for iface in json.loads(ip_json):
        flags = iface.get("flags", [])
        if "LOOPBACK" in flags or "UP" not in flags or iface.get("operstate") == "DOWN":
            continue
        virtual = str(iface.get("ifname", "")).startswith(_VIRTUAL)
        for info in iface.get("addr_info", []):
            if info.get("family") != "inet" or info.get("scope") != "global":
                continue
            address = ipaddress.IPv4Address(info["local"])
            if address.is_link_local or address.is_loopback:
                continue
            rank = next((i for i, n in enumerate(_PREFERRED) if address in n), len(_PREFERRED))
            ranked.append((int(virtual), rank, str(address)))
    return [a for *_, a in sorted(ranked)]


def read_lan_addresses() -> list[str]:
    """:func:`lan_addresses` of this machine's interfaces (``ip`` is in Debian's iproute2)."""
    ip = shutil.which("ip") or next((p for p in ("/usr/sbin/ip", "/sbin/ip") if Path(p).exists()), None)
    if ip is None:
        raise RuntimeError("the ip command is missing (sudo apt-get install iproute2)")
    out = subprocess.run([ip, "-j", "addr", "show"], check=True, capture_output=True, text=True, timeout=10)
    return lan_addresses(out.stdout)


def make_self_signed(hosts: list[str], cert: Path, key: Path, days: int) -> None:
    """Write a self-signed certificate for ``hosts`` (IPs and names) with ``openssl``."""
    openssl = _openssl()
    names = []
    for host in hosts:
        try:
            ipaddress.ip_address(host)
            names.append(f"IP:{host}")
        except ValueError:
            names.append(f"DNS:{host}")
    cmd = [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", str(days)]
    cmd += ["-keyout", str(key), "-out", str(cert), "-subj", f"/O=Gongzhi/CN={hosts[0]}"]
    cmd += ["-addext", "subjectAltName=" + ",".join(names), "-addext", "extendedKeyUsage=serverAuth"]
    subprocess.run(cmd, check=True, capture_output=True)
    key.chmod(0o600)


def fingerprint(cert: Path) -> str:
    """The certificate's SHA-256 fingerprint, as browsers show it in the certificate details."""
    out = subprocess.run(
        [_openssl(), "x509", "-noout", "-fingerprint", "-sha256", "-in", str(cert)],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().split("=", 1)[-1]


def print_qr(url: str, label: str, out: TextIO) -> None:
    """A QR code of ``url`` drawn with block characters, for phones to scan off the screen."""
    print(f"\n{label}:", file=out)
    segno.make(url, error="m").terminal(out=out, compact=True, border=2)


def cert_error(e: BaseException) -> str:
    """One line about a failed certificate, with openssl's own message when there is one."""
    detail: Any = getattr(e, "stderr", b"") or b""
    text = detail.decode(errors="replace") if isinstance(detail, bytes) else str(detail)
    return f"could not make a certificate: {e} {text}".strip()


def _openssl() -> str:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("openssl not found (sudo apt-get install openssl)")
    return openssl
