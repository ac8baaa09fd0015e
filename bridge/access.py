"""The FastAGI handlers: the access number (drives the shared call flow over one AGI session)
and the connect leg of click-to-call. Each returns the PB_RESULT the dialplan branches on; the
server sets it, whatever happens."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bridge import contract
from bridge.agi.errors import ChannelHungUp
from bridge.agi.session import AgiSession
from bridge.connect import Refused, connect_leg
from bridge.contract import Result
from bridge.driver import drive
from bridge.flow import GOODBYE, UNAVAILABLE, Ask, CallFlow, Connect, Finish, Heard, State, sound
from bridge.identity import CallerIdTrust, asterisk_attested
from bridge.outcomes import dialled_leg_ended
from bridge.playback import Player
from bridge.prompts import NameVoice
from bridge.spoken import DIGITS, SpokenNames
from phonebook.app import Phonebook
from phonebook.calls import CallStatus
from phonebook.errors import Unauthenticated

log = logging.getLogger(__name__)

# GET DATA with an empty prompt plays nothing and only reads keys: main/app.c
# ast_app_getdata_full streams the prompt only when it is not empty. (It used to be
# "silence/1": a core sound whose absence answered -1 and ended every call.)
NO_PROMPT = ""

__all__ = ["AccessNumber", "ConnectLeg", "Outcome", "SpokenNames", "hand_over"]


@dataclass(frozen=True, slots=True)
class CallerLine:
    """What the callee sees: the caller's name, and their verified number when the operator
    presents it (empty: the dialplan presents the access number, PB_ACCESS_NUMBER)."""

    name: str
    number: str = ""


async def caller_line(phonebook: Phonebook, account_id: str, present_number: bool) -> CallerLine:
    try:
        profile = await phonebook.accounts.profile(account_id)
    except Unauthenticated:  # deleted meanwhile: present nobody rather than someone else
        return CallerLine("")
    verified = next((p.e164 for p in profile.phones if p.verified), "")
    return CallerLine(profile.name, verified if present_number else "")


async def speak_language(session: AgiSession, phonebook: Phonebook, account_id: str) -> None:
    """Switch the channel to the caller's language: Asterisk then plays sounds/<lang>/… (our
    prompts, built per language) and falls back to English for a file it lacks (main/file.c
    fileexists_core tries the language, none, then the default)."""
    language = await phonebook.languages.of(account_id)
    if session.env.get("agi_language", "").split("_")[0] != language:
        await session.set_variable(contract.VAR_LANGUAGE, language)


@dataclass
class AccessNumber:
    phonebook: Phonebook
    voice: NameVoice
    sounds: str = "phonebridge"  # folder under Asterisk's sounds dir (PB_SOUNDS)
    speech: SpokenNames | None = None
    present_number: bool = False  # show callees the caller's verified number (trunk permitting)
    trust: CallerIdTrust = CallerIdTrust.ATTESTED
    player: Player = field(init=False)

    def __post_init__(self) -> None:
        self.player = Player(self.voice, self.sounds)
        if self.speech is not None:
            self.speech.missing = self.player.missing  # one log line per missing file

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
            result = await drive(flow, _AgiLine(self, session), turn)
        except ChannelHungUp:
            return Result.HANGUP
        assert result is not None  # an AGI line always answers
        return result

    async def _collect(self, session: AgiSession, ask: Ask, caller: str) -> Heard:
        """Play the prompts (a key press interrupts them), then listen for a name when speech
        is on, else read up to max_digits keys."""
        first = await self.player.play(session, ask.prompts, escape=DIGITS)
        if not first and ask.speech and self.speech is not None:
            heard = await self.speech.listen(session, self.phonebook, caller)
            if heard is not None and not heard.digits:
                return heard
            first = heard.digits if heard is not None else ""  # a key, or no recording
        if first in ("#", "*") or (first and ask.max_digits == 1):
            return Heard(digits=first)
        rest = await session.get_data(
            NO_PROMPT, int(ask.timeout_s * 1000), ask.max_digits - len(first)
        )
        return Heard(digits=first + rest)


@dataclass(frozen=True, slots=True)
class _AgiLine:
    """The driver's channel over one FastAGI session."""

    access: AccessNumber
    session: AgiSession

    async def identified(self, caller: str) -> None:
        await speak_language(self.session, self.access.phonebook, caller)

    async def ask(self, ask: Ask, state: State) -> Heard:
        return await self.access._collect(self.session, ask, state.caller)

    async def connect(self, connect: Connect, caller: str) -> None:
        access = self.access
        line = await caller_line(access.phonebook, caller, access.present_number)
        await hand_over(self.session, connect, line)

    async def finish(self, finish: Finish) -> None:
        await self.access.player.play(self.session, finish.prompts, escape="")


