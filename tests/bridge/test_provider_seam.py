"""The provider seam, proved with the in-memory test provider: the call flow (through the one
driver), click-to-call (originate, connect leg, outcome) and the call log all run with no
Asterisk or Twilio code (lint-imports keeps bridge/memory free of it); the runtime builds the
provider from the registry like any other."""

from __future__ import annotations

import httpx
from prometheus_client import CollectorRegistry

from bridge.contract import Result
from bridge.driver import drive
from bridge.flow import Ask, CallFlow, Connect, Finish, Heard, State
from bridge.memory.provider import MemoryProvider
from bridge.originator import ClickToCall
from bridge.provider import Parts
from phonebook.app import Phonebook
from phonebook.calls import CallStatus
from phonebridge.runtime import Runtime
from phonebridge.settings import Settings
from tests.api.conftest import Api
from tests.bridge.test_flow import CALLER, people


def parts(pb: Phonebook) -> Parts:
    return Parts(pb, CollectorRegistry(), signing_key="k" * 40)


async def test_a_caller_dials_in_and_is_connected_by_name(pb: Phonebook) -> None:
    ids = await people(pb)
    memory = MemoryProvider()
    result, line = await memory.dial_in(
        parts(pb), CALLER, [Heard(digits="25423#"), Heard(digits="2"), Heard()]
    )
    assert result == Result.DIAL and line.callers == [ids["caller"]]
    assert line.connected is not None and line.connected.number == "+12025550112"  # office
    assert [p.value for p in line.played][:2] == ["pb-welcome", "pb-ask-name"]
    assert all("555" not in p.value for p in line.played)  # a number is never spoken
    (logged,) = await pb.calls.log(ids["caller"])
    assert (logged.id, logged.provider, logged.status) == (
        line.connected.call_id,
        "memory",
        CallStatus.RINGING,
    )
    await memory.hang_up(parts(pb), logged.id, "ANSWER")
    (logged,) = await pb.calls.log(ids["caller"])
    assert logged.status == CallStatus.COMPLETED


async def test_silence_ends_the_call_with_a_goodbye(pb: Phonebook) -> None:
    await people(pb)
    result, line = await MemoryProvider().dial_in(parts(pb), CALLER, [])
    assert result == Result.NO_INPUT and line.connected is None
    assert line.finished is not None and line.played[-1].value == "pb-goodbye"


async def test_click_to_call_rings_the_caller_then_connects_and_logs(pb: Phonebook) -> None:
    ids = await people(pb)
    memory = MemoryProvider()
    originator = memory.originator(parts(pb))
    assert originator is not None
    call = await ClickToCall(pb.calls, originator).call(
        ids["caller"], ids["alice"], ids["alice_mobile"]
    )
    assert (call.status, call.provider, call.provider_ref) == (
        CallStatus.QUEUED,
        "memory",
        "memory-1",
    )
    assert [(r.call_id, r.ring) for r in memory.calls.rung] == [(call.id, CALLER)]
    connect = await memory.answer(parts(pb), call.id)  # the caller picked up
    assert connect is not None and connect.number == "+12025550111"
    await memory.hang_up(parts(pb), call.id, "busy")  # Twilio's word, the same table
    (logged,) = await pb.calls.log(ids["caller"])
    assert logged.status == CallStatus.BUSY


async def test_the_connect_leg_rechecks_the_grant(pb: Phonebook) -> None:
    ids = await people(pb)
    memory = MemoryProvider()
    originator = memory.originator(parts(pb))
    assert originator is not None
    call = await ClickToCall(pb.calls, originator).call(
        ids["caller"], ids["alice"], ids["alice_mobile"]
    )
    await pb.circles.remove_member(ids["alice"], ids["alice_family"], CALLER)
    assert await memory.answer(parts(pb), call.id) is None
    (logged,) = await pb.calls.log(ids["caller"])
    assert logged.status == CallStatus.FAILED


async def test_the_runtime_builds_it_from_the_registry_and_serves_click_to_call(
    migrated_urls: dict[str, str],
) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=migrated_urls["sqlite"],
        call_provider="memory",
        auto_verify_phones=True,
    )
    runtime = Runtime.build(settings)
    memory = runtime.provider
    assert isinstance(memory, MemoryProvider) and not memory.ports()
    assert [f.check for f in await memory.health()] == ["provider"]
    transport = httpx.ASGITransport(app=runtime.api())
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            api = Api(client)
            caller = await api.register("Carl Caller", "+12025550170")
            alice = await api.register("Alice Martin", "+12025550171")
            family = await api.circle(alice, "family", caller)
            mobile = await api.entry(
                alice, "phone", "mobile", "+12025550172", **{family: "callable"}
            )
            placed = await api.ok(
                caller, "POST", "/v1/calls", json={"to": alice.id, "entry": mobile}
            )
    finally:
        await runtime.close()
    assert [r.call_id for r in memory.calls.rung] == [placed["id"]]
    assert memory.code_sender(runtime.parts) is memory.codes  # codes go through it too


class Webhook:
    """A channel like Twilio's: renders the question and hands it back (None)."""

    def __init__(self) -> None:
        self.asked: list[State] = []
        self.callers: list[str] = []

    async def identified(self, caller: str) -> None:
        self.callers.append(caller)

    async def ask(self, ask: Ask, state: State) -> Heard | None:
        self.asked.append(state)
        return None

    async def connect(self, connect: Connect, caller: str) -> None:
        raise AssertionError("nothing is connected without an answer")

    async def finish(self, finish: Finish) -> None:
        raise AssertionError("the call goes on")


async def test_the_driver_hands_the_question_back_to_a_webhook_channel(pb: Phonebook) -> None:
    ids = await people(pb)
    flow = CallFlow(pb, provider="memory")
    page = Webhook()
    assert await drive(flow, page, await flow.start(CALLER, attested=True)) is None
    (state,) = page.asked
    assert state.phase == "name" and page.callers == [ids["caller"]]
    again = Webhook()  # the next request: the answer, from the state the page carried
    turn = await flow.step(state, Heard(digits="25423#"))
    assert await drive(flow, again, turn, caller=state.caller) is None
    assert again.callers == [] and again.asked[0].phase == "number"  # Alice: which number?
