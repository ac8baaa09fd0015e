"""Verification codes over AMI: Originate rings the number into the dialplan's code context
(dialplan/extensions_phonebridge.conf [phonebridge-code]) with the code in PB_CODE; the
dialplan reads it to whoever answers. Sent once, never retried (a retry could ring twice)."""

from __future__ import annotations

from dataclasses import dataclass

from bridge import contract
from bridge.ami.client import AmiClient
from bridge.ami.errors import (
    AmiActionFailed,
    AmiBusy,
    AmiDisconnected,
    AmiOriginateOutcomeUnknown,
)
from phonebook.errors import Unavailable


@dataclass(frozen=True, slots=True)
class AmiCodeConfig:
    channel_template: str = "PJSIP/{number}@phonebridge-trunk"  # {number} E.164, {digits}
    caller_id: str = '"PhoneBridge" <>'
    ring_timeout_ms: int = 30_000


class AmiCodeSender:
    channels = frozenset({"call"})

    def __init__(self, client: AmiClient, config: AmiCodeConfig) -> None:
        self._client = client
        self._config = config

    async def send(self, e164: str, code: str, channel: str) -> None:
        if not self._client.connected:
            raise Unavailable("Asterisk cannot place calls right now.")
        ring = self._config.channel_template.format(number=e164, digits=e164.lstrip("+"))
        try:
            await self._client.originate(
                ring,
                context=contract.CODE_CONTEXT,
                exten="s",
                priority=1,
                timeout_ms=self._config.ring_timeout_ms,
                caller_id=self._config.caller_id,
                variables={contract.VAR_CODE: code},
            )
        except (AmiDisconnected, AmiBusy, AmiOriginateOutcomeUnknown, AmiActionFailed) as exc:
            raise Unavailable("The code call could not be placed; try again shortly.") from exc
