"""Media tests run real aiortc peers on loopback only: aioice is restricted to 127.0.0.1 for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from meeting_server.media.ice import configure_host_addresses


@pytest.fixture(autouse=True)
def loopback() -> Iterator[tuple[str, ...]]:
    addresses = ("127.0.0.1",)
    configure_host_addresses(addresses)
    try:
        yield addresses
    finally:
        configure_host_addresses(None)
