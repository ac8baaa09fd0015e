"""One dialogue for spoken names (bridge/dialogue.py): the confidence bands, a phrase naming
several people, and on the real store that only the people offered count as looked up."""

from __future__ import annotations

import pytest

from bridge.dialogue import LIKELY, SURE, Decision, decide, phrases_to_look_up
from bridge.flow import Ask, CallFlow, Heard, Turn
from phonebook.app import Phonebook
from phonebook.model import PUBLIC

CALLER = "+12025550100"


@pytest.mark.parametrize(
    ("confidence", "matches", "expected"),
    [
        (None, [["a"]], Decision("sure", ("a",))),  # no measure: as sure
        (SURE, [["a"], ["b"]], Decision("sure", ("a",))),
        (LIKELY, [["a"], ["b"], ["c"], ["d"]], Decision("confirm", ("a",), ("b", "c"))),
        (0.1, [["a"], ["b"], ["c"], ["d"]], Decision("menu", ("a", "b", "c"))),
        (0.1, [["a"], ["a"]], Decision("confirm", ("a",))),  # one person however said
        (0.99, [["a", "b", "c"], ["d"]], Decision("menu", ("a", "b", "c"))),  # "carol" alone
        (0.6, [["a", "b"], ["c", "d"], ["e"]], Decision("menu", ("a", "b", "c", "d"))),
        (0.95, [[str(i) for i in range(12)]], Decision("menu", tuple(str(i) for i in range(12)))),
        (0.7, [[], ["b"], ["c"]], Decision("menu", ("b", "c"))),  # the best phrase is nobody
        (0.99, [[], []], Decision("retry")),
        (0.99, [], Decision("retry")),
    ],
)
def test_bands_and_several_people(
    confidence: float | None, matches: list[list[str]], expected: Decision
) -> None:
    assert decide(confidence, matches) == expected


def test_only_the_best_phrase_is_looked_up_when_sure() -> None:
    assert phrases_to_look_up(0.95) == 1 and phrases_to_look_up(0.2) > 1


async def _phonebook(pb: Phonebook) -> dict[str, str]:
    ids = {}
    people = [
        ("caller", "Carl Caller"),
        ("carol1", "Carol Jenkins"),
        ("carol2", "Carol White"),
        ("karen", "Karen Jenkins"),
        ("zhang", "张伟"),
    ]
    for i, (key, name) in enumerate(people):
        ids[key] = (await pb.accounts.register(name, f"+1202555010{i}", "long-enough")).id
        if key != "caller":
            await pb.cards.add(ids[key], "phone", "mobile", f"+1202555020{i}", {PUBLIC: "callable"})
    return ids


def _names(turn: Turn) -> list[str]:
    assert isinstance(turn.action, Ask), turn.action
    return [p.value for p in turn.action.prompts if p.kind == "name"]


async def _say(pb: Phonebook, heard: Heard) -> Turn:
    flow = CallFlow(pb, speech=True)
    first = await flow.start(CALLER, attested=True)
    assert first.state is not None
    return await flow.step(first.state, heard)


async def test_a_first_name_of_several_people_is_a_menu(pb: Phonebook) -> None:
    await _phonebook(pb)
    turn = await _say(pb, Heard(speech="carol", confidence=0.97))
    assert turn.state is not None and turn.state.phase == "menu"
    assert sorted(_names(turn)) == ["Carol Jenkins", "Carol White"]


async def test_unsure_alternatives_never_offered_are_not_audited(pb: Phonebook) -> None:
    ids = await _phonebook(pb)
    alternatives = ("karen jenkins", "zhang wei")
    turn = await _say(pb, Heard(speech="carol jenkins", alternatives=alternatives, confidence=0.6))
    assert _names(turn) == ["Carol Jenkins"]  # "did you say Carol Jenkins?"
    assert len(await pb.directory.lookups_of(ids["carol1"])) == 1
    # the engine also heard "karen jenkins" and "zhang wei": nobody offered them, yet
    assert await pb.directory.lookups_of(ids["karen"]) == []
    assert await pb.directory.lookups_of(ids["zhang"]) == []
    flow = CallFlow(pb, speech=True)
    assert turn.state is not None
    menu = await flow.step(turn.state, Heard(digits="2"))  # no: the others are offered now
    assert _names(menu) == ["Karen Jenkins", "张伟"]
    assert len(await pb.directory.lookups_of(ids["karen"])) == 1
    assert len(await pb.directory.lookups_of(ids["zhang"])) == 1


async def test_a_sure_answer_audits_only_who_is_announced(pb: Phonebook) -> None:
    ids = await _phonebook(pb)
    await _say(pb, Heard(speech="zhang wei", alternatives=("carol white",), confidence=0.95))
    assert len(await pb.directory.lookups_of(ids["zhang"])) == 1
    assert await pb.directory.lookups_of(ids["carol2"]) == []
