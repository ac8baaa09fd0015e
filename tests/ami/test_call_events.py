"""A click-to-call followed through Asterisk's own events: the captured successful Originate
(Local channel: the callee's DialEnd arrives before the OriginateResponse) replayed byte for
byte after our Originate, and a caller who hangs up before the callee answers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bridge.ami.client import AmiClient
from bridge.ami.originator import AmiOriginator, AmiOriginatorConfig
from bridge.originator import ClickToCall
from phonebook.app import Phonebook
from phonebook.calls import Call
from tests.ami.peer import for_action, read_action
from tests.ami.test_ami import FaultPeer, logged_in
from tests.ami.test_originator import alice_for_caller, header, settle
from tests.captures import ami_transcript


def captured_after_originate() -> list[bytes]:
    """Everything Asterisk sent after the captured Originate, up to the Logoff."""
    blocks = ami_transcript("ami-originate-success")
    start = next(i for i, b in enumerate(blocks) if b.data.startswith(b"Action: Originate"))
    sent: list[bytes] = []
    for block in blocks[start + 1 :]:
        if block.direction == "SEND":
            break
        sent.append(block.data)
    return sent


@dataclass
class Placed:
    caller: str
    call_id: str
    writer: asyncio.StreamWriter
    placing: asyncio.Task[Call]
    client: AmiClient

    async def done(self) -> None:
        await self.placing
        await self.client.close()


async def place(fault_peer: FaultPeer, pb: Phonebook) -> Placed:
    caller, alice = await alice_for_caller(pb)
    client, reader, writer = await logged_in(fault_peer)
    service = ClickToCall(pb.calls, AmiOriginator(client, pb.calls, AmiOriginatorConfig()))
    placing = asyncio.create_task(service.call(caller, alice, None))
    call_id = header(await read_action(reader), "ActionID")
    return Placed(caller, call_id, writer, placing, client)


def answered(call_id: str) -> bytes:
    """Originate queued, then the caller answered: the originated channel is 1795463683.7."""
    return (
        f"Response: Success\r\nActionID: {call_id}\r\nMessage: Originate successfully queued\r\n\r\n"
        f"Event: OriginateResponse\r\nActionID: {call_id}\r\nResponse: Success\r\nReason: 4\r\n"
        "Uniqueid: 1795463683.7\r\n\r\n"
    ).encode()


async def test_the_captured_call_is_connected_then_completed_with_its_cause(
    fault_peer: FaultPeer, pb: Phonebook
) -> None:
    call = await place(fault_peer, pb)
    replay = captured_after_originate()
    assert any(b"Event: DialEnd" in m and b"Channel: " in m for m in replay)
    for message in replay:  # DialEnd ANSWER, OriginateResponse, … Hangup Cause 16, in order
        own = for_action(message, call.call_id.encode()) if b"ActionID: t1" in message else message
        call.writer.write(own)
    reason = await settle(pb, call.caller, call.call_id, "completed")
    assert reason == "hangup Cause 16 (Normal Clearing)"
    await call.done()


async def test_a_caller_who_hangs_up_before_the_callee_answers_fails_the_call(
    fault_peer: FaultPeer, pb: Phonebook
) -> None:
    call = await place(fault_peer, pb)
    call.writer.write(answered(call.call_id))
    await settle(pb, call.caller, call.call_id, "ringing", "answered")
    call.writer.write(
        b"Event: DialEnd\r\nChannel: PJSIP/trunk-00000007\r\nUniqueid: 1795463683.7\r\n"
        b"Linkedid: 1795463683.7\r\nDestChannel: PJSIP/trunk-00000008\r\nDialStatus: CANCEL\r\n\r\n"
        b"Event: Hangup\r\nChannel: PJSIP/trunk-00000007\r\nUniqueid: 1795463683.7\r\n"
        b"Linkedid: 1795463683.7\r\nCause: 16\r\nCause-txt: Normal Clearing\r\n\r\n"
    )
    assert await settle(pb, call.caller, call.call_id, "failed") == "DialStatus CANCEL"
    await call.done()


async def test_events_of_other_calls_change_nothing(fault_peer: FaultPeer, pb: Phonebook) -> None:
    call = await place(fault_peer, pb)
    call.writer.write(answered(call.call_id))
    call.writer.write(
        b"Event: DialEnd\r\nChannel: PJSIP/x-1\r\nUniqueid: 9.1\r\nLinkedid: 9.1\r\nDialStatus: BUSY\r\n\r\n"
        b"Event: Hangup\r\nChannel: PJSIP/x-1\r\nUniqueid: 9.1\r\nLinkedid: 9.1\r\nCause: 17\r\n\r\n"
    )
    call.writer.write(  # then our callee answers: had the busy above been taken as ours, the
        # call would be final (busy) and could not become connected
        b"Event: DialEnd\r\nChannel: PJSIP/trunk-7\r\nUniqueid: 1795463683.7\r\n"
        b"Linkedid: 1795463683.7\r\nDialStatus: ANSWER\r\n\r\n"
    )
    assert await settle(pb, call.caller, call.call_id, "connected") == "DialStatus ANSWER"
    await call.done()
