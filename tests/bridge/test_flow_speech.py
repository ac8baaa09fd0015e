"""Spoken names in the shared call flow: the recogniser's confidence decides whether the
caller hears "calling X", "did you say X?", a short menu, or is asked to spell instead."""

from __future__ import annotations

from bridge.flow import Ask, CallFlow, Heard, Turn
from phonebook.app import Phonebook
from tests.bridge.test_flow import CALLER, ask, dial, people, said


async def spoken(pb: Phonebook, heard: Heard) -> Turn:
    flow = CallFlow(pb, speech=True)
    turn = await flow.start(CALLER, attested=True)
    assert ask(turn).speech and said(ask(turn))[-1] == "pb-ask-name-speech"
    assert turn.state is not None
    return await flow.step(turn.state, heard)


async def test_a_sure_name_goes_straight_to_calling(pb: Phonebook) -> None:
    await people(pb)
    turn = await spoken(pb, Heard(speech="zhang wei", confidence=0.95))
    assert said(ask(turn)) == ["pb-calling", "张伟", "pb-star-to-cancel"]


async def test_a_likely_name_is_checked_first_and_1_confirms(pb: Phonebook) -> None:
    await people(pb)
    turn = await spoken(pb, Heard(speech="zhang wei", confidence=0.6))
    assert said(ask(turn)) == ["pb-did-you-say", "张伟", "pb-press-1-if-yes"]
    turn = await dial(CallFlow(pb, speech=True), turn, "1")
    assert said(ask(turn)) == ["pb-calling", "张伟", "pb-star-to-cancel"]


async def test_a_wrong_guess_sends_the_caller_to_the_keypad(pb: Phonebook) -> None:
    await people(pb)
    turn = await spoken(pb, Heard(speech="zhang wei", confidence=0.6))
    turn = await dial(CallFlow(pb, speech=True), turn, "")  # not pressing 1 is a no
    assert said(ask(turn)) == ["pb-not-caught", "pb-ask-name"]
    assert not ask(turn).speech  # spelling now: the recogniser had its chance
    assert turn.state is not None and turn.state.tries == 1


async def test_an_unsure_result_offers_the_likely_names_in_a_menu(pb: Phonebook) -> None:
    ids = await people(pb)
    heard = Heard(speech="alan martin", alternatives=("alice martin", "zhang wei"), confidence=0.2)
    turn = await spoken(pb, heard)
    assert said(ask(turn))[0] == "pb-several"
    assert turn.state is not None
    assert [c for c, _ in turn.state.candidates] == [ids["alice"], ids["zhang"]]


async def test_a_phrase_nobody_matches_asks_for_spelling(pb: Phonebook) -> None:
    await people(pb)
    turn = await spoken(pb, Heard(speech="nobody here", confidence=0.3))
    assert isinstance(turn.action, Ask) and said(turn.action) == ["pb-not-caught", "pb-ask-name"]


async def test_a_blocker_is_not_found_by_voice_either(pb: Phonebook) -> None:
    await people(pb)
    turn = await spoken(pb, Heard(speech="bella blocker", confidence=1.0))
    assert said(ask(turn)) == ["pb-not-found", "pb-ask-name-speech"]


async def test_no_to_did_you_say_offers_the_other_likely_names(pb: Phonebook) -> None:
    ids = await people(pb)
    heard = Heard(speech="zhang wei", alternatives=("alice martin",), confidence=0.6)
    turn = await spoken(pb, heard)
    assert said(ask(turn)) == ["pb-did-you-say", "张伟", "pb-press-1-if-yes"]
    turn = await dial(CallFlow(pb, speech=True), turn, "2")  # no
    assert said(ask(turn))[0] == "pb-several"
    assert turn.state is not None and [c for c, _ in turn.state.candidates] == [ids["alice"]]
    turn = await dial(CallFlow(pb, speech=True), turn, "1")
    assert said(ask(turn))[0] == "pb-which-number"  # Alice, who has two numbers
