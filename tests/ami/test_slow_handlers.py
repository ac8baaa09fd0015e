"""Event subscribers write to the database; a slow one must never delay the keepalive: the
reader goes on answering Pings while a handler is stuck, and a handler that falls too far
behind loses events (counted), not the AMI session."""

from __future__ import annotations

import asyncio

from prometheus_client import CollectorRegistry

from bridge.ami.message import Message
from bridge.metrics import AmiMetrics
from tests.ami.peer import read_action
from tests.ami.test_ami import FaultPeer, logged_in, response


def hangup(channel: str) -> bytes:
    return f"Event: Hangup\r\nChannel: {channel}\r\nCause: 16\r\n\r\n".encode()


async def test_a_stuck_handler_never_delays_the_pong(fault_peer: FaultPeer) -> None:
    client, reader, writer = await logged_in(fault_peer, ping_interval_s=0.1, ping_timeout_s=2)
    database = asyncio.Event()  # a database that does not answer until we say so
    recorded: list[str] = []

    async def record(message: Message) -> None:
        await database.wait()
        recorded.append(message["Channel"])

    client.on("Hangup", record)
    writer.write(hangup("A") + hangup("B"))
    for _ in range(3):  # keepalive Pings go out and their Pongs are read meanwhile
        ping = await asyncio.wait_for(read_action(reader), 5)
        assert b"Action: Ping" in ping
        writer.write(response(ping, b"Ping: Pong"))
    pong = asyncio.create_task(client.action("Ping"))
    writer.write(response(await read_action(reader), b"Ping: Pong"))
    assert (await pong)["Ping"] == "Pong"
    assert recorded == [] and client.connected
    database.set()
    await client.settle()
    assert recorded == ["A", "B"]  # in arrival order
    assert len(fault_peer.connections) == 1  # the session was never lost
    await client.close()


async def test_a_handler_too_far_behind_loses_events_not_the_session(
    fault_peer: FaultPeer,
) -> None:
    registry = CollectorRegistry()
    client, reader, writer = await logged_in(
        fault_peer, max_queued_events=2, metrics=AmiMetrics(registry)
    )
    database = asyncio.Event()
    recorded: list[str] = []

    async def record(message: Message) -> None:
        await database.wait()
        recorded.append(message["Channel"])

    client.on("Hangup", record)
    channels = [f"C{i}" for i in range(10)]
    writer.write(b"".join(hangup(c) for c in channels))
    pong = asyncio.create_task(client.action("Ping"))
    writer.write(response(await read_action(reader), b"Ping: Pong"))
    assert (await pong)["Ping"] == "Pong"
    database.set()
    await client.settle()
    dropped = registry.get_sample_value("phonebridge_ami_events_dropped_total")
    assert 2 <= len(recorded) <= 3 and recorded == channels[: len(recorded)]
    assert dropped == len(channels) - len(recorded)
    assert client.connected
    await client.close()
