"""The one flow driver: turns the call flow's actions into a channel's commands, written once
for every transport (FastAGI, Twilio, the in-memory test provider).

``Ask`` → the channel plays prompts and collects digits or speech; ``Connect`` → it hands the
destination over (the dialplan dials, Twilio <Dial>s, the test line records it); ``Finish`` →
it plays the last prompts. A channel that holds the call open (FastAGI) answers ``ask`` with
what the caller did and the driver goes on; a webhook channel (Twilio) renders the question,
answers ``None``, and the next request drives on from ``flow.step`` with the answer."""

from __future__ import annotations

from typing import Protocol, assert_never

from bridge.contract import Result
from bridge.flow import Ask, CallFlow, Connect, Finish, Heard, State, Turn


class Channel(Protocol):
    """One caller on the line, as the driver needs them."""

    async def identified(self, caller: str) -> None:
        """Whose call it is changed (the caller proved who they are): speak their language."""
        ...

    async def ask(self, ask: Ask, state: State) -> Heard | None:
        """Play ``ask.prompts`` and collect the answer (nothing at all: a timeout); None: the
        answer comes later, with ``state``, in another request (webhooks)."""
        ...

    async def connect(self, connect: Connect, caller: str) -> None:
        """Hand the destination over; it is never spoken."""
        ...

    async def finish(self, finish: Finish) -> None:
        """Play the last prompts."""
        ...


async def drive(
    flow: CallFlow, channel: Channel, turn: Turn, caller: str | None = None
) -> Result | None:
    """Run the call from ``turn`` (``flow.start``'s, or ``flow.step``'s on a webhook) until it
    ends, with the result the transport reports (the dialplan's PB_RESULT), or until the
    channel takes a question away (None). ``caller``: whose call it already was."""
    while True:
        state, action = turn.state, turn.action
        match action:
            case Ask():
                assert state is not None  # the flow goes on only with a state to carry
                if state.caller != caller:
                    caller = state.caller
                    await channel.identified(caller)
                heard = await channel.ask(action, state)
                if heard is None:
                    return None
                turn = await flow.step(state, heard)
            case Connect():
                assert caller is not None  # a caller was asked for the name first
                await channel.connect(action, caller)
                return Result.DIAL
            case Finish():
                await channel.finish(action)
                return action.result
            case _:
                assert_never(action)
