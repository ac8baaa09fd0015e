"""Delivering verification codes to a number, provider-neutral: the phonebook issues the code
(phonebook.verification), a ``CodeSender`` carries it to the number (AMI: an Originate into
the dialplan's code context; Twilio: a call that says it, or an SMS). Only whoever answers
that number hears it, which is what proves the number."""

from __future__ import annotations

import logging
from typing import Protocol

from phonebook.errors import Unavailable
from phonebook.verification import Channel, IssuedCode, Verification

log = logging.getLogger(__name__)


class CodeSender(Protocol):
    @property
    def channels(self) -> frozenset[str]:
        """What it can deliver: "call", "sms"."""
        ...

    async def send(self, e164: str, code: str, channel: str) -> None:
        """Deliver ``code`` to ``e164``; Unavailable when the provider cannot now."""
        ...


class PhoneCodes:
    def __init__(self, verification: Verification, sender: CodeSender | None) -> None:
        self._verification = verification
        self._sender = sender

    @property
    def channels(self) -> frozenset[str]:
        return frozenset({"callin"}) | (self._sender.channels if self._sender else frozenset())

    async def send(self, account_id: str, phone: str, channel: Channel) -> IssuedCode:
        """A new code for the account's claim on ``phone``, delivered by ``channel``; for
        ``callin`` it is returned to the owner, to type when calling from that number."""
        if channel not in self.channels:
            raise Unavailable(f"Codes cannot be sent by {channel} here.")
        issued = await self._verification.issue(account_id, phone, channel)
        if channel == "callin" or self._sender is None:
            return issued
        try:
            await self._sender.send(issued.e164, issued.code, channel)
        except Unavailable:
            await self._verification.withdraw(issued)
            raise
        log.info("verification code sent by %s", channel)
        return issued
