"""Replaying the spoken-name corpus (``mistranscriptions``) as Twilio's recogniser would
deliver it, for tests and ``bench/bench_matching.py``.

``replay`` drives each transcript through the same ``CallFlow`` the Twilio gather step runs
(``bridge/twilio/voice.py``), so it measures exactly what a caller would get: put straight
through to a confirm prompt, offered a menu, or told nobody by that name shares a number.
Nothing in the running bridge imports it (a lint-imports contract says so).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

from bridge.flow import CallFlow, Heard, State
from bridge.twilio.mistranscriptions import CALLER_PHONE, CORPUS, PEOPLE, STRANGERS, Case
from phonebook.app import Phonebook

__all__ = [
    "CALLER_PHONE",
    "CORPUS",
    "OUTCOMES",
    "PEOPLE",
    "STRANGERS",
    "Case",
    "Outcome",
    "Result",
    "classify",
    "replay",
    "seed",
    "shares",
]

Outcome = Literal["right", "ambiguous_with", "ambiguous_without", "wrong", "not_found"]
OUTCOMES: tuple[Outcome, ...] = (
    "right",
    "ambiguous_with",
    "ambiguous_without",
    "wrong",
    "not_found",
)


@dataclass(frozen=True, slots=True)
class Result:
    case: Case
    outcome: Outcome
    names: tuple[str, ...]  # who the caller was offered (one name: put straight through)


async def seed(pb: Phonebook) -> dict[str, str]:
    """Register the caller, everyone in ``PEOPLE`` sharing a callable mobile with them, and
    the strangers; returns account id -> ``PEOPLE`` key."""
    caller = await pb.accounts.register("Carl Caller", CALLER_PHONE, None)
    keys = {caller.id: "caller"}
    for i, (key, (name, aliases)) in enumerate(PEOPLE.items()):
        owner = await pb.accounts.register(name, f"+1202555{1000 + i}", None)
        if aliases:
            await pb.accounts.update_profile(owner.id, aliases=list(aliases))
        friends = await pb.circles.create(owner.id, "friends")
        await pb.circles.add_member(owner.id, friends.id, CALLER_PHONE)
        mobile = f"+1202556{1000 + i}"
        await pb.cards.add(owner.id, "phone", "mobile", mobile, {friends.id: "callable"})
        keys[owner.id] = key
    for i, (key, name) in enumerate(STRANGERS.items()):
        stranger = await pb.accounts.register(name, f"+1202557{1000 + i}", None)
        await pb.cards.add(stranger.id, "phone", "mobile", f"+1202558{1000 + i}", {})
        keys[stranger.id] = key
    return keys


def classify(case: Case, offered: list[str]) -> Outcome:
    """``offered``: PEOPLE keys the flow put through (one) or listed in a menu (several)."""
    if not offered:
        return "not_found"
    if len(offered) == 1:
        return "right" if offered[0] == case.meant else "wrong"
    return "ambiguous_with" if case.meant in offered else "ambiguous_without"


async def replay(pb: Phonebook, keys: dict[str, str], corpus: list[Case]) -> list[Result]:
    """Each transcript as the SpeechResult of the first gather of a fresh Twilio call."""
    flow = CallFlow(pb, provider="twilio", speech=True, via="twilio")
    first = await flow.start(CALLER_PHONE)
    assert first.state is not None, "the caller must be known"
    results = []
    for case in corpus:
        turn = await flow.step(first.state, Heard(speech=case.heard))
        offered = _offered(turn.state)
        outcome = classify(case, [keys[contact_id] for contact_id, _ in offered])
        results.append(Result(case, outcome, tuple(name for _, name in offered)))
    return results


def _offered(state: State | None) -> tuple[tuple[str, str], ...]:
    """(contact id, name) the flow went on with: a confirm (one), a menu (several), or none."""
    if state is None or state.phase == "name":
        return ()
    if state.phase == "menu":
        return state.candidates
    assert state.contact is not None  # "number" or "confirm": one person chosen
    return (state.contact,)


def shares(results: list[Result]) -> dict[Outcome, float]:
    counts = Counter(r.outcome for r in results)
    return {o: counts[o] / len(results) for o in OUTCOMES} if results else {}
