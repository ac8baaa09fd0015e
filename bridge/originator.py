"""Click-to-call, provider-neutral: record the call, then ask the provider to ring the
caller's own phone. AMI and Twilio each implement ``Originator``."""

from __future__ import annotations

import logging
from typing import Protocol

from phonebook.calls import Call, Calls, CallStatus
from phonebook.errors import Unavailable

log = logging.getLogger(__name__)


class OriginateRefused(Exception):
    """The provider answered that it will not place this call (nothing was rung)."""


class OriginateOutcomeUnknown(Exception):
    """The request may have reached the provider: the call must not be placed again."""


class Originator(Protocol):
    provider: str

    @property
    def available(self) -> bool: ...

    async def originate(self, call: Call, ring: str) -> str | None:
        """Ask the provider to ring ``ring`` (the caller's verified E.164 number) for
        ``call``. Returns the provider's reference once it accepted, if it gives one then.
        Raises OriginateRefused, OriginateOutcomeUnknown, or Unavailable."""
        ...


class ClickToCall:
    def __init__(self, calls: Calls, originator: Originator) -> None:
        self._calls = calls
        self._originator = originator

    @property
    def provider(self) -> str:
        return self._originator.provider

    async def call(self, caller_id: str, contact_id: str, entry_id: str | None) -> Call:
        if not self._originator.available:  # fail fast: nothing recorded, nothing rung
            raise Unavailable("Calls cannot be placed right now; try again shortly.")
        call, ring = await self._calls.place(caller_id, contact_id, entry_id, self.provider)
        try:
            ref = await self._originator.originate(call, ring)
        except Unavailable:
            await self._calls.update(call.id, CallStatus.FAILED, "provider unavailable")
            raise
        except OriginateRefused as exc:
            await self._calls.update(call.id, CallStatus.FAILED, f"refused: {exc}")
            raise Unavailable("The call could not be placed; try again shortly.") from exc
        except OriginateOutcomeUnknown:
            # never retried: a second attempt could ring the caller twice
            await self._calls.update(call.id, CallStatus.FAILED, "outcome unknown")
            raise Unavailable("The call may not have been placed; check your phone.") from None
        updated = await self._calls.update(call.id, CallStatus.QUEUED, provider_ref=ref)
        log.info("call %s queued with %s", call.id, self.provider)
        return updated or call