async def hand_over(session: AgiSession, connect: Connect, line: CallerLine) -> None:
    """The destination goes to the dialplan in channel variables; it is never spoken."""
    await session.set_variable(contract.VAR_DIAL_NUMBER, connect.number.lstrip("+"))
    await session.set_variable(contract.VAR_CALLEE_NAME, connect.callee_name)
    await session.set_variable(contract.VAR_CALLER_NAME, line.name)
    await session.set_variable(contract.VAR_CALLER_NUMBER, line.number)
    await session.set_variable(contract.VAR_MAX_SECONDS, str(connect.max_seconds))
    await session.set_variable(contract.VAR_CALL_ID, connect.call_id)


@dataclass
class ConnectLeg:
    """Click-to-call: the caller answered the Originate; connect them if the grant still holds,
    else tell them why before the dialplan hangs up."""

    phonebook: Phonebook
    voice: NameVoice = field(default_factory=lambda: NameVoice(None))
    sounds: str = "phonebridge"
    present_number: bool = False
    player: Player = field(init=False)

    def __post_init__(self) -> None:
        self.player = Player(self.voice, self.sounds)

    async def __call__(self, session: AgiSession) -> str:
        call_id = session.args[0] if session.args else ""
        leg = await connect_leg(self.phonebook.calls, call_id)
        if isinstance(leg, Refused):
            await self._apologise(session, leg.caller_id)
            return Result.UNAVAILABLE
        call, connect = leg
        try:
            await speak_language(session, self.phonebook, call.caller_id)
            line = await caller_line(self.phonebook, call.caller_id, self.present_number)
            await hand_over(session, connect, line)
        except ChannelHungUp:
            await self.phonebook.calls.update(
                call_id, CallStatus.FAILED, "caller hung up before connect"
            )
            return Result.HANGUP
        return Result.DIAL

    async def _apologise(self, session: AgiSession, caller: str | None) -> None:
        """The caller picked up their phone for this call: say it cannot be connected."""
        try:
            if caller is not None:
                await speak_language(session, self.phonebook, caller)
            await self.player.play(session, (sound(UNAVAILABLE), sound(GOODBYE)), escape="")
        except ChannelHungUp:
            pass


def talk_seconds(answered_at: str, ended_at: str) -> int | None:
    """Talk time from the callee's answer to the hang-up, both Asterisk's ${EPOCH}.

    Not ${ANSWEREDTIME}: app_dial's end_bridge_callback sets it to ast_channel_get_up_time()
    of the *caller's* channel, which the access number answered before the menu, so it
    counted the menu too. The dialplan's pre-bridge handler (Dial's U option, run on the
    callee's channel when it answers) records the answer moment instead."""
    try:
        seconds = int(ended_at) - int(answered_at)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


@dataclass
class Outcome:
    """Hangup handler: records how the dialled leg of a call ended."""

    phonebook: Phonebook

    async def __call__(self, session: AgiSession) -> str:
        call_id, dial_status, answered_at, ended_at = [*session.args, "", "", "", ""][:4]
        talk = talk_seconds(answered_at, ended_at) if dial_status == "ANSWER" else None
        reason = f"DIALSTATUS={dial_status or 'none'}" + (
            f" answered={talk}s" if talk is not None else ""
        )
        await dialled_leg_ended(self.phonebook.calls, call_id, dial_status, reason)
        return Result.HANGUP
