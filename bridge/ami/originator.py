"""Click-to-call over AMI: Originate rings the caller's verified phone into the connect context
with our call id as a channel variable; the OriginateResponse event becomes the call's status.
The connect context then asks the bridge (FastAGI, bridge.access.ConnectLeg) where to go."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from bridge import contract
from bridge.ami.client import AmiClient, OriginateHandle
from bridge.ami.errors import (
    AmiActionFailed,
    AmiBusy,
    AmiDisconnected,
    AmiOriginateOutcomeUnknown,
)
from bridge.originator import OriginateOutcomeUnknown, OriginateRefused
from phonebook.calls import Call, Calls, CallStatus
from phonebook.errors import Unavailable

log = logging.getLogger(__name__)

# OriginateResponse Reason (Asterisk's AST_CONTROL_* of the originated leg) → call status
REASONS = {"3": CallStatus.NO_ANSWER, "5": CallStatus.BUSY}


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

    @property
    def available(self) -> bool:
        return self._client.connected

    async def originate(self, call: Call, ring: str) -> str | None:
        call_id = call.id
        channel = self._config.channel_template.format(number=ring, digits=ring.lstrip("+"))
        try:
            handle = await self._client.originate(
                channel,
                context=self._config.context,
                exten="s",
                priority=1,
                timeout_ms=self._config.ring_timeout_ms,
                caller_id=self._config.caller_id,
                variables={contract.VAR_CALL_ID: call_id},
                action_id=call_id,  # the OriginateResponse names our call
            )
        except AmiOriginateOutcomeUnknown as exc:
            raise OriginateOutcomeUnknown(str(exc)) from exc
        except TimeoutError as exc:  # written, never answered: it may ring
            raise OriginateOutcomeUnknown("no answer from AMI") from exc
        except (AmiDisconnected, AmiBusy) as exc:
            raise Unavailable("Asterisk cannot take calls right now.") from exc
        except AmiActionFailed as exc:
            raise OriginateRefused(exc.message) from exc
        task = asyncio.create_task(self._follow(call_id, handle))
        self._following.add(task)  # keep a reference: a task nobody holds may vanish
        task.add_done_callback(self._following.discard)
        return None

    async def _follow(self, call_id: str, handle: OriginateHandle) -> None:
        await self._calls.update(call_id, CallStatus.RINGING)
        try:
            result = await asyncio.wait_for(handle.result, self._config.ring_timeout_ms / 1000 + 60)
        except (AmiOriginateOutcomeUnknown, TimeoutError):
            await self._calls.update(call_id, CallStatus.FAILED, "originate outcome unknown")
            return
        reason = result.get("Reason") or "?"
        if (result.get("Response") or "").lower() == "success":
            # the caller answered; the connect context takes it from here
            await self._calls.update(
                call_id, CallStatus.RINGING, f"answered (Reason {reason})", result.get("Uniqueid")
            )
            return
        status = REASONS.get(reason, CallStatus.FAILED)
        await self._calls.update(call_id, status, f"originate failed (Reason {reason})")
