"""What to do with a spoken name, whoever recognised it: one rule for the Asterisk engine
(bridge/speech) and for Twilio's ``<Gather>`` (its ``Confidence``). Pure: no I/O.

The recogniser's confidence falls in one of three bands:

    sure     "calling X, press star to cancel"
    likely   "did you say X? press 1" (no: a short menu of the next likeliest)
    unsure   a short menu of the 2-3 likeliest people

and whatever the band, a phrase that names several people (a first name alone, often) is a
menu of all of them (the flow pages it, eight a time), never a guess; unsure, the people of
the next phrase follow them. Nobody reachable sends the caller back to the keypad. The bands
were chosen on bench/bench_speech.py's development set so that no wrong name is announced as
sure on it; the test set measures what they give.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

SURE = 0.9
LIKELY = 0.5
MENU = 3  # people in the short menu when unsure (a caller keeps three names in mind)
PHRASES = 5  # recognised phrases looked up when not sure

Step = Literal["sure", "confirm", "menu", "retry"]


@dataclass(frozen=True, slots=True)
class Decision:
    step: Step
    offered: tuple[str, ...] = ()  # who the caller hears now, in order (contact ids)
    rest: tuple[str, ...] = ()  # confirm: the menu after a "no"

    @property
    def top(self) -> str:
        return self.offered[0]


def band(confidence: float | None) -> Literal["sure", "likely", "unsure"]:
    """None: the transport has no measure (a typed or replayed transcript): taken as sure."""
    if confidence is None or confidence >= SURE:
        return "sure"
    return "likely" if confidence >= LIKELY else "unsure"


def phrases_to_look_up(confidence: float | None) -> int:
    return 1 if band(confidence) == "sure" else PHRASES


def decide(confidence: float | None, matches: Sequence[Sequence[str]]) -> Decision:
    """``matches[i]``: the reachable people (ids, best first) the i-th likeliest recognised
    phrase names."""
    ranked = list(dict.fromkeys(c for found in matches for c in found))
    if not ranked:
        return Decision("retry")
    best = list(dict.fromkeys(matches[0])) if matches else []
    level = band(confidence)
    if len(best) > 1:  # "carol" and three Carols: the caller chooses, from all of them
        if level == "sure":
            return Decision("menu", tuple(best))
        # unsure, the phrase itself may be wrong: the next phrase's people follow
        following = list(matches[1]) if len(matches) > 1 else []
        return Decision("menu", tuple(dict.fromkeys([*best, *following])))
    if best and level == "sure":
        return Decision("sure", (best[0],))
    if (best and level == "likely") or len(ranked) == 1:
        top = best[0] if best else ranked[0]
        others = [c for c in ranked if c != top][: MENU - 1]
        return Decision("confirm", (top,), tuple(others))
    return Decision("menu", tuple(ranked[:MENU]))
