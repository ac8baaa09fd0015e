"""Twilio's voice webhooks as use cases: each takes the posted form and returns TwiML.
Signature checks and idempotency are the HTTP layer's (api/routes/twilio.py)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bridge.contract import Result
from bridge.flow import GOODBYE, Ask, CallFlow, Connect, Finish, Heard, Turn, sound
from bridge.flow import UNAVAILABLE as UNAVAILABLE_PROMPT
from bridge.identity import CallerIdTrust, twilio_attested
from bridge.prompts import CALLEE_BUSY, NO_ANSWER, SORRY
from bridge.twilio import twiml
from bridge.twilio.config import TwilioConfig
from bridge.twilio.state import BadState, pack, unpack
from phonebook.app import Phonebook
from phonebook.calls import CallStatus
from phonebook.errors import Forbidden, NotFound
from phonebook.language import DEFAULT_LANGUAGE

log = logging.getLogger(__name__)

# Twilio's CallStatus / DialCallStatus words → ours
CALLER_LEG = {
    "queued": CallStatus.QUEUED,
    "initiated": CallStatus.QUEUED,
    "ringing": CallStatus.RINGING,
    "in-progress": CallStatus.RINGING,  # the caller answered; the callee is not yet connected
    "completed": CallStatus.COMPLETED,
    "busy": CallStatus.BUSY,
    "no-answer": CallStatus.NO_ANSWER,
    "failed": CallStatus.FAILED,
    "canceled": CallStatus.FAILED,
}
CALLEE_LEG = {
    "answered": CallStatus.CONNECTED,
    "in-progress": CallStatus.CONNECTED,
    "completed": CallStatus.COMPLETED,
    "busy": CallStatus.BUSY,
    "no-answer": CallStatus.NO_ANSWER,
    "failed": CallStatus.FAILED,
    "canceled": CallStatus.FAILED,
}


# DialCallStatus → what the caller hears before the hang-up (the dialplan does the same)
WHY_NOT_CONNECTED = {
    "busy": CALLEE_BUSY,
    "no-answer": NO_ANSWER,
    "failed": UNAVAILABLE_PROMPT,
}


class TwilioVoice:
    def __init__(
        self,
        phonebook: Phonebook,
        config: TwilioConfig,
        trust: CallerIdTrust = CallerIdTrust.ATTESTED,
    ) -> None:
        self._pb = phonebook
        self._config = config
        self._flow = CallFlow(
            phonebook, provider="twilio", speech=config.speech, via="twilio", trust=trust
        )

    @property
    def config(self) -> TwilioConfig:
        return self._config

    async def incoming(self, form: Mapping[str, str]) -> str:
        """A call to the access number: identify (or register) the caller, ask for a name.
        Twilio's StirVerstat says whether the carrier attested the caller ID."""
        attested = twilio_attested(form.get("StirVerstat", ""))
        turn = await self._flow.start(form.get("From", ""), attested)
        return await self._render(form, turn, turn.state.caller if turn.state else None)

    async def gather(self, form: Mapping[str, str], state_token: str) -> str:
        """The caller's answer to a <Gather>: digits or a speech transcript."""
        try:
            state = unpack(self._config.state_key, form.get("CallSid", ""), state_token)
        except BadState:
            log.warning("twilio gather with a state that does not verify; hanging up")
            return twiml.finish(self._config, Finish((sound(SORRY),), Result.ERROR))
        heard = Heard(
            digits=form.get("Digits", ""),
            speech=form.get("SpeechResult", ""),
            confidence=_confidence(form),
        )
        return await self._render(form, await self._flow.step(state, heard), state.caller)

    async def _language(self, caller: str | None) -> str:
        return await self._pb.languages.of(caller) if caller else DEFAULT_LANGUAGE

    async def _render(self, form: Mapping[str, str], turn: Turn, caller: str | None) -> str:
        action = turn.action
        language = await self._language(caller)
        if isinstance(action, Ask):
            assert turn.state is not None
            token = pack(self._config.state_key, form.get("CallSid", ""), turn.state)
            names = (
                await self._pb.directory.reachable_names(turn.state.caller) if action.speech else []
            )
            return twiml.ask(self._config, action, token, names, language)
        if isinstance(action, Connect):
            await self._pb.calls.update(
                action.call_id, CallStatus.RINGING, provider_ref=form.get("CallSid")
            )
            return twiml.connect(self._config, action, form.get("From", ""))
        return twiml.finish(self._config, action, language)

    async def connect(self, form: Mapping[str, str], call_id: str) -> str:
        """Click-to-call: the caller answered; connect them if the grant still holds."""
        calls = self._pb.calls
        try:
            dest = await calls.destination(call_id)
            call = await calls.update(call_id, CallStatus.RINGING, provider_ref=form.get("CallSid"))
        except (NotFound, Forbidden):
            failed = await calls.update(call_id, CallStatus.FAILED, "not granted at connect time")
            language = await self._language(failed.caller_id if failed else None)
            return twiml.finish(
                self._config, Finish((sound(UNAVAILABLE_PROMPT),), Result.UNAVAILABLE), language
            )
        assert call is not None
        action = Connect(
            dest.number, dest.callee_name, call.callee_id, call.entry_id, call_id, dest.max_seconds
        )
        return twiml.connect(self._config, action, form.get("To", ""))

    async def dial_status(self, form: Mapping[str, str], call_id: str) -> str:
        """<Dial action>: the callee leg ended; record how, and tell a caller who is still on
        the line why nobody answered before hanging up."""
        word = form.get("DialCallStatus", "")
        status = CALLEE_LEG.get(word, CallStatus.FAILED)
        if status == CallStatus.COMPLETED:
            await self._pb.calls.update(call_id, CallStatus.CONNECTED)
        call = await self._pb.calls.update(call_id, status, reason=f"twilio {word or '?'}")
        why = WHY_NOT_CONNECTED.get(word)
        if why is None:  # talked, or the caller hung up (canceled): nobody to tell
            return twiml.hangup()
        language = await self._language(call.caller_id if call else None)
        prompts = (sound(why), sound(GOODBYE))
        return twiml.finish(self._config, Finish(prompts, Result.UNAVAILABLE), language)

    async def callee_status(self, form: Mapping[str, str], call_id: str) -> None:
        status = CALLEE_LEG.get(form.get("CallStatus", ""))
        if status is not None and status != CallStatus.COMPLETED:  # dial-status ends the call
            await self._pb.calls.update(call_id, status)

    async def call_status(self, form: Mapping[str, str], call_id: str | None) -> None:
        """Status callback of the caller's leg (click-to-call, or the access-number call)."""
        word = form.get("CallStatus", "")
        status = CALLER_LEG.get(word)
        if call_id is None:
            found = await self._pb.calls.by_ref("twilio", form.get("CallSid", ""))
            call_id = found.id if found else None
        if status is not None and call_id is not None:
            await self._pb.calls.update(
                call_id, status, reason=f"twilio {word}", provider_ref=form.get("CallSid")
            )


def _confidence(form: Mapping[str, str]) -> float | None:
    """Twilio's ``Confidence`` (0..1) of a ``SpeechResult``: the same bands as the Asterisk
    engine's (bridge/dialogue.py). Absent or unreadable: no measure (None)."""
    try:
        value = float(form["Confidence"])
    except (KeyError, ValueError):
        return None
    return min(1.0, max(0.0, value)) if value == value else None  # NaN: no measure
