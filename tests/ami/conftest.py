from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.ami.test_ami import FaultPeer


@pytest.fixture
async def fault_peer() -> AsyncIterator[FaultPeer]:
    peer = FaultPeer()
    yield peer
    for _, writer in peer.connections:
        writer.close()
    if peer.server:
        peer.server.close()
        await peer.server.wait_closed()
