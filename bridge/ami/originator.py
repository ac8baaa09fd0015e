"""Click-to-call over AMI: Originate rings the caller's verified phone into the connect context
with our call id as a channel variable; the OriginateResponse event becomes the call's status.
The connect context then asks the bridge (FastAGI, bridge.access.ConnectLeg) where to go.

After a successful OriginateResponse the call is followed by its Linkedid (every channel of the
call carries the originated channel's Uniqueid as Linkedid): the dialplan's DialEnd says
whether the callee answered (connected, busy, no-answer), and the Hangup of the originated
channel ends the call with Asterisk's cause. With a Local channel the DialEnd comes before the
OriginateResponse (as in the capture), so recent DialEnds are kept until their call is known.
The dialplan's outcome handler reports the same facts; whichever arrives first counts, and
statuses only ever move forward (phonebook.calls.advance)."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import TypeVar

from bridge import contract
from bridge.ami.client import AmiClient, OriginateHandle
from bridge.ami.errors import (
    AmiActionFailed,
    AmiBusy,
    AmiDisconnected,
    AmiOriginateOutcomeUnknown,
)
from bridge.ami.message import Message
from bridge.originator import OriginateOutcomeUnknown, OriginateRefused
from bridge.outcomes import dialled_leg
from phonebook.calls import Call, Calls, CallStatus
from phonebook.errors import Unavailable

log = logging.getLogger(__name__)
_V = TypeVar("_V")

# OriginateResponse Reason (Asterisk's AST_CONTROL_* of the originated leg) → call status
REASONS = {"3": CallStatus.NO_ANSWER, "5": CallStatus.BUSY}
FOLLOWED_MAX = 10_000  # calls followed at once; the oldest go first if hangups were missed


@dataclass(frozen=True, slots=True)
class AmiOriginatorConfig:
    channel_template: str = "PJSIP/{number}@phonebridge-trunk"  # {number} E.164, {digits} no '+'
    caller_id: str = '"PhoneBridge" <>'
    ring_timeout_ms: int = 30_000
    context: str = contract.CONNECT_CONTEXT


class AmiOriginator:
    provider = "asterisk"

    def __init__(self, client: AmiClient, calls: Calls, config: AmiOriginatorConfig) -> None:
        self._client = client
        self._calls = calls
        self._config = config
        self._following: set[asyncio.Task[None]] = set()
        self._by_linkedid: OrderedDict[str, str] = OrderedDict()  # Linkedid → our call id
        self._early: OrderedDict[str, Message] = OrderedDict()  # DialEnds not yet placed
        self._placed: set[str] = set()  # call ids whose OriginateResponse is awaited
        # the client's event dispatcher calls these in arrival order (a call is tracked before
        # its next event), off the socket reader: their database writes never delay a Pong
        client.on("OriginateResponse", self._on_originate_response)
        client.on("DialEnd", self._on_dial_end)
        client.on("Hangup", self._on_hangup)

    @property
    def available(self) -> bool:
        return self._client.connected

    async def settle(self, grace_s: float) -> None:
        """Wait (at most ``grace_s``) for the calls being followed to record their status:
        after the AMI client closed, each ends at once as failed (outcome unknown)."""
        if self._following:
            await asyncio.wait(set(self._following), timeout=grace_s)

    async def originate(self, call: Call, ring: str) -> str | None:
        call_id = call.id
        self._placed.add(call_id)  # before sending: its OriginateResponse may come at once
        try:
            handle = await self._originate(call_id, ring)
        except Exception:
            self._placed.discard(call_id)
            raise
        task = asyncio.create_task(self._follow(call_id, handle))
        self._following.add(task)  # keep a reference: a task nobody holds may vanish
        task.add_done_callback(self._following.discard)
        return None

    async def _originate(self, call_id: str, ring: str) -> OriginateHandle:
        channel = self._config.channel_template.format(number=ring, digits=ring.lstrip("+"))
        try:
            return await self._client.originate(
                channel,
                context=self._config.context,
                exten="s",
                priority=1,
                timeout_ms=self._config.ring_timeout_ms,
                caller_id=self._config.caller_id,
                variables={contract.VAR_CALL_ID: call_id},
                action_id=call_id,  # the OriginateResponse names our call
            )
        except AmiOriginateOutcomeUnknown as exc:  # written, never answered: it may ring
            raise OriginateOutcomeUnknown(str(exc)) from exc
        except (AmiDisconnected, AmiBusy) as exc:
            raise Unavailable("Asterisk cannot take calls right now.") from exc
        except AmiActionFailed as exc:
            raise OriginateRefused(exc.message) from exc

    async def _follow(self, call_id: str, handle: OriginateHandle) -> None:
        await self._calls.update(call_id, CallStatus.RINGING)
        try:
            result = await asyncio.wait_for(handle.result, self._config.ring_timeout_ms / 1000 + 60)
        except (AmiOriginateOutcomeUnknown, TimeoutError):
            self._placed.discard(call_id)
            await self._calls.update(call_id, CallStatus.FAILED, "originate outcome unknown")
            return
        reason = result.get("Reason") or "?"
        if (result.get("Response") or "").lower() == "success":
            # the caller answered; the connect context takes it from here
            uniqueid = result.get("Uniqueid") or ""
            await self._calls.update(
                call_id, CallStatus.RINGING, f"answered (Reason {reason})", uniqueid or None
            )
            return
        status = REASONS.get(reason, CallStatus.FAILED)
        await self._calls.update(call_id, status, f"originate failed (Reason {reason})")

    # -- following the call by its AMI events ---------------------------------------------------

    async def _on_originate_response(self, event: Message) -> None:
        call_id = event.action_id or ""
        if call_id not in self._placed:
            return
        self._placed.discard(call_id)
        linkedid = event.get("Uniqueid") or ""
        if (event.get("Response") or "").lower() != "success" or linkedid.startswith("<"):
            return
        _bounded_set(self._by_linkedid, linkedid, call_id)
        early = self._early.pop(linkedid, None)
        if early is not None:
            await self._on_dial_end(early)

    async def _on_dial_end(self, event: Message) -> None:
        # an Originate's own dial to the caller has no Channel: only the dialplan's Dial counts
        linkedid = event.get("Linkedid") or ""
        if not event.get("Channel") or not linkedid:
            return
        call_id = self._by_linkedid.get(linkedid)
        if call_id is None:
            _bounded_set(self._early, linkedid, event)
            return
        dial_status = event.get("DialStatus") or ""
        status = dialled_leg(dial_status)  # the dialplan's Dial() to the callee: bridge/outcomes
        await self._calls.update(call_id, status, f"DialStatus {dial_status or 'none'}")

    async def _on_hangup(self, event: Message) -> None:
        # the originated channel (Uniqueid == Linkedid) hanging up ends the call
        call_id = self._by_linkedid.pop(event.get("Uniqueid") or "", None)
        if call_id is None:
            return
        cause = f"hangup Cause {event.get('Cause') or '?'} ({event.get('Cause-txt') or ''})"
        await self._calls.update(call_id, CallStatus.COMPLETED, cause)


def _bounded_set(table: OrderedDict[str, _V], key: str, value: _V) -> None:
    table[key] = value
    while len(table) > FOLLOWED_MAX:
        table.popitem(last=False)
