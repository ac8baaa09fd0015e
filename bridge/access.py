"""The FastAGI handlers: the access number (drives the shared call flow over one AGI session)
and the connect leg of click-to-call. Each returns the PB_RESULT the dialplan branches on; the
server sets it, whatever happens."""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from bridge import contract
from bridge.agi.errors import ChannelHungUp
from bridge.agi.session import RECORD_FAILED, AgiSession
from bridge.contract import Result
from bridge.flow import Ask, CallFlow, Connect, Finish, Heard, Prompt
from bridge.identity import CallerIdTrust, asterisk_attested
from bridge.prompts import NameVoice
from bridge.speech.grammar import Grammar, build_grammar
from bridge.speech.recognizer import Recognizer
from phonebook.app import Phonebook
from phonebook.calls import CallStatus
from phonebook.errors import Forbidden, NotFound
from phonebook.names import normalize

log = logging.getLogger(__name__)

DIGITS = "0123456789*#"
SILENCE = "silence/1"  # a stock Asterisk sound: GET DATA needs a file to play


RECORD_TIMEOUT_MS = 5000  # longest utterance: a name, not a speech
RECORD_SILENCE_S = 2  # silence that ends it (Asterisk counts whole seconds)
MIN_UTTERANCE_BYTES = 3200  # 0.2 s of 8 kHz 16-bit audio: shorter is no name
GRAMMARS_KEPT = 1000  # callers whose grammar is kept between utterances


@dataclass
class SpokenNames:
    """Names said instead of spelled: Asterisk records the utterance into ``recordings`` (a
    folder both Asterisk and the bridge see) and ``recognizer`` decodes it against a grammar of
    the names this caller may reach."""

    recognizer: Recognizer
    recordings: Path
    _grammars: OrderedDict[str, tuple[int, Grammar]] = field(
        default_factory=OrderedDict, init=False, repr=False
    )  # caller → (store revision it was built at, grammar)

    async def grammar_for(self, phonebook: Phonebook, caller: str) -> Grammar:
        """The caller's grammar, rebuilt only when the phonebook changed since it was built."""
        revision = await phonebook.directory.revision()  # first: a change after it rebuilds
        cached = self._grammars.get(caller)
        if cached is not None and cached[0] == revision:
            self._grammars.move_to_end(caller)
            return cached[1]
        grammar = build_grammar(await phonebook.directory.reachable_names(caller, public=True))
        self._grammars[caller] = (revision, grammar)
        while len(self._grammars) > GRAMMARS_KEPT:
            self._grammars.popitem(last=False)
        return grammar

    def close(self) -> None:
        self.recognizer.close()

    async def listen(self, session: AgiSession, phonebook: Phonebook, caller: str) -> Heard | None:
        """The caller's utterance, recognised; or the key that interrupted it (digits); None
        when Asterisk could not record, so the caller spells instead."""
        path = self.recordings / f"pb-{uuid.uuid4().hex}"
        reply = await session.record_file(
            str(path), "sln", DIGITS, RECORD_TIMEOUT_MS, beep=True, silence_s=RECORD_SILENCE_S
        )
        audio = path.with_suffix(".sln")
        try:
            if reply.data == "dtmf":  # a key interrupted: they spell after all
                return Heard(digits=_key(reply.number))
            try:
                if reply.data in RECORD_FAILED:
                    raise OSError(reply.data)
                sln = audio.read_bytes()
            except OSError:
                log.warning(
                    "no recording in %s: is it writable by Asterisk and shared with the bridge?",
                    self.recordings,
                )
                return None
        finally:
            audio.unlink(missing_ok=True)  # a caller's voice is kept no longer than needed
        if len(sln) < MIN_UTTERANCE_BYTES:  # silence, trimmed away by Asterisk: nothing said
            return Heard()
        heard = await self.recognizer.recognize(sln, await self.grammar_for(phonebook, caller))
        log.debug("heard %r (confidence %.2f)", heard.alternatives, heard.confidence)
        return Heard(
            speech=heard.best, alternatives=heard.alternatives[1:], confidence=heard.confidence
        )


