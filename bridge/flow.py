"""The access-number call flow, written once for every transport (FastAGI, Twilio).

A state machine: ``start`` and ``step`` take what the caller did and return a ``Turn``: the
next state and one action for the transport (``Ask``: play prompts and collect digits or
speech; ``Connect``: hand over a destination; ``Finish``: play prompts and end with a
result). The state is small and JSON-able, so a webhook transport can carry it between
requests. The flow never speaks a number and only connects to what ``Directory.dialable``
grants at that moment.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal, assert_never

from bridge.contract import Result
from bridge.identity import CallerIdTrust
from phonebook.app import Phonebook
from phonebook.calls import CallStatus
from phonebook.dialcodes import PREFIX as DIAL_THROUGH
from phonebook.errors import Forbidden, InvalidQuery, NotFound, PhonebookError, RateLimited
from phonebook.model import ContactView

log = logging.getLogger(__name__)

MAX_TRIES = 3
MIN_DIGITS = 3
MAX_DIGITS = 20
MENU_PAGE = 8  # keys 1-8 choose, 9 pages on: the Asterisk Directory() menu, which callers know
MAX_CANDIDATES = 24
NAME_TIMEOUT_S = 6.0
CONFIRM_TIMEOUT_S = 3.0
MENU_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class Prompt:
    """One thing to play: a fixed prompt (sound file id), a name or label to read, or digits."""

    kind: Literal["sound", "name", "digits"]
    value: str


def sound(prompt_id: str) -> Prompt:
    return Prompt("sound", prompt_id)


@dataclass(frozen=True, slots=True)
class Ask:
    prompts: tuple[Prompt, ...]
    max_digits: int
    timeout_s: float
    speech: bool = False  # the transport may accept a spoken answer too


@dataclass(frozen=True, slots=True)
class Connect:
    number: str  # E.164; for the switch only, never spoken or logged at info
    callee_name: str
    contact_id: str
    entry_id: str
    call_id: str  # the call log record; the transport reports the outcome against it
    max_seconds: int


@dataclass(frozen=True, slots=True)
class Finish:
    prompts: tuple[Prompt, ...]
    result: Result


Action = Ask | Connect | Finish


@dataclass(frozen=True, slots=True)
class Heard:
    """What the caller did in answer to an Ask. Nothing at all is a timeout."""

    digits: str = ""
    speech: str = ""
    alternatives: tuple[str, ...] = ()  # other phrases the recogniser heard, likeliest first
    confidence: float | None = None  # of ``speech``, 0..1; None: the transport has no measure

    @property
    def nothing(self) -> bool:
        return not self.digits.strip("#") and not self.speech.strip()


Phase = Literal["name", "menu", "number", "confirm", "check", "pin", "prove", "code"]


@dataclass(frozen=True, slots=True)
class State:
    """``caller`` is the account whose phonebook the call reads: set only once the caller's
    identity is established (trusted caller ID, PIN, or a proof). The identity phases
    (``pin``, ``prove``, ``code``) carry what they need in ``account``, ``number``, ``code``."""

    phase: Phase
    caller: str
    tries: int = 0
    candidates: tuple[tuple[str, str], ...] = ()  # (contact id, name) ranked
    page: int = 0
    numbers: tuple[tuple[str, str], ...] = ()  # (entry id, label) in the callee's order
    contact: tuple[str, str] | None = None  # (contact id, name) being confirmed
    entry: str | None = None
    account: str = ""  # pin: the account whose PIN is asked for
    number: str = ""  # pin, prove, code: the caller's number (E.164)
    code: str = ""  # code: the claim code being read (the caller may ask to hear it again)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> State:
        data = dict(data)
        data["candidates"] = tuple(tuple(c) for c in data.get("candidates", ()))
        data["numbers"] = tuple(tuple(n) for n in data.get("numbers", ()))
        if data.get("contact") is not None:
            data["contact"] = tuple(data["contact"])
        return cls(**data)


@dataclass(frozen=True, slots=True)
class Turn:
    state: State | None  # None once the call is finished or connected
    action: Action


# prompt ids; bridge/prompts.py holds their words and regenerates the sound files
WELCOME = "pb-welcome"
ASK_NAME = "pb-ask-name"
ASK_NAME_SPEECH = "pb-ask-name-speech"
NO_INPUT = "pb-no-input"
TOO_SHORT = "pb-too-short"
NOT_FOUND = "pb-not-found"
SEVERAL = "pb-several"
PRESS = "pb-press"
FOR = "pb-for"
MORE = "pb-press-9-for-more"
WHICH_NUMBER = "pb-which-number"
CALLING = "pb-calling"
STAR_TO_CANCEL = "pb-star-to-cancel"
CANCELLED = "pb-cancelled"
DID_YOU_SAY = "pb-did-you-say"
PRESS_1_IF_YES = "pb-press-1-if-yes"
NOT_CAUGHT = "pb-not-caught"
UNAVAILABLE = "pb-unavailable"
GOODBYE = "pb-goodbye"
REGISTERED = "pb-registered"
YOUR_CODE_IS = "pb-your-code-is"
FINISH_ONLINE = "pb-finish-online"
UNKNOWN_CALLER = "pb-unknown-caller"
TRY_LATER = "pb-try-later"

# the one table of what a caller hears when the phonebook refuses mid-call, and the result
APOLOGIES: dict[type[PhonebookError], tuple[str, Result]] = {
    RateLimited: (TRY_LATER, Result.RATE_LIMITED),  # the lookup or call guards
    NotFound: (UNAVAILABLE, Result.UNAVAILABLE),  # gone, or no longer shared with the caller
    Forbidden: (UNAVAILABLE, Result.UNAVAILABLE),  # a guard refused this destination
}


def apologise(error: PhonebookError) -> Turn:
    """The call ends with the apology for ``error``."""
    prompt, result = next(APOLOGIES[k] for k in type(error).__mro__ if k in APOLOGIES)
    return Turn(None, Finish((sound(prompt), sound(GOODBYE)), result))


from bridge.identify import IdentityPhases  # noqa: E402  (they read this module's types)
from bridge.speaking import SpeechPhases  # noqa: E402


@dataclass
class CallFlow(IdentityPhases, SpeechPhases):
    phonebook: Phonebook
    provider: str = "asterisk"
    speech: bool = False  # offer "say the name" as well as keypad spelling
    via: str = "ivr"
    trust: CallerIdTrust = CallerIdTrust.ATTESTED

    async def step(self, state: State, heard: Heard) -> Turn:
        phase = state.phase
        match phase:  # a new phase that no case handles fails mypy (assert_never)
            case "pin":
                return await self._on_pin(state, heard)
            case "prove":
                return await self._on_prove(state, heard)
            case "code":
                return self._on_code(state, heard)
            case _ if not state.caller:  # never: only identified callers pass the phases above
                return Turn(None, Finish((sound(GOODBYE),), Result.ERROR))
            case "name":
                return await self._on_name(state, heard)
            case "menu":
                return await self._on_menu(state, heard)
            case "number":
                return self._on_number(state, heard)
            case "check":
                return await self._on_check(state, heard)
            case "confirm":
                return await self._on_confirm(state, heard)
            case _:
                assert_never(phase)

    # -- phases ------------------------------------------------------------------------------

    def _ask_name(
        self, before: list[Prompt] | tuple[Prompt, ...] = (), *, speech: bool = True
    ) -> Ask:
        spoken = self.speech and speech
        ask = sound(ASK_NAME_SPEECH if spoken else ASK_NAME)
        return Ask((*before, ask), MAX_DIGITS, NAME_TIMEOUT_S, speech=spoken)

    def _retry(self, state: State, why: str, out_of_tries: Result, *, speech: bool = True) -> Turn:
        tries = state.tries + 1
        if tries >= MAX_TRIES:
            return Turn(None, Finish((sound(why), sound(GOODBYE)), out_of_tries))
        fresh = State("name", state.caller, tries=tries)
        return Turn(fresh, self._ask_name([sound(why)], speech=speech))

    async def _on_name(self, state: State, heard: Heard) -> Turn:
        if heard.nothing:
            return self._retry(state, NO_INPUT, Result.NO_INPUT)
        digits = heard.digits.rstrip("#")
        if "*" in digits:  # star: start over, like a PBX directory
            return Turn(State("name", state.caller, tries=state.tries), self._ask_name())
        if heard.speech.strip():
            return await self._on_speech(state, heard)
        if len(digits) < MIN_DIGITS:
            return self._retry(state, TOO_SHORT, Result.NOT_FOUND)
        if digits.startswith(DIAL_THROUGH):
            return await self._dial_through(state, digits)
        try:
            found = await self.phonebook.directory.lookup(
                state.caller, digits=digits, via=self.via, limit=MAX_CANDIDATES
            )
        except (NotFound, InvalidQuery):
            return self._retry(state, NOT_FOUND, Result.NOT_FOUND)
        except RateLimited as exc:
            return apologise(exc)
        return self._offer(state, found)

    async def _dial_through(self, state: State, code: str) -> Turn:
        # a code from the caller's own address book (phonebook/dialcodes.py): answered
        # exactly like a name, so somebody else's code is "not found" like an absent name
        try:
            owner, entry = await self.phonebook.dial_codes.resolve(state.caller, code)
            contact = await self.phonebook.directory.contact(state.caller, owner)
        except NotFound:
            return self._retry(state, NOT_FOUND, Result.NOT_FOUND)
        except RateLimited as exc:
            return apologise(exc)
        if entry not in {e.id for e in contact.callable_phones()}:
            return self._retry(state, NOT_FOUND, Result.NOT_FOUND)
        return self._confirm(replace(state, contact=(contact.id, contact.name)), entry)

    def _offer(self, state: State, found: list[ContactView]) -> Turn:
        reachable = [c for c in found if c.callable_phones()]
        if not reachable:  # shares only an e-mail: for a call, the same as nobody
            return self._retry(state, NOT_FOUND, Result.NOT_FOUND)
        if len(reachable) == 1:
            return self._chosen(state, reachable[0])
        menu = replace(
            state, phase="menu", page=0, candidates=tuple((c.id, c.name) for c in reachable)
        )
        return Turn(menu, self._menu(menu, first=True))

    def _menu(self, state: State, first: bool = False) -> Ask:
        page = state.candidates[state.page * MENU_PAGE : (state.page + 1) * MENU_PAGE]
        prompts: list[Prompt] = [sound(SEVERAL)] if first else []
        for key, (_, name) in enumerate(page, start=1):
            prompts += [sound(PRESS), Prompt("digits", str(key)), sound(FOR), Prompt("name", name)]
        if len(state.candidates) > MENU_PAGE:
            prompts.append(sound(MORE))
        return Ask(tuple(prompts), 1, MENU_TIMEOUT_S)

    async def _on_menu(self, state: State, heard: Heard) -> Turn:
        key = heard.digits[:1]
        if key == "*":
            return Turn(State("name", state.caller, tries=state.tries), self._ask_name())
        if key == "9" and len(state.candidates) > MENU_PAGE:
            pages = -(-len(state.candidates) // MENU_PAGE)
            nxt = replace(state, page=(state.page + 1) % pages)
            return Turn(nxt, self._menu(nxt))
        page = state.candidates[state.page * MENU_PAGE : (state.page + 1) * MENU_PAGE]
        if key.isdigit() and 1 <= int(key) <= len(page):
            contact_id, _ = page[int(key) - 1]
            try:
                contact = await self.phonebook.directory.contact(state.caller, contact_id)
            except NotFound as exc:
                return apologise(exc)
            return self._chosen(state, contact)
        tries = state.tries + 1
        if tries >= MAX_TRIES:
            return Turn(None, Finish((sound(GOODBYE),), Result.NO_INPUT))
        again = replace(state, tries=tries)
        return Turn(again, self._menu(again))

    def _chosen(self, state: State, contact: ContactView) -> Turn:
        phones = contact.callable_phones()
        chosen = replace(
            state,
            contact=(contact.id, contact.name),
            numbers=tuple((e.id, e.label) for e in phones),
            candidates=(),
        )
        if len(phones) == 1:
            return self._confirm(chosen, phones[0].id)
        prompts: list[Prompt] = [sound(WHICH_NUMBER)]
        for key, entry in enumerate(phones[:MENU_PAGE], start=1):
            prompts += [
                sound(PRESS),
                Prompt("digits", str(key)),
                sound(FOR),
                Prompt("name", entry.label),
            ]
        return Turn(replace(chosen, phase="number"), Ask(tuple(prompts), 1, MENU_TIMEOUT_S))

    def _on_number(self, state: State, heard: Heard) -> Turn:
        key = heard.digits[:1]
        if key == "*":
            return Turn(State("name", state.caller, tries=state.tries), self._ask_name())
        index = int(key) - 1 if key.isdigit() and 1 <= int(key) <= len(state.numbers) else 0
        entry_id, _ = state.numbers[index]  # no choice made: the callee's first number
        return self._confirm(state, entry_id)

    def _confirm(self, state: State, entry_id: str) -> Turn:
        assert state.contact is not None
        prompts = (sound(CALLING), Prompt("name", state.contact[1]), sound(STAR_TO_CANCEL))
        confirm = replace(state, phase="confirm", entry=entry_id)
        return Turn(confirm, Ask(prompts, 1, CONFIRM_TIMEOUT_S))

    async def _on_confirm(self, state: State, heard: Heard) -> Turn:
        assert state.contact is not None and state.entry is not None
        if heard.digits.startswith("*"):
            fresh = State("name", state.caller)
            return Turn(fresh, self._ask_name([sound(CANCELLED)]))
        contact_id, name = state.contact
        calls = self.phonebook.calls
        try:  # recorded with the toll-fraud guards; the grant is checked again right now
            call, dest = await calls.dial_now(state.caller, contact_id, state.entry, self.provider)
        except (RateLimited, NotFound, Forbidden) as exc:
            return apologise(exc)
        await calls.update(call.id, CallStatus.RINGING)
        return Turn(
            None, Connect(dest.number, name, contact_id, state.entry, call.id, dest.max_seconds)
        )


__all__ = ["Action", "Ask", "CallFlow", "Connect", "Finish", "Heard", "Prompt", "State", "Turn"]
