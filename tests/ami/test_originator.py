"""Click-to-call over AMI on a real socket: what Asterisk receives, how its answers become the
call's status, and the fault test: 1,000 originates with random drops, none sent twice."""

from __future__ import annotations

import asyncio
import random
import re
from collections import Counter

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bridge.ami.client import AmiClient
from bridge.ami.errors import AmiDisconnected, AmiOriginateOutcomeUnknown
from bridge.ami.originator import AmiOriginator, AmiOriginatorConfig
from bridge.originator import ClickToCall
from phonebook.app import Phonebook
from phonebook.calls import CallLimits
from phonebook.config import PhonebookConfig
from phonebook.errors import Unavailable
from tests.ami.peer import read_action
from tests.ami.test_ami import FaultPeer, logged_in

CALLER = "+12025550100"


@pytest.fixture
def pb(engine: AsyncEngine) -> Phonebook:
    limits = CallLimits(per_minute=100, concurrent_per_caller=100)
    return Phonebook.build(engine, PhonebookConfig(auto_verify_phones=True), limits)


async def alice_for_caller(pb: Phonebook) -> tuple[str, str]:
    caller = (await pb.accounts.register("Carl Caller", CALLER, None)).id
    alice = (await pb.accounts.register("Alice Martin", "+12025550101", None)).id
    family = await pb.circles.create(alice, "family")
    await pb.circles.add_member(alice, family.id, CALLER)
    await pb.cards.add(alice, "phone", "mobile", "+12025550111", {family.id: "callable"})
    return caller, alice


def header(action: bytes, name: str) -> str:
    match = re.search(rb"^" + name.encode() + rb": ([^\r\n]*)", action, re.M)
    assert match, (name, action)
    return match.group(1).decode()


async def settle(pb: Phonebook, caller: str, call_id: str, status: str, reason: str = "") -> str:
    """Wait until the call has ``status`` and a reason containing ``reason``."""
    for _ in range(100):
        call = await pb.calls.get(caller, call_id)
        if call.status.value == status and reason in (call.reason or ""):
            return call.reason or ""
        await asyncio.sleep(0.02)
    raise AssertionError(f"call never became {status}: {call.status}")


async def test_originate_rings_the_callers_own_phone_into_the_connect_context(
    fault_peer: FaultPeer, pb: Phonebook
) -> None:
    caller, alice = await alice_for_caller(pb)
    client, reader, writer = await logged_in(fault_peer)
    service = ClickToCall(
        pb.calls,
        AmiOriginator(
            client, pb.calls, AmiOriginatorConfig(caller_id='"PhoneBridge" <2025550199>')
        ),
    )
    placing = asyncio.create_task(service.call(caller, alice, None))
    action = await read_action(reader)
    call_id = header(action, "ActionID")
    assert (
        action
        == (
            "Action: Originate\r\nChannel: PJSIP/+12025550100@phonebridge-trunk\r\nContext: phonebridge-connect\r\n"
            'Exten: s\r\nPriority: 1\r\nTimeout: 30000\r\nAsync: true\r\nCallerID: "PhoneBridge" <2025550199>\r\n'
            f"Variable: PB_CALL_ID={call_id}\r\nActionID: {call_id}\r\n\r\n"
        ).encode()
    )
    assert b"2025550111" not in action  # the callee's number is not in the Originate at all
    writer.write(
        f"Response: Success\r\nActionID: {call_id}\r\nMessage: Originate successfully queued\r\n\r\n".encode()
    )
    call = await placing
    assert call.id == call_id
    writer.write(
        f"Event: OriginateResponse\r\nActionID: {call_id}\r\nResponse: Success\r\nReason: 4\r\nUniqueid: 1795463683.0\r\n\r\n".encode()
    )
    assert await settle(pb, caller, call_id, "ringing", "answered") == "answered (Reason 4)"
    assert (await pb.calls.get(caller, call_id)).provider_ref == "1795463683.0"
    await client.close()


@pytest.mark.parametrize(
    ("reason", "status"), [("5", "busy"), ("3", "no-answer"), ("0", "failed"), ("8", "failed")]
)
async def test_originate_failures_become_the_calls_status(
    fault_peer: FaultPeer, pb: Phonebook, reason: str, status: str
) -> None:
    caller, alice = await alice_for_caller(pb)
    client, reader, writer = await logged_in(fault_peer)
    service = ClickToCall(pb.calls, AmiOriginator(client, pb.calls, AmiOriginatorConfig()))
    placing = asyncio.create_task(service.call(caller, alice, None))
    call_id = header(await read_action(reader), "ActionID")
    writer.write(
        f"Response: Success\r\nActionID: {call_id}\r\nMessage: Originate successfully queued\r\n\r\n".encode()
    )
    await placing
    writer.write(
        f"Event: OriginateResponse\r\nActionID: {call_id}\r\nResponse: Failure\r\nReason: {reason}\r\nUniqueid: <unknown>\r\n\r\n".encode()
    )
    assert await settle(pb, caller, call_id, status) == f"originate failed (Reason {reason})"
    await client.close()


