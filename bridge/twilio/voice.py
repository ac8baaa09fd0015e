"""Twilio's voice webhooks as use cases: each takes the posted form and returns TwiML.
Signature checks and idempotency are the webhook routes' (bridge/twilio/webhooks.py)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bridge.connect import Refused, connect_leg
from bridge.contract import Result
from bridge.driver import drive
from bridge.flow import GOODBYE, Ask, CallFlow, Connect, Finish, Heard, State, Turn, sound
from bridge.flow import UNAVAILABLE as UNAVAILABLE_PROMPT
from bridge.identity import CallerIdTrust, twilio_attested
from bridge.outcomes import DIALLED_LEG, apology, dialled_leg, dialled_leg_ended
from bridge.prompts import SORRY
from bridge.twilio import twiml
from bridge.twilio.config import TwilioConfig
from bridge.twilio.state import BadState, pack, unpack
from phonebook.app import Phonebook
from phonebook.calls import CallStatus
from phonebook.language import DEFAULT_LANGUAGE

log = logging.getLogger(__name__)

# Twilio's CallStatus words for the caller's leg → ours (the callee's leg: bridge/outcomes.py)
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
        return await self._render(form, turn, None)

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

    @property
    def phonebook(self) -> Phonebook:
        return self._pb

    async def _language(self, caller: str | None) -> str:
        return await self._pb.languages.of(caller) if caller else DEFAULT_LANGUAGE

    async def _render(self, form: Mapping[str, str], turn: Turn, caller: str | None) -> str:
        """One turn through the flow driver: this request's TwiML. ``caller``: whose call
        the request's state was (their language is spoken)."""
        page = _Page(self, form, caller)
        await drive(self._flow, page, turn, caller)
        return page.twiml

    async def connect(self, form: Mapping[str, str], call_id: str) -> str:
        """Click-to-call: the caller answered; connect them if the grant still holds."""
        leg = await connect_leg(self._pb.calls, call_id, provider_ref=form.get("CallSid"))
        if isinstance(leg, Refused):
            language = await self._language(leg.caller_id)
            return twiml.finish(
                self._config, Finish((sound(UNAVAILABLE_PROMPT),), Result.UNAVAILABLE), language
            )
        return twiml.connect(self._config, leg[1], form.get("To", ""))

    async def dial_status(self, form: Mapping[str, str], call_id: str) -> str:
        """<Dial action>: the callee leg ended; record how, and tell a caller who is still on
        the line why nobody answered before hanging up."""
        word = form.get("DialCallStatus", "")
        call = await dialled_leg_ended(self._pb.calls, call_id, word, f"twilio {word or '?'}")
        why = apology(word)
        if why is None:  # talked, or the caller hung up (canceled): nobody to tell
            return twiml.hangup()
        language = await self._language(call.caller_id if call else None)
        prompts = (sound(why), sound(GOODBYE))
        return twiml.finish(self._config, Finish(prompts, Result.UNAVAILABLE), language)

    async def callee_status(self, form: Mapping[str, str], call_id: str) -> None:
        word = form.get("CallStatus", "")
        if word in DIALLED_LEG and word != "completed":  # dial-status ends the call
            await self._pb.calls.update(call_id, dialled_leg(word))

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


class _Page:
    """The flow driver's channel for one webhook request: renders the turn as TwiML."""

    def __init__(self, voice: TwilioVoice, form: Mapping[str, str], caller: str | None) -> None:
        self._voice, self._form, self._caller = voice, form, caller
        self.twiml = ""

    async def identified(self, caller: str) -> None:
        self._caller = caller

    async def ask(self, ask: Ask, state: State) -> Heard | None:
        voice = self._voice
        token = pack(voice.config.state_key, self._form.get("CallSid", ""), state)
        names = await voice.phonebook.directory.reachable_names(state.caller) if ask.speech else []
        language = await voice._language(self._caller)
        self.twiml = twiml.ask(voice.config, ask, token, names, language)
        return None  # the answer comes with the next request, to /twilio/gather

    async def connect(self, connect: Connect, caller: str) -> None:
        await self._voice.phonebook.calls.update(
            connect.call_id, CallStatus.RINGING, provider_ref=self._form.get("CallSid")
        )
        self.twiml = twiml.connect(self._voice.config, connect, self._form.get("From", ""))

    async def finish(self, finish: Finish) -> None:
        language = await self._voice._language(self._caller)
        self.twiml = twiml.finish(self._voice.config, finish, language)


def _confidence(form: Mapping[str, str]) -> float | None:
    """Twilio's ``Confidence`` (0..1) of a ``SpeechResult``: the same bands as the Asterisk
    engine's (bridge/dialogue.py). Absent or unreadable: no measure (None)."""
    try:
        value = float(form["Confidence"])
    except (KeyError, ValueError):
        return None
    return min(1.0, max(0.0, value)) if value == value else None  # NaN: no measure
