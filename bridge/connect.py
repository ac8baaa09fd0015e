"""The connect leg of click-to-call, for every provider: the caller answered the call the
provider placed to their own phone; connect them if the grant still holds (checked again
now), else record why not. The transport then dials or apologises."""

from __future__ import annotations

from dataclasses import dataclass

from bridge.flow import Connect
from phonebook.calls import Call, Calls, CallStatus
from phonebook.errors import Forbidden, NotFound


@dataclass(frozen=True, slots=True)
class Refused:
    """Not connected; ``caller_id`` is whose language the apology is in (None: unknown)."""

    caller_id: str | None


async def connect_leg(
    calls: Calls, call_id: str, provider_ref: str | None = None
) -> tuple[Call, Connect] | Refused:
    try:
        dest = await calls.destination(call_id)
        call = await calls.update(call_id, CallStatus.RINGING, provider_ref=provider_ref)
    except (NotFound, Forbidden):
        failed = await calls.update(call_id, CallStatus.FAILED, "not granted at connect time")
        return Refused(failed.caller_id if failed else None)
    assert call is not None  # destination() found it in progress
    connect = Connect(
        dest.number, dest.callee_name, call.callee_id, call.entry_id, call_id, dest.max_seconds
    )
    return call, connect
