"""How the dialled leg of a call ended, in every provider's words: the one table.

Asterisk reports its DIALSTATUS (the outcome handler, and AMI's DialEnd), Twilio its
DialCallStatus and the callee leg's CallStatus. Each word gives the call log's status and
what a caller still on the line hears before the hang-up (Twilio says it; Asterisk's
dialplan plays the same sounds after Dial())."""

from __future__ import annotations

from bridge import contract
from bridge.flow import UNAVAILABLE
from phonebook.calls import Call, Calls, CallStatus

CONNECTED, BUSY, NO_ANSWER, FAILED = (
    CallStatus.CONNECTED,
    CallStatus.BUSY,
    CallStatus.NO_ANSWER,
    CallStatus.FAILED,
)

# word → (status, the apology a caller still on the line hears; None: nobody to tell)
DIALLED_LEG: dict[str, tuple[CallStatus, str | None]] = {
    # Asterisk DIALSTATUS
    "ANSWER": (CONNECTED, None),
    "BUSY": (BUSY, contract.SOUND_CALLEE_BUSY),
    "NOANSWER": (NO_ANSWER, contract.SOUND_NO_ANSWER),
    "CANCEL": (FAILED, None),  # the caller hung up
    "CONGESTION": (FAILED, UNAVAILABLE),
    "CHANUNAVAIL": (FAILED, UNAVAILABLE),
    # Twilio DialCallStatus, and the callee leg's CallStatus
    "answered": (CONNECTED, None),
    "in-progress": (CONNECTED, None),
    "completed": (CONNECTED, None),  # talked, then hung up
    "busy": (BUSY, contract.SOUND_CALLEE_BUSY),
    "no-answer": (NO_ANSWER, contract.SOUND_NO_ANSWER),
    "failed": (FAILED, UNAVAILABLE),
    "canceled": (FAILED, None),  # the caller hung up
}
UNKNOWN = (FAILED, None)


def dialled_leg(word: str) -> CallStatus:
    """The status ``word`` stands for; a word no table knows is a failure."""
    return DIALLED_LEG.get(word, UNKNOWN)[0]


def apology(word: str) -> str | None:
    """The prompt that tells a caller still on the line why nobody answered."""
    return DIALLED_LEG.get(word, UNKNOWN)[1]


async def dialled_leg_ended(
    calls: Calls, call_id: str, word: str, reason: str | None = None
) -> Call | None:
    """Record how the dialled leg ended: a call that was answered shows connected, then
    completed (statuses only move forward, so a DialEnd that came first changes nothing)."""
    status = dialled_leg(word)
    if status == CallStatus.CONNECTED:
        await calls.update(call_id, CallStatus.CONNECTED)
        status = CallStatus.COMPLETED
    return await calls.update(call_id, status, reason)