async def test_a_drop_before_the_answer_fails_the_call_and_never_rings_twice(
    fault_peer: FaultPeer, pb: Phonebook
) -> None:
    caller, alice = await alice_for_caller(pb)
    client, reader, writer = await logged_in(fault_peer)
    service = ClickToCall(pb.calls, AmiOriginator(client, pb.calls, AmiOriginatorConfig()))
    placing = asyncio.create_task(service.call(caller, alice, None))
    await read_action(reader)
    writer.close()
    with pytest.raises(Unavailable):
        await placing
    (call,) = await pb.calls.log(caller)
    assert (call.status.value, call.reason) == ("failed", "outcome unknown")
    reader2, _ = await asyncio.wait_for(fault_peer.arrived.get(), 5)
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(read_action(reader2), 0.5)
    await client.close()


async def test_ami_down_is_a_fast_503_with_nothing_recorded(pb: Phonebook) -> None:
    caller, alice = await alice_for_caller(pb)
    client = AmiClient("127.0.0.1", 9, "u", "s")  # never started: not connected
    service = ClickToCall(pb.calls, AmiOriginator(client, pb.calls, AmiOriginatorConfig()))
    with pytest.raises(Unavailable):
        await asyncio.wait_for(service.call(caller, alice, None), 1)
    assert await pb.calls.log(caller) == []


# -- the fault test -------------------------------------------------------------------------------


class FlakyAsterisk:
    """Answers Originates like Asterisk, but drops the connection at random points."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.received: Counter[str] = Counter()
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        writer.write(b"Asterisk Call Manager/11.0.0\r\n")
        try:
            while True:
                action = await read_action(reader)
                action_id = header(action, "ActionID")
                if b"Action: Login" in action:
                    writer.write(
                        f"Response: Success\r\nActionID: {action_id}\r\nMessage: Authentication accepted\r\n\r\n".encode()
                    )
                    continue
                if b"Action: Originate" not in action:
                    writer.write(f"Response: Success\r\nActionID: {action_id}\r\n\r\n".encode())
                    continue
                self.received[action_id] += 1
                roll = self.rng.random()
                if roll < 0.05:  # drop before the response
                    break
                writer.write(
                    f"Response: Success\r\nActionID: {action_id}\r\nMessage: Originate successfully queued\r\n\r\n".encode()
                )
                if roll < 0.10:  # drop between "queued" and the outcome
                    break
                outcome = "Success\r\nReason: 4" if roll < 0.8 else "Failure\r\nReason: 5"
                writer.write(
                    f"Event: OriginateResponse\r\nActionID: {action_id}\r\nResponse: {outcome}\r\n\r\n".encode()
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionResetError):
            pass
        finally:
            writer.close()


async def test_1000_originates_with_random_drops_none_sent_twice() -> None:
    peer = FlakyAsterisk(random.Random(20261124))
    client = AmiClient("127.0.0.1", await peer.start(), "u", "s", backoff=(0.01, 0.05))
    client.start()
    outcomes: Counter[str] = Counter()

    async def one(n: int) -> None:
        call_id = f"call-{n:04d}"
        while not await client.wait_connected(5):
            pass
        try:
            handle = await client.originate(
                "PJSIP/+12025550100@trunk",
                context="phonebridge-connect",
                exten="s",
                priority=1,
                action_id=call_id,
            )
            result = await asyncio.wait_for(handle.result, 5)
            outcomes[f"final: {result['Response']}"] += 1
        except AmiOriginateOutcomeUnknown:
            outcomes["final: outcome unknown (marked failed, not retried)"] += 1
        except AmiDisconnected:
            outcomes["final: not sent (no connection)"] += 1

    sem = asyncio.Semaphore(20)

    async def limited(n: int) -> None:
        async with sem:
            await one(n)

    await asyncio.wait_for(asyncio.gather(*(limited(n) for n in range(1000))), 120)
    await client.close()
    for writer in peer.writers:
        writer.close()
    assert peer.server is not None
    peer.server.close()
    assert sum(outcomes.values()) == 1000  # every call ended in a final outcome
    assert max(peer.received.values()) == 1  # and none was sent twice
    assert outcomes["final: outcome unknown (marked failed, not retried)"] > 0  # the drops happened
    print(dict(outcomes), "originates received:", sum(peer.received.values()))
