"""The ledger stamp on the minutes PDF of a real server: the printed head and the QR code's payload are
the head ``gongzhi verify --ledger`` prints; the forgery of a copy (one ballot changed, every hash and
the ledger re-signed with the real key) no longer reaches the printed head."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
from pathlib import Path

import aiohttp
import pypdf
import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image

from tests.support.hub import running_server

from .test_community_ledger import _closed_and_published, _rewrite_ledger
from .test_public_log import _forge, _rows, gongzhi


def _qr_matrix(image: Image.Image, version_size: int) -> list[list[bool]]:
    """The modules of a QR code image (a 2-module border), read at each module's centre."""
    gray = image.convert("L")
    side = version_size + 4
    step = gray.width / side
    return [
        [gray.getpixel((int((c + 2.5) * step), int((r + 2.5) * step))) < 128 for c in range(version_size)]  # type: ignore[operator]
        for r in range(version_size)
    ]


async def test_the_minutes_pdf_prints_the_ledgers_key_and_head_as_text_and_qr(tmp_path: Path) -> None:
    data = tmp_path / "data"
    m = await _closed_and_published(data)
    async with running_server(data) as server, aiohttp.ClientSession() as http:
        url = f"{server.url}/api/meetings/{m['mid']}/minutes.pdf"
        async with http.get(url, params={"t": m["links"]["observer"]["token"]}) as r:
            assert r.status == 200
            pdf = pypdf.PdfReader(io.BytesIO(await r.read()))
    checked = gongzhi("verify", "--ledger", data_dir=data)
    assert checked.returncode == 0, checked.stdout
    key = checked.stdout.split("ledger key ")[1].split()[0]
    head = checked.stdout.split("head ")[1].split()[0]

    text = re.sub(r"[\s\x00]+", "", "".join(page.extract_text() for page in pdf.pages))
    assert f"台账末条哈希{head}" in text
    assert f"签名公钥{key}" in text and "存证台账ledger:-·第2条" in text
    expected = json.dumps(
        {"head": head, "key": key, "ledger": "ledger:-", "seq": 2}, separators=(",", ":"), sort_keys=True
    )
    qr = segno.make(expected, error="m")
    want = [[bool(v) for v in row] for row in qr.matrix]
    images = [img for page in pdf.pages for img in page.images]
    assert len(images) == 1
    assert _qr_matrix(images[0].image, len(want)) == want  # the QR code holds exactly that payload

    # The forgery, the ledger re-signed with the real key to match: its head is no longer the printed one.
    copy = tmp_path / "copy"
    shutil.copytree(data, copy)
    _forge(copy / "gongzhi.sqlite3", m["mid"])
    meeting = {r[0]: r[7] for r in _rows(copy / "gongzhi.sqlite3", m["mid"])}
    real = base64.urlsafe_b64decode((data / "ledger.key").read_text().strip())
    real_key = Ed25519PrivateKey.from_private_bytes(real)
    _rewrite_ledger(copy / "gongzhi.sqlite3", meeting, real_key)
    street = {r[0]: r[7] for r in _rows(copy / "gongzhi.sqlite3", "ledger:-")}
    _rewrite_ledger(copy / "gongzhi.sqlite3", street, real_key, "ledger:@street")
    resigned = gongzhi("verify", "--ledger", "--public-key", key, data_dir=copy)
    assert resigned.returncode == 0, resigned.stdout  # consistent and signed at both levels, yet:
    assert head not in resigned.stdout
