"""Every name shared between Python and the dialplan, in one place. tests/dialplan checks
`dialplan/*.conf` against this module."""

from __future__ import annotations

from enum import StrEnum

AGI_PORT = 4573
ACCESS_SCRIPT = "access"  # AGI(agi://BRIDGE:4573/access): the access number
CONNECT_SCRIPT = "connect"  # AGI(agi://BRIDGE:4573/connect,${PB_CALL_ID}): click-to-call leg
# AGI(…/outcome,${PB_CALL_ID},${DIALSTATUS},${SHARED(PB_ANSWERED_AT)},${EPOCH}) on hangup
OUTCOME_SCRIPT = "outcome"

ACCESS_CONTEXT = "phonebridge-access"
CONNECT_CONTEXT = "phonebridge-connect"
DIAL_CONTEXT = "phonebridge-dial"
ROUTE_CONTEXT = "phonebridge-route"  # sends the call to the branch named by PB_RESULT
RESULT_CONTEXT = "phonebridge-result"  # one extension per Result value
OUTCOME_CONTEXT = "phonebridge-outcome"  # hangup handler: reports how the dialled leg ended
ANSWERED_CONTEXT = "phonebridge-answered"  # Dial's U() on the callee's leg: when they answered

# channel variables the bridge sets for the dialplan
VAR_RESULT = "PB_RESULT"  # one of Result below, always set
VAR_DIAL_NUMBER = "PB_DIAL_NUMBER"  # E.164 without '+', only when PB_RESULT=dial
VAR_CALLEE_NAME = "PB_CALLEE_NAME"  # who is being called (for logs and CDRs, not presented)
VAR_CALLER_NAME = "PB_CALLER_NAME"  # the caller's display name: CALLERID(name) on the callee leg
# the caller's verified number (+E.164) when the operator presents it (PHONEBRIDGE_CALLER_ID=
# caller); empty: the dialplan presents the access number (PB_ACCESS_NUMBER) instead
VAR_CALLER_NUMBER = "PB_CALLER_NUMBER"
VAR_LANGUAGE = "CHANNEL(language)"  # the caller's language: Asterisk looks up sounds/<lang>/
VAR_ANSWERED_AT = "PB_ANSWERED_AT"  # epoch second the callee answered (SHARED, on the caller)
VAR_MAX_SECONDS = "PB_MAX_SECONDS"  # call length limit, handed to Dial's L() option
VAR_CALL_ID = "PB_CALL_ID"  # click-to-call: our call id, set by Originate

# prompts the dialplan plays itself (bridge/prompts.py has their words)
SOUND_SORRY = "pb-sorry"  # the bridge is down or failed
SOUND_CALLEE_BUSY = "pb-callee-busy"  # after Dial(): DIALSTATUS=BUSY
SOUND_NO_ANSWER = "pb-no-answer"  # after Dial(): DIALSTATUS=NOANSWER

# globals the operator configures in dialplan/globals_phonebridge.conf
GLOBALS = ("PB_BRIDGE", "PB_TRUNK", "PB_DIAL_TIMEOUT", "PB_SOUNDS", "PB_ACCESS_NUMBER")


class Result(StrEnum):
    """Values of PB_RESULT. The dialplan branches on each; anything else is an apology."""

    DIAL = "dial"  # PB_DIAL_NUMBER is set: connect the call
    NOT_FOUND = "not-found"  # nobody matched after the allowed tries
    CANCELLED = "cancelled"  # the caller gave up
    NO_INPUT = "no-input"  # the caller said nothing
    REGISTERED = "registered"  # unknown caller registered; nothing to dial
    UNKNOWN_CALLER = "unknown-caller"  # no usable caller ID
    RATE_LIMITED = "rate-limited"
    UNAVAILABLE = "unavailable"  # grant revoked or callee unreachable at connect time
    HANGUP = "hangup"  # the caller hung up
    ERROR = "error"  # the bridge failed; the dialplan apologises
    TIMEOUT = "timeout"  # the per-call deadline passed
    BUSY = "busy"  # the bridge is at its concurrent-call cap
    UNKNOWN_SCRIPT = "unknown-script"  # AGI URL names no handler
