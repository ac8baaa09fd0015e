"""The AMI client against the captured transcripts of a real Asterisk 22, on a real socket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bridge.ami.client import AmiClient
from bridge.ami.errors import (
    AmiActionFailed,
    AmiBusy,
    AmiDisconnected,
    AmiOriginateOutcomeUnknown,
    UnsafeHeader,
)
from bridge.ami.message import Message
from tests.ami.peer import ReplayPeer, read_action
from tests.captures import ami_transcript


async def client_for(port: int, **options: object) -> AmiClient:
    client = AmiClient(
        "127.0.0.1",
        port,
        "bridge",
        str(options.pop("secret", "bridgesecret")),
        backoff=(0.05, 0.2),
        **options,
    )  # type: ignore[arg-type]
    client.start()
    return client


@pytest.fixture
async def peers() -> AsyncIterator[list[ReplayPeer]]:
    made: list[ReplayPeer] = []
    yield made
    for peer in made:
        await peer.stop()


async def replay(peers: list[ReplayPeer], name: str) -> tuple[ReplayPeer, AmiClient]:
    peer = ReplayPeer(ami_transcript(name))
    peers.append(peer)
    client = await client_for(await peer.start())
    assert await client.wait_connected(5)
    return peer, client


async def test_login_ping_originate_events_and_logoff_as_captured(peers: list[ReplayPeer]) -> None:
    peer, client = await replay(peers, "ami-originate-success")
    seen: list[str] = []
    client.on("UserEvent", lambda m: seen.append(m["UserEvent"]))
    pong = await client.action("Ping")
    assert pong["Ping"] == "Pong"
    handle = await client.originate(
        "Local/5551234@outbound",
        context="sink",
        exten="5551234",
        priority=1,
        caller_id='"Alice" <1001>',
    )
    assert handle.queued["Message"] == "Originate successfully queued"
    result = await asyncio.wait_for(handle.result, 5)
    assert (result["Response"], result["Reason"], result["CallerIDNum"]) == ("Success", "4", "1001")
    await asyncio.sleep(0.1)
    await client.close()
    assert peer.mismatches == []  # every action byte for byte as captured (ActionIDs aside)
    assert seen == ["SinkReached", "SinkReached"]


@pytest.mark.parametrize(
    ("action", "options"),
    [
        ("f1", {}),
        ("f2", {"context": "sink", "exten": "999", "priority": 1, "caller_id": '"Alice" <1001>'}),
    ],
)
async def test_async_originate_to_a_missing_context_fails_later(
    peers: list[ReplayPeer], action: str, options: dict[str, object]
) -> None:
    blocks = ami_transcript("ami-originate-failure")
    peer = ReplayPeer(_only(blocks, action))
    peers.append(peer)
    client = await client_for(await peer.start())
    assert await client.wait_connected(5)
    handle = await client.originate("Local/999@nonexistent-context", **options)  # type: ignore[arg-type]
    assert handle.queued["Message"] == "Originate successfully queued"  # Asterisk accepts it…
    result = await asyncio.wait_for(handle.result, 5)
    assert (result["Response"], result["Reason"]) == ("Failure", "0")  # …and fails it later
    assert peer.mismatches == []
    await client.close()


async def test_synchronous_originate_failure_is_an_error(peers: list[ReplayPeer]) -> None:
    peer = ReplayPeer(_only(ami_transcript("ami-originate-failure"), "f3"))
    peers.append(peer)
    client = await client_for(await peer.start())
    assert await client.wait_connected(5)
    with pytest.raises(AmiActionFailed, match="Originate failed"):
        await client.originate(
            "Local/999@nonexistent-context",
            context="sink",
            exten="999",
            priority=1,
            caller_id='"Alice" <1001>',
            asynchronous=False,
        )
    assert peer.mismatches == []
    await client.close()


def _only(blocks: list[object], action_id: str) -> list[object]:
    """The login, then only the exchange of one captured ActionID (and the events after it)."""
    from tests.captures import AmiBlock

    kept: list[AmiBlock] = []
    keep = True
    for block in blocks:
        assert isinstance(block, AmiBlock)
        if block.direction == "SEND" and b"Action: Login" not in block.data:
            keep = f"ActionID: {action_id}\r\n".encode() in block.data
        if block.direction == "SEND" and b"Action: Logoff" in block.data:
            break
        if keep:
            kept.append(block)
    return kept  # type: ignore[return-value]


async def test_login_failure_is_final_and_not_retried(peers: list[ReplayPeer]) -> None:
    peer = ReplayPeer(ami_transcript("ami-login-failure"))
    peers.append(peer)
    client = await client_for(await peer.start(), secret="wrongsecret")
    for _ in range(100):
        if client.auth_failed:
            break
        await asyncio.sleep(0.05)
    assert client.auth_failed and not client.connected
    await asyncio.sleep(0.3)
    assert len([r for r in peer.received if b"Action: Login" in r]) == 1  # no hammering
    await client.close()


async def test_unsafe_headers_never_reach_the_socket(peers: list[ReplayPeer]) -> None:
    peer, client = await replay(peers, "ami-originate-success")
    before = len(peer.received)
    for bad in ("Local/1@x\r\nAction: Originate", "a\nb", "a\0b"):
        with pytest.raises(UnsafeHeader):
            await client.originate(bad, context="sink", exten="1", priority=1)
    with pytest.raises(UnsafeHeader):
        await client.action("Ping", {"X": "1\r\n\r\nAction: Originate"})
    assert len(peer.received) == before
    await client.close()


# -- a hand-driven peer for faults ---------------------------------------------------------------

BANNER = b"Asterisk Call Manager/11.0.0\r\n"


class FaultPeer:
    """Logs the client in, then lets each test play Asterisk message by message."""

    def __init__(self) -> None:
        self.connections: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.arrived = asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]]()
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(BANNER)
        login = await read_action(reader)
        action_id = login.split(b"ActionID: ")[1].split(b"\r\n")[0]
        writer.write(
            b"Response: Success\r\nActionID: "
            + action_id
            + b"\r\nMessage: Authentication accepted\r\n\r\n"
        )
        await writer.drain()
        self.connections.append((reader, writer))
        await self.arrived.put((reader, writer))


async def logged_in(
    peer: FaultPeer, **options: object
) -> tuple[AmiClient, asyncio.StreamReader, asyncio.StreamWriter]:
    client = await client_for(await peer.start(), **options)
    reader, writer = await asyncio.wait_for(peer.arrived.get(), 5)
    assert await client.wait_connected(5)
    return client, reader, writer


def response(action: bytes, *extra: bytes) -> bytes:
    action_id = action.split(b"ActionID: ")[1].split(b"\r\n")[0]
    return (
        b"Response: Success\r\nActionID: "
        + action_id
        + b"\r\n"
        + b"".join(e + b"\r\n" for e in extra)
        + b"\r\n"
    )


async def test_responses_are_matched_by_action_id_not_order(fault_peer: FaultPeer) -> None:
    client, reader, writer = await logged_in(fault_peer)
    first = asyncio.create_task(client.action("Command", {"Command": "core show uptime"}))
    second = asyncio.create_task(client.action("Command", {"Command": "core show version"}))
    a, b = await read_action(reader), await read_action(reader)
    writer.write(
        b"Event: Newchannel\r\nChannel: PJSIP/x-1\r\n\r\n"
    )  # an event of another call between
    writer.write(response(b, b"Output: second") + response(a, b"Output: first"))
    assert (await first)["Output"] == "first" and (await second)["Output"] == "second"
    await client.close()


async def test_a_failing_callback_does_not_kill_the_reader(fault_peer: FaultPeer) -> None:
    client, reader, writer = await logged_in(fault_peer)
    got: list[str] = []

    def broken(message: Message) -> None:
        raise RuntimeError("subscriber bug")

    client.on("Hangup", broken)
    client.on("Hangup", lambda m: got.append(m["Channel"]))
    writer.write(b"Event: Hangup\r\nChannel: A\r\n\r\nEvent: Hangup\r\nChannel: B\r\n\r\n")
    ping = asyncio.create_task(client.action("Ping"))
    writer.write(response(await read_action(reader), b"Ping: Pong"))
    assert (await ping)["Ping"] == "Pong"
    await client.settle()  # subscribers run off the reader
    assert got == ["A", "B"]
    await client.close()


async def test_utf8_split_across_reads(fault_peer: FaultPeer) -> None:
    client, _, writer = await logged_in(fault_peer)
    names: list[str] = []
    client.on("Newchannel", lambda m: names.append(m["CallerIDName"]))
    data = "Event: Newchannel\r\nCallerIDName: Zoë 张伟\r\n\r\n".encode()
    for i in range(len(data)):
        writer.write(data[i : i + 1])
        await writer.drain()
    for _ in range(50):
        if names:
            break
        await asyncio.sleep(0.01)
    assert names == ["Zoë 张伟"]
    await client.close()


async def test_drop_after_originate_is_written_is_an_unknown_outcome_never_resent(
    fault_peer: FaultPeer,
) -> None:
    client, reader, writer = await logged_in(fault_peer)
    attempt = asyncio.create_task(
        client.originate(
            "PJSIP/+12025550100@trunk",
            context="phonebridge-connect",
            exten="s",
            priority=1,
            action_id="call-1",
        )
    )
    assert b"ActionID: call-1" in await read_action(reader)
    writer.close()  # the connection drops before the response
    with pytest.raises(AmiOriginateOutcomeUnknown):
        await attempt
    reader2, _ = await asyncio.wait_for(fault_peer.arrived.get(), 5)  # the client reconnects…
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(read_action(reader2), 0.5)  # …and sends nothing again
    await client.close()


async def test_drop_between_queued_and_outcome(fault_peer: FaultPeer) -> None:
    client, reader, writer = await logged_in(fault_peer)
    attempt = asyncio.create_task(
        client.originate(
            "PJSIP/+12025550100@trunk", context="phonebridge-connect", exten="s", priority=1
        )
    )
    writer.write(response(await read_action(reader), b"Message: Originate successfully queued"))
    handle = await attempt
    writer.close()
    with pytest.raises(AmiOriginateOutcomeUnknown):
        await handle.result
    await client.close()


async def test_not_connected_fails_fast_and_too_many_in_flight_is_busy(
    fault_peer: FaultPeer,
) -> None:
    offline = AmiClient("127.0.0.1", 9, "u", "s")
    with pytest.raises(AmiDisconnected):
        await offline.action("Ping")
    client, _, _ = await logged_in(fault_peer, max_pending=2)
    held = [asyncio.create_task(client.action("Ping")) for _ in range(2)]
    await asyncio.sleep(0.05)
    with pytest.raises(AmiBusy):
        await client.action("Ping")
    for task in held:
        task.cancel()
    await client.close()


async def test_idle_is_kept_alive_with_pings(fault_peer: FaultPeer) -> None:
    client, reader, writer = await logged_in(fault_peer, ping_interval_s=0.1)
    for _ in range(3):  # well past asterisk-ami's fatal 3 s idle, scaled down
        ping = await asyncio.wait_for(read_action(reader), 2)
        assert b"Action: Ping" in ping
        writer.write(response(ping, b"Ping: Pong"))
    assert client.connected
    await client.close()


async def test_garbage_from_the_peer_reconnects(fault_peer: FaultPeer) -> None:
    client, _, writer = await logged_in(fault_peer)
    writer.write(b"this is not AMI\r\n\r\n")
    await asyncio.wait_for(fault_peer.arrived.get(), 5)  # a fresh login on a new connection
    assert await client.wait_connected(2)
    await client.close()
