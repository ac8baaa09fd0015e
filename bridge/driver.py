"""The one flow driver: turns the call flow's actions into a channel's commands, written once
for every transport that holds the call open (FastAGI, the in-memory test provider).

``Ask`` → the channel plays prompts and collects digits or speech; ``Connect`` → it hands the
destination over (the dialplan dials, or the test line records it); ``Finish`` → it plays the
goodbye. A webhook transport (Twilio) answers one turn per request with ``bridge.flow``'s
same actions and never loops here."""

from __future__ import annotations

from typing import Protocol, assert_never

from bridge.contract import Result
from bridge.flow import Ask, CallFlow, Connect, Finish, Heard, Turn


class Channel(Protocol):
    """One caller on the line, as the driver needs them."""

    async def identified(self, caller: str) -> None:
        """Whose call it is changed (the caller proved who they are): speak their language."""
        ...

    async def ask(self, ask: Ask, caller: str) -> Heard:
        """Play ``ask.prompts`` and collect the answer (nothing at all: a timeout)."""
        ...

    async def connect(self, connect: Connect, caller: str) -> None:
        """Hand the destination over; it is never spoken."""
        ...

    async def finish(self, finish: Finish) -> None:
        """Play the last prompts."""
        ...


async def drive(flow: CallFlow, channel: Channel, turn: Turn) -> Result:
    """Run the call from ``turn`` (usually ``flow.start``'s) to its end; the result the
    transport reports (the dialplan's PB_RESULT)."""
    caller: str | None = None
    while True:
        state, action = turn.state, turn.action
        match action:
            case Ask():
                assert state is not None  # the flow goes on only with a state to carry
                if state.caller != caller:
                    caller = state.caller
                    await channel.identified(caller)
                turn = await flow.step(state, await channel.ask(action, caller))
            case Connect():
                assert caller is not None  # a caller was asked for the name first
                await channel.connect(action, caller)
                return Result.DIAL
            case Finish():
                await channel.finish(action)
                return action.result
            case _:
                assert_never(action)
