"""The spoken-name phases of the access-number call flow (bridge.flow.CallFlow inherits them):
what the caller said, through one dialogue (bridge/dialogue.py) for every transport."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bridge import flow
from bridge.contract import Result
from bridge.dialogue import band, decide, phrases_to_look_up
from phonebook.errors import InvalidQuery, NotFound, RateLimited

if TYPE_CHECKING:
    from bridge.flow import Ask, Heard, State, Turn
    from phonebook.app import Phonebook
    from phonebook.model import ContactView


class SpeechPhases:
    phonebook: Phonebook
    via: str

    def _retry(self, state: State, why: str, out_of_tries: Result, *, speech: bool = True) -> Turn:
        raise NotImplementedError

    def _chosen(self, state: State, contact: ContactView) -> Turn:
        raise NotImplementedError

    def _offer(self, state: State, found: list[ContactView]) -> Turn:
        raise NotImplementedError

    def _menu(self, state: State, first: bool = False) -> Ask:
        raise NotImplementedError

    async def _on_speech(self, state: State, heard: Heard) -> Turn:
        """bridge/dialogue.py decides from the confidence and who each phrase names: "calling
        X", "did you say X?" (no: the others), a short menu, or spelling instead. Only the
        people offered are recorded as looked up, not every alternative the engine heard."""
        phrases = [heard.speech, *heard.alternatives][: phrases_to_look_up(heard.confidence)]
        found: dict[str, ContactView] = {}
        matches: list[list[str]] = []
        try:
            for phrase in dict.fromkeys(p for p in phrases if p.strip()):
                try:
                    hits = await self.phonebook.directory.lookup(
                        state.caller,
                        name=phrase,
                        via=self.via,
                        limit=flow.MAX_CANDIDATES,
                        audit=False,
                    )
                except (NotFound, InvalidQuery):
                    hits = []
                reachable = [c for c in hits if c.callable_phones()]
                found.update((c.id, c) for c in reachable if c.id not in found)
                matches.append([c.id for c in reachable])
        except RateLimited as exc:
            return flow.apologise(exc)
        decision = decide(heard.confidence, matches)
        if decision.step == "retry" and band(heard.confidence) == "sure":  # as if typed
            return self._retry(state, flow.NOT_FOUND, Result.NOT_FOUND)
        if decision.step == "retry":  # heard something, but no name: the keypad is surer
            return self._retry(state, flow.NOT_CAUGHT, Result.NOT_FOUND, speech=False)
        await self.phonebook.directory.record_lookups(state.caller, decision.offered, self.via)
        if decision.step == "sure":
            return self._chosen(state, found[decision.top])
        if decision.step == "confirm":
            top = found[decision.top]
            check = replace(
                state,
                phase="check",
                contact=(top.id, top.name),
                candidates=tuple((c, found[c].name) for c in decision.rest),
            )
            prompts = (
                flow.sound(flow.DID_YOU_SAY),
                flow.Prompt("name", top.name),
                flow.sound(flow.PRESS_1_IF_YES),
            )
            return flow.Turn(check, flow.Ask(prompts, 1, flow.MENU_TIMEOUT_S))
        return self._offer(state, [found[c] for c in decision.offered])

    async def _on_check(self, state: State, heard: Heard) -> Turn:
        assert state.contact is not None
        if heard.digits[:1] != "1":  # not who they meant: the other candidates, or spelling
            if not state.candidates:
                return self._retry(state, flow.NOT_CAUGHT, Result.NOT_FOUND, speech=False)
            others = [c for c, _ in state.candidates]
            await self.phonebook.directory.record_lookups(state.caller, others, self.via)
            menu = replace(state, phase="menu", page=0, contact=None)
            return flow.Turn(menu, self._menu(menu, first=True))
        try:
            contact = await self.phonebook.directory.contact(state.caller, state.contact[0])
        except NotFound as exc:
            return flow.apologise(exc)
        return self._chosen(state, contact)
