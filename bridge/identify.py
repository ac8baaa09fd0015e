"""The identity phases of the access-number call flow (bridge.flow.CallFlow inherits them):
who is calling, before any name is spoken or any call connected.

- The number's verified holder calling with a trusted caller ID goes straight to the name
  (hearing their claim code again first while their account is not completed on the web).
- An untrusted caller ID (bridge.identity) must type the holder's access PIN; without a PIN
  set, the call ends there.
- Nobody holds the number: a trusted caller may prove a claim made on the web (its call-in
  code or PIN) or register anew, holding the number; an untrusted one is registered as an
  unverified claim and hears its claim code, and nothing else.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from bridge import flow
from bridge.contract import Result
from bridge.identity import CallerIdTrust, trusted
from phonebook.errors import InvalidInput, PhoneTaken, RateLimited

if TYPE_CHECKING:
    from bridge.flow import Ask, Heard, Prompt, State, Turn
    from phonebook.app import Phonebook

log = logging.getLogger("bridge.flow")

REGISTERED_UNPROVED = "pb-registered-unproved"
FINISH_AND_VERIFY = "pb-finish-and-verify"
PRESS_1_TO_REPEAT = "pb-press-1-to-repeat"
COMPLETE_ONLINE = "pb-complete-online"
ENTER_PIN = "pb-enter-pin"
WRONG_PIN = "pb-wrong-pin"
PIN_NEEDED = "pb-pin-needed"
PROVE_OR_REGISTER = "pb-prove-or-register"
WRONG_CODE = "pb-wrong-code"
NUMBER_VERIFIED = "pb-number-verified"

PIN_DIGITS = 12
PROVE_DIGITS = 12
CODE_REPEATS = 5


class IdentityPhases:
    phonebook: Phonebook
    via: str
    trust: CallerIdTrust

    def _ask_name(
        self, before: list[Prompt] | tuple[Prompt, ...] = (), *, speech: bool = True
    ) -> Ask:
        raise NotImplementedError

    async def start(self, caller_id: str, attested: bool = False) -> Turn:
        """Who is calling. Caller ID stands for an account only when ``trust`` allows it
        (``attested``: the carrier vouched for it on this call); otherwise the caller types the
        account's PIN. Until then no name is spoken and nothing is connected."""
        info = await self.phonebook.callers.resolve(caller_id)
        if info.e164 is None:  # withheld or malformed caller ID
            return flow.Turn(
                None, flow.Finish((flow.sound(flow.UNKNOWN_CALLER),), Result.UNKNOWN_CALLER)
            )
        sure = trusted(self.trust, attested)
        welcome = [flow.sound(flow.WELCOME)]
        if info.holder is not None:
            if not sure:
                if not info.has_pin:
                    finish = flow.Finish(
                        (*welcome, flow.sound(PIN_NEEDED), flow.sound(flow.GOODBYE)), Result.NO_PIN
                    )
                    return flow.Turn(None, finish)
                pin = flow.State("pin", "", account=info.holder, number=info.e164)
                return flow.Turn(pin, self._ask_pin(welcome))
            if not info.claimed:  # registered by phone, not completed: the code again
                code = await self.phonebook.callers.renew_code(info.holder)
                if code is not None:
                    state = flow.State("code", info.holder, number=info.e164, code=code)
                    return flow.Turn(
                        state, self._read_code(state, [*welcome, flow.sound(COMPLETE_ONLINE)])
                    )
            return flow.Turn(flow.State("name", info.holder), self._ask_name(welcome))
        if sure and info.pending:  # someone claimed it on the web: maybe this caller
            state = flow.State("prove", "", number=info.e164)
            return flow.Turn(
                state, flow.Ask((*welcome, flow.sound(PROVE_OR_REGISTER)), PROVE_DIGITS, 10.0)
            )
        return await self._register(info.e164, sure, welcome)

    async def _register(self, e164: str, sure: bool, before: list[Prompt]) -> Turn:
        """Registration on first call. An untrusted caller ID gets an unverified claim (and
        hears no names): only a code sent to the number can prove it."""
        try:
            caller = await self.phonebook.callers.register(e164, verified=sure)
        except (InvalidInput, PhoneTaken):  # a race with another registration
            return flow.Turn(
                None, flow.Finish((flow.sound(flow.UNKNOWN_CALLER),), Result.UNKNOWN_CALLER)
            )
        assert caller.claim_code is not None
        log.info("registered a new caller on first use (%s)", "verified" if sure else "unproved")
        state = flow.State(
            "code", caller.account_id if sure else "", number=e164, code=caller.claim_code
        )
        first = flow.sound(flow.REGISTERED if sure else REGISTERED_UNPROVED)
        return flow.Turn(state, self._read_code(state, [*before, first]))

    def _read_code(self, state: State, before: list[Prompt] | tuple[Prompt, ...] = ()) -> Ask:
        code = flow.Prompt("digits", state.code)
        done = flow.FINISH_ONLINE if state.caller else FINISH_AND_VERIFY
        prompts = (
            *before,
            flow.sound(flow.YOUR_CODE_IS),
            code,
            flow.sound(flow.YOUR_CODE_IS),
            code,
            flow.sound(done),
        )
        return flow.Ask((*prompts, flow.sound(PRESS_1_TO_REPEAT)), 1, flow.MENU_TIMEOUT_S)

    def _on_code(self, state: State, heard: Heard) -> Turn:
        """Any key but pound reads the code again (a key pressed by mistake never loses it);
        pound or silence goes on."""
        key = heard.digits[:1]
        if key and key != "#" and state.tries < CODE_REPEATS:
            again = replace(state, tries=state.tries + 1)
            return flow.Turn(again, self._read_code(again))
        if not state.caller:  # not identified: nothing more on this call
            return flow.Turn(None, flow.Finish((flow.sound(flow.GOODBYE),), Result.REGISTERED))
        return flow.Turn(flow.State("name", state.caller), self._ask_name())

    def _ask_pin(self, before: list[Prompt] | tuple[Prompt, ...] = ()) -> Ask:
        return flow.Ask((*before, flow.sound(ENTER_PIN)), PIN_DIGITS, flow.NAME_TIMEOUT_S)

    async def _on_pin(self, state: State, heard: Heard) -> Turn:
        pin = heard.digits.rstrip("#")
        try:
            ok = bool(pin) and await self.phonebook.pins.check(
                state.account, pin, state.number, self.via
            )
        except RateLimited as exc:
            return flow.apologise(exc)
        if ok:
            return flow.Turn(flow.State("name", state.account), self._ask_name())
        tries = state.tries + 1
        why = WRONG_PIN if pin else flow.NO_INPUT
        if tries >= flow.MAX_TRIES:
            return flow.Turn(
                None, flow.Finish((flow.sound(why), flow.sound(flow.GOODBYE)), Result.WRONG_PIN)
            )
        return flow.Turn(replace(state, tries=tries), self._ask_pin([flow.sound(why)]))

    async def _on_prove(self, state: State, heard: Heard) -> Turn:
        digits = heard.digits.rstrip("#")
        if heard.digits.startswith("#"):  # "otherwise press pound": a new account, holding it
            return await self._register(state.number, True, [])
        if not digits:  # silence proves nothing and registers nothing
            return self._prove_again(state, flow.NO_INPUT, Result.NO_INPUT)
        try:
            caller = await self.phonebook.callers.prove(state.number, digits)
        except RateLimited as exc:
            return flow.apologise(exc)
        if caller is None:
            return self._prove_again(state, WRONG_CODE, Result.WRONG_PIN)
        log.info("a caller proved their number by calling from it")
        verified = [flow.sound(NUMBER_VERIFIED)]
        return flow.Turn(flow.State("name", caller.account_id), self._ask_name(verified))

    def _prove_again(self, state: State, why: str, out_of_tries: Result) -> Turn:
        tries = state.tries + 1
        if tries >= flow.MAX_TRIES:
            finish = flow.Finish((flow.sound(why), flow.sound(flow.GOODBYE)), out_of_tries)
            return flow.Turn(None, finish)
        retry = flow.Ask((flow.sound(why), flow.sound(PROVE_OR_REGISTER)), PROVE_DIGITS, 10.0)
        return flow.Turn(replace(state, tries=tries), retry)
