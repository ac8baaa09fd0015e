"""An Asterisk that answers Originate slowly: past the action timeout the call fails for good,
is never sent twice and the connection stays usable; within the timeout it simply succeeds.
The answers are the captured ones (ami-originate-success), ActionID aside."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bridge.ami.errors import AmiOriginateOutcomeUnknown
from bridge.ami.originator import AmiOriginator, AmiOriginatorConfig
from bridge.originator import ClickToCall
from phonebook.app import Phonebook
from phonebook.calls import CallLimits
from phonebook.config import PhonebookConfig
from phonebook.errors import Unavailable
from tests.ami.peer import captured_originate_replies, for_action, read_action
from tests.ami.test_ami import FaultPeer, logged_in, response
from tests.ami.test_originator import alice_for_caller, header, settle

QUEUED, OUTCOME = captured_originate_replies()
CHANNEL = "PJSIP/+12025550100@phonebridge-trunk"


def answers(action: bytes) -> bytes:
    """Asterisk's "queued" response and the successful OriginateResponse for ``action``."""
    action_id = header(action, "ActionID").encode()
    return for_action(QUEUED, action_id) + for_action(OUTCOME, action_id)


async def nothing_more(reader: asyncio.StreamReader) -> bool:
    """True if the client sends nothing further for a while."""
    try:
        await asyncio.wait_for(read_action(reader), 0.3)
    except TimeoutError:
        return True
    return False


@pytest.fixture
def pb(engine: AsyncEngine) -> Phonebook:
    limits = CallLimits(per_minute=100, concurrent_per_caller=100)
    return Phonebook.build(engine, PhonebookConfig(auto_verify_phones=True), limits)


# -- the client alone ------------------------------------------------------------------------------


async def test_a_response_past_the_timeout_is_final_sent_once_and_the_client_goes_on(
    fault_peer: FaultPeer,
) -> None:
    client, reader, writer = await logged_in(fault_peer, action_timeout_s=0.3)
    attempt = asyncio.create_task(
        client.originate(CHANNEL, context="phonebridge-connect", exten="s", action_id="call-1")
    )
    late = await read_action(reader)
    assert late.startswith(b"Action: Originate\r\n")
    with pytest.raises(AmiOriginateOutcomeUnknown, match="no response to Originate call-1"):
        await attempt
    writer.write(answers(late))  # Asterisk answers after all: dropped, not misattributed
    ping = asyncio.create_task(client.action("Ping"))
    action = await asyncio.wait_for(read_action(reader), 2)
    assert action.startswith(b"Action: Ping\r\n")  # the Originate was not written again
    writer.write(response(action, b"Ping: Pong"))
    assert (await ping)["Ping"] == "Pong"
    placing = asyncio.create_task(
        client.originate(CHANNEL, context="phonebridge-connect", exten="s", action_id="call-2")
    )
    action = await read_action(reader)
    writer.write(answers(action))
    result = await asyncio.wait_for((await placing).result, 2)
    assert (result.action_id, result["Response"]) == ("call-2", "Success")
    assert client.connected and fault_peer.arrived.empty()  # one connection throughout
    assert await nothing_more(reader)
    await client.close()


async def test_a_slow_response_within_the_timeout_succeeds(fault_peer: FaultPeer) -> None:
    client, reader, writer = await logged_in(fault_peer, action_timeout_s=1.5)
    placing = asyncio.create_task(
        client.originate(CHANNEL, context="phonebridge-connect", exten="s", action_id="call-1")
    )
    action = await read_action(reader)
    await asyncio.sleep(0.5)  # a third of the timeout: slow, but in time
    writer.write(answers(action))
    handle = await placing
    assert handle.queued["Message"] == "Originate successfully queued"
    assert (await asyncio.wait_for(handle.result, 2))["Response"] == "Success"
    assert await nothing_more(reader)  # one Originate, nothing sent twice
    await client.close()


# -- click-to-call: what the caller sees -----------------------------------------------------------


async def test_click_to_call_past_the_timeout_fails_once_and_the_next_call_works(
    fault_peer: FaultPeer, pb: Phonebook
) -> None:
    caller, alice = await alice_for_caller(pb)
    client, reader, writer = await logged_in(fault_peer, action_timeout_s=0.3)
    service = ClickToCall(pb.calls, AmiOriginator(client, pb.calls, AmiOriginatorConfig()))
    with pytest.raises(Unavailable, match="may not have been placed"):
        await service.call(caller, alice, None)
    first = await read_action(reader)
    (call,) = await pb.calls.log(caller)
    assert (call.status.value, call.reason) == ("failed", "outcome unknown")
    writer.write(answers(first))  # the late "queued" + OriginateResponse change nothing
    await asyncio.sleep(0.2)
    (call,) = await pb.calls.log(caller)
    assert call.status.value == "failed"

    placing = asyncio.create_task(service.call(caller, alice, None))
    second = await read_action(reader)
    assert header(second, "ActionID") != header(first, "ActionID")  # a new call, not a resend
    writer.write(answers(second))
    call_id = (await placing).id
    assert await settle(pb, caller, call_id, "ringing", "answered") == "answered (Reason 4)"
    assert await nothing_more(reader)
    await client.close()


async def test_click_to_call_answered_slowly_within_the_timeout_rings(
    fault_peer: FaultPeer, pb: Phonebook
) -> None:
    caller, alice = await alice_for_caller(pb)
    client, reader, writer = await logged_in(fault_peer, action_timeout_s=1.5)
    service = ClickToCall(pb.calls, AmiOriginator(client, pb.calls, AmiOriginatorConfig()))
    placing = asyncio.create_task(service.call(caller, alice, None))
    action = await read_action(reader)
    await asyncio.sleep(0.5)
    writer.write(answers(action))
    call_id = (await placing).id
    assert await settle(pb, caller, call_id, "ringing", "answered") == "answered (Reason 4)"
    assert await nothing_more(reader)
    await client.close()
