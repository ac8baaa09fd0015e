"""The in-memory test provider: a telephony route with no telephone. Calls it originates and
codes it sends are recorded, never rung; callers "dial in" with a scripted list of answers
and the shared call flow runs through the one driver (bridge.driver); click-to-call's connect
leg and the call's outcome go through the same use cases the real providers use. Tests and
benchmarks use it to run the flow, click-to-call and the call log without Asterisk or Twilio
(an import-linter contract keeps their code out of this folder); PHONEBRIDGE_CALL_PROVIDER=memory
serves with it.

It is also the worked example of docs/architecture.md's "adding a provider"."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from fastapi import APIRouter

from bridge.codes import CodeSender
from bridge.connect import Refused, connect_leg
from bridge.contract import Result
from bridge.driver import drive
from bridge.flow import Ask, CallFlow, Connect, Finish, Heard, Prompt, State
from bridge.originator import Originator
from bridge.outcomes import dialled_leg_ended
from bridge.provider import Finding, Listener, Parts, Port, ok
from phonebook.calls import Call


@dataclass(frozen=True, slots=True)
class Rung:
    call_id: str
    ring: str  # the caller's own number the provider would ring first
    ref: str


class MemoryOriginator:
    """Click-to-call's outbound leg: records the call instead of ringing anyone."""

    provider = "memory"

    def __init__(self) -> None:
        self.rung: list[Rung] = []
        self.up = True  # False: answers like a provider whose connection is down

    @property
    def available(self) -> bool:
        return self.up

    async def originate(self, call: Call, ring: str) -> str | None:
        ref = f"memory-{len(self.rung) + 1}"
        self.rung.append(Rung(call.id, ring, ref))
        return ref


@dataclass
class MemoryCodes:
    """Verification codes, kept for the test to read instead of sent."""

    channels: frozenset[str] = frozenset({"call", "sms"})
    sent: list[tuple[str, str, str]] = field(default_factory=list)  # (e164, code, channel)

    async def send(self, e164: str, code: str, channel: str) -> None:
        self.sent.append((e164, code, channel))


@dataclass
class Line:
    """One scripted call: what the caller will do, and everything that happened on it."""

    answers: list[Heard]
    played: list[Prompt] = field(default_factory=list)
    callers: list[str] = field(default_factory=list)  # whose call it became, in order
    connected: Connect | None = None
    finished: Finish | None = None

    async def identified(self, caller: str) -> None:
        self.callers.append(caller)

    async def ask(self, ask: Ask, state: State) -> Heard | None:
        self.played += ask.prompts
        return self.answers.pop(0) if self.answers else Heard()  # no more answers: silence

    async def connect(self, connect: Connect, caller: str) -> None:
        self.connected = connect

    async def finish(self, finish: Finish) -> None:
        self.played += finish.prompts
        self.finished = finish


class MemoryProvider:
    name = "memory"

    def __init__(self, *, speech: bool = False) -> None:
        self.speech = speech
        self.calls = MemoryOriginator()
        self.codes = MemoryCodes()

    # -- the seam ----------------------------------------------------------------------------

    def ports(self) -> Sequence[Port]:
        return ()

    def listeners(self, parts: Parts) -> Sequence[Listener]:
        return ()

    def routes(self, parts: Parts) -> Sequence[APIRouter]:
        return ()

    def originator(self, parts: Parts) -> Originator | None:
        return self.calls

    def code_sender(self, parts: Parts) -> CodeSender | None:
        return self.codes

    def start(self, parts: Parts) -> None:
        pass

    async def close(self, grace_s: float) -> None:
        pass

    async def health(self) -> Sequence[Finding]:
        return [ok("provider", "in memory: calls are recorded, nobody's phone rings")]

    # -- what a telephone network would do ---------------------------------------------------

    async def dial_in(
        self, parts: Parts, number: str, answers: Iterable[Heard], *, attested: bool = True
    ) -> tuple[Result, Line]:
        """``number`` calls the access number and answers each question from ``answers``."""
        flow = CallFlow(
            parts.phonebook, provider=self.name, speech=self.speech, via="ivr", trust=parts.trust
        )
        line = Line(list(answers))
        result = await drive(flow, line, await flow.start(number, attested))
        assert result is not None  # the line always answers
        return result, line

    async def answer(self, parts: Parts, call_id: str) -> Connect | None:
        """The caller picked up the call click-to-call rang: where it goes (None: nowhere)."""
        ref = next((r.ref for r in self.calls.rung if r.call_id == call_id), None)
        leg = await connect_leg(parts.phonebook.calls, call_id, provider_ref=ref)
        return None if isinstance(leg, Refused) else leg[1]

    async def hang_up(self, parts: Parts, call_id: str, dial_status: str) -> None:
        """The dialled leg ended with ``dial_status`` (Asterisk's or Twilio's words)."""
        await dialled_leg_ended(parts.phonebook.calls, call_id, dial_status)
