"""Events on/off and Logoff against the captured transcript of a real Asterisk 22
(ami-events-logoff): the bytes we send, and a clean end when Asterisk says Goodbye and closes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bridge.ami.client import AmiClient
from bridge.ami.errors import AmiDisconnected
from bridge.ami.message import Message
from tests.ami.peer import ReplayPeer, normalise
from tests.ami.test_ami import client_for
from tests.captures import CAPTURES, ami_transcript

NAME = "ami-events-logoff"


@pytest.fixture
async def peer() -> AsyncIterator[ReplayPeer]:
    replay = ReplayPeer(ami_transcript(NAME))
    yield replay
    await replay.stop()


async def run_the_captured_session(client: AmiClient) -> tuple[list[bool], list[Message], Message]:
    """What the lab client did: events on, call+user, a UserEvent, events off, a UserEvent,
    Logoff."""
    seen: list[Message] = []
    client.on("UserEvent", seen.append)
    states = [await client.events(True), await client.events("call,user")]
    await client.action("UserEvent", [("UserEvent", "LabPing"), ("Foo", "bar")])
    states.append(await client.events(False))
    await client.action("UserEvent", [("UserEvent", "LabPingMuted")])
    goodbye = await client.logoff()
    await client.settle()  # subscribers run off the reader
    return states, seen, goodbye


async def test_events_and_logoff_bytes_match_the_capture(peer: ReplayPeer) -> None:
    client = await client_for(await peer.start(), events=False)
    assert await client.wait_connected(5)
    states, seen, goodbye = await run_the_captured_session(client)
    sent = (CAPTURES / f"{NAME}.sent.raw").read_bytes()
    # the whole stream, Login included, byte for byte as captured (ActionIDs are ours)
    assert normalise(b"".join(peer.received)) == normalise(sent)
    assert peer.mismatches == []
    assert states == [True, True, False]  # "Events: On", "Events: On", "Events: Off"
    # the UserEvent Asterisk fired carries the sender's ActionID, which is ours
    assert [(m["UserEvent"], m["Foo"]) for m in seen] == [("LabPing", "bar")]
    assert seen[0].action_id is not None and seen[0].action_id.startswith("pb-")
    assert (goodbye["Response"], goodbye["Message"]) == ("Goodbye", "Thanks for all the fish.")
    await client.close()


async def test_goodbye_and_server_close_leave_a_clean_closed_client(peer: ReplayPeer) -> None:
    client = await client_for(await peer.start(), events=False)
    assert await client.wait_connected(5)
    await run_the_captured_session(client)
    assert client.closed and not client.connected  # logoff returns once the server closed
    await asyncio.sleep(0.5)  # ten back-off periods of client_for: a reconnect would show
    logins = [r for r in peer.received if r.startswith(b"Action: Login\r\n")]
    assert len(logins) == 1  # no reconnect after a Goodbye we asked for
    with pytest.raises(AmiDisconnected):  # and it says so at once instead of hanging
        await asyncio.wait_for(client.action("Ping"), 1)
    await client.close()  # closing a logged-off client is harmless
    assert client.closed