@dataclass
class AccessNumber:
    phonebook: Phonebook
    voice: NameVoice
    sounds: str = "phonebridge"  # folder under Asterisk's sounds dir (PB_SOUNDS)
    speech: SpokenNames | None = None
    trust: CallerIdTrust = CallerIdTrust.ATTESTED

    async def __call__(self, session: AgiSession) -> str:
        flow = CallFlow(
            self.phonebook,
            provider="asterisk",
            speech=self.speech is not None,
            via="ivr",
            trust=self.trust,
        )
        # the dialplan passes STIR_SHAKEN()'s verify_result and attestation as arguments
        verify_result, attestation = [*session.args, "", ""][:2]
        try:
            await session.answer()
            turn = await flow.start(
                session.caller_id, asterisk_attested(verify_result, attestation)
            )
            while turn.state is not None:
                assert isinstance(turn.action, Ask)
                heard = await self._collect(session, turn.action, turn.state.caller)
                turn = await flow.step(turn.state, heard)
            if isinstance(turn.action, Connect):
                await hand_over(session, turn.action)
                return Result.DIAL
            assert isinstance(turn.action, Finish)
            await self._play(session, turn.action.prompts, escape="")
            return turn.action.result
        except ChannelHungUp:
            return Result.HANGUP

    async def _collect(self, session: AgiSession, ask: Ask, caller: str) -> Heard:
        """Play the prompts (a key press interrupts them), then listen for a name when speech
        is on, else read up to max_digits keys."""
        first = await self._play(session, ask.prompts, escape=DIGITS)
        if not first and ask.speech and self.speech is not None:
            heard = await self.speech.listen(session, self.phonebook, caller)
            if heard is not None and not heard.digits:
                return heard
            first = heard.digits if heard is not None else ""  # a key, or no recording
        if first in ("#", "*") or (first and ask.max_digits == 1):
            return Heard(digits=first)
        rest = await session.get_data(
            SILENCE, int(ask.timeout_s * 1000), ask.max_digits - len(first)
        )
        return Heard(digits=first + rest)

    async def _play(self, session: AgiSession, prompts: tuple[Prompt, ...], escape: str) -> str:
        """Play prompts in order; returns the key that interrupted them, or ''."""
        for prompt in prompts:
            if prompt.kind == "sound":
                key = await session.stream_file(f"{self.sounds}/{prompt.value}", escape)
            elif prompt.kind == "digits":
                key = await session.say_digits(prompt.value, escape)
            else:
                file_id = await self.voice.file_for(prompt.value)
                if file_id is not None:
                    key = await session.stream_file(f"{self.sounds}/names/{file_id}", escape)
                else:  # no speech synthesis here: spell it (pinyin for Han names)
                    key = await session.say_alpha(_spellable(prompt.value), escape)
            if key:
                return key
        return ""


def _key(number: int | None) -> str:
    return chr(number) if number and number > 0 else ""


def _spellable(name: str) -> str:
    from pypinyin import lazy_pinyin

    letters = "".join(ch for ch in normalize(" ".join(lazy_pinyin(name))) if ch.isalnum())
    return letters[:40] or "x"


async def hand_over(session: AgiSession, connect: Connect) -> None:
    """The destination goes to the dialplan in channel variables; it is never spoken."""
    await session.set_variable(contract.VAR_DIAL_NUMBER, connect.number.lstrip("+"))
    await session.set_variable(contract.VAR_CALLEE_NAME, connect.callee_name)
    await session.set_variable(contract.VAR_MAX_SECONDS, str(connect.max_seconds))
    await session.set_variable(contract.VAR_CALL_ID, connect.call_id)


@dataclass
class ConnectLeg:
    """Click-to-call: the caller answered the Originate; connect them if the grant still holds."""

    phonebook: Phonebook

    async def __call__(self, session: AgiSession) -> str:
        call_id = session.args[0] if session.args else ""
        calls = self.phonebook.calls
        try:
            dest = await calls.destination(call_id)
        except (NotFound, Forbidden):
            await calls.update(call_id, CallStatus.FAILED, "not granted at connect time")
            return Result.UNAVAILABLE
        call = await calls.update(call_id, CallStatus.RINGING)
        assert call is not None
        try:
            await hand_over(
                session,
                Connect(
                    dest.number,
                    dest.callee_name,
                    call.callee_id,
                    call.entry_id,
                    call_id,
                    dest.max_seconds,
                ),
            )
        except ChannelHungUp:
            await calls.update(call_id, CallStatus.FAILED, "caller hung up before connect")
            return Result.HANGUP
        return Result.DIAL


# DIALSTATUS of the dialled leg → the call's final status
DIAL_OUTCOME = {
    "ANSWER": CallStatus.COMPLETED,
    "BUSY": CallStatus.BUSY,
    "NOANSWER": CallStatus.NO_ANSWER,
    "CANCEL": CallStatus.FAILED,
    "CONGESTION": CallStatus.FAILED,
    "CHANUNAVAIL": CallStatus.FAILED,
}


@dataclass
class Outcome:
    """Hangup handler: records how the dialled leg of a call ended."""

    phonebook: Phonebook

    async def __call__(self, session: AgiSession) -> str:
        call_id, dial_status, answered = [*session.args, "", "", ""][:3]
        status = DIAL_OUTCOME.get(dial_status, CallStatus.FAILED)
        if dial_status == "ANSWER":
            await self.phonebook.calls.update(call_id, CallStatus.CONNECTED)
        reason = f"DIALSTATUS={dial_status or 'none'}" + (
            f" answered={answered}s" if answered else ""
        )
        await self.phonebook.calls.update(call_id, status, reason)
        return Result.HANGUP
