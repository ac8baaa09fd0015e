"""The access-number call flow on the real store, without any transport: what a caller
hears and what gets dialled."""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncEngine

from bridge.contract import Result
from bridge.flow import Ask, CallFlow, Connect, Finish, Heard, Prompt, State, Turn
from phonebook.app import Phonebook
from phonebook.calls import CallLimits
from phonebook.config import PhonebookConfig
from phonebook.model import PUBLIC

CALLER = "+12025550100"


async def people(pb: Phonebook) -> dict[str, str]:
    """The caller, Alice (family circle: mobile + office), 张伟, two John Smiths, a blocker."""
    ids = {}
    for key, name, phone in [
        ("caller", "Carl Caller", CALLER),
        ("alice", "Alice Martin", "+12025550101"),
        ("zhang", "张伟", "+8613800138000"),
        ("john1", "John Smith", "+12025550103"),
        ("john2", "John Smith", "+12025550104"),
        ("blocker", "Bella Blocker", "+12025550105"),
    ]:
        ids[key] = (await pb.accounts.register(name, phone, "long-enough")).id
    family = await pb.circles.create(ids["alice"], "family")
    await pb.circles.add_member(ids["alice"], family.id, CALLER)
    ids["alice_mobile"] = (
        await pb.cards.add(ids["alice"], "phone", "mobile", "+12025550111", {family.id: "callable"})
    ).id
    ids["alice_office"] = (
        await pb.cards.add(ids["alice"], "phone", "office", "+12025550112", {family.id: "visible"})
    ).id
    ids["alice_family"] = family.id
    await pb.cards.add(ids["zhang"], "phone", "mobile", "+8613800138001", {PUBLIC: "callable"})
    for key in ("john1", "john2"):
        await pb.cards.add(
            ids[key],
            "phone",
            "mobile",
            f"+1202555{'0131' if key == 'john1' else '0132'}",
            {PUBLIC: "callable"},
        )
    await pb.cards.add(ids["blocker"], "phone", "mobile", "+12025550151", {PUBLIC: "callable"})
    await pb.circles.block(ids["blocker"], CALLER)
    return ids


def said(action: Ask | Finish) -> list[str]:
    return [p.value for p in action.prompts]


def ask(turn: Turn) -> Ask:
    assert isinstance(turn.action, Ask), turn.action
    return turn.action


async def dial(flow: CallFlow, turn: Turn, *keys: str) -> Turn:
    for key in keys:
        assert turn.state is not None, turn.action
        turn = await flow.step(turn.state, Heard(digits=key))
    return turn


async def test_unique_name_confirms_then_connects_to_the_callees_first_number(
    pb: Phonebook,
) -> None:
    ids = await people(pb)
    flow = CallFlow(pb)
    turn = await flow.start(CALLER, attested=True)
    assert said(ask(turn)) == ["pb-welcome", "pb-ask-name"]
    turn = await dial(flow, turn, "25423#")  # A-L-I-C-E
    assert said(ask(turn))[0] == "pb-which-number"
    assert [p.value for p in ask(turn).prompts if p.kind == "name"] == ["mobile", "office"]
    turn = await dial(flow, turn, "")  # no choice: the callee's order
    assert said(ask(turn)) == ["pb-calling", "Alice Martin", "pb-star-to-cancel"]
    assert all("555" not in p.value for p in ask(turn).prompts)  # the number is never spoken
    turn = await dial(flow, turn, "")
    assert isinstance(turn.action, Connect)
    assert turn.action.number == "+12025550111"
    assert (turn.action.contact_id, turn.action.entry_id) == (ids["alice"], ids["alice_mobile"])
    (logged,) = await pb.calls.log(ids["caller"])  # the call is in the caller's log, ringing
    assert (logged.id, logged.status.value, logged.entry_label) == (
        turn.action.call_id,
        "ringing",
        "mobile",
    )


async def test_caller_can_pick_a_number_by_label(pb: Phonebook) -> None:
    await people(pb)
    flow = CallFlow(pb)
    turn = await dial(flow, await flow.start(CALLER, attested=True), "2542306", "2", "#")
    assert isinstance(turn.action, Connect) and turn.action.number == "+12025550112"


async def test_star_cancels_and_starts_over(pb: Phonebook) -> None:
    await people(pb)
    flow = CallFlow(pb)
    turn = await dial(flow, await flow.start(CALLER, attested=True), "25423", "1", "*")
    assert said(ask(turn)) == ["pb-cancelled", "pb-ask-name"]
    assert turn.state is not None and turn.state.phase == "name"


async def test_not_found_three_times_then_goodbye(pb: Phonebook) -> None:
    await people(pb)
    flow = CallFlow(pb)
    turn = await flow.start(CALLER, attested=True)
    turn = await dial(flow, turn, "99999")
    assert said(ask(turn)) == ["pb-not-found", "pb-ask-name"]
    turn = await dial(flow, turn, "", "99999")
    assert isinstance(turn.action, Finish) and turn.action.result == Result.NOT_FOUND


async def test_too_few_digits_and_silence_count_as_tries(pb: Phonebook) -> None:
    await people(pb)
    flow = CallFlow(pb)
    turn = await dial(flow, await flow.start(CALLER, attested=True), "25")
    assert said(ask(turn)) == ["pb-too-short", "pb-ask-name"]
    turn = await dial(flow, turn, "#")
    assert said(ask(turn)) == ["pb-no-input", "pb-ask-name"]
    turn = await dial(flow, turn, "")
    assert isinstance(turn.action, Finish) and turn.action.result == Result.NO_INPUT


async def test_several_matches_give_a_menu(pb: Phonebook) -> None:
    ids = await people(pb)
    flow = CallFlow(pb)
    turn = await dial(flow, await flow.start(CALLER, attested=True), "5646076484")  # john 0 smith
    prompts = ask(turn).prompts
    assert prompts[0] == Prompt("sound", "pb-several")
    assert [p.value for p in prompts if p.kind == "name"] == ["John Smith", "John Smith"]
    assert [p.value for p in prompts if p.kind == "digits"] == ["1", "2"]
    turn = await dial(flow, turn, "2", "1")
    assert isinstance(turn.action, Connect)
    assert turn.action.contact_id in (ids["john1"], ids["john2"])


async def test_chinese_name_by_pinyin_keys(pb: Phonebook) -> None:
    ids = await people(pb)
    flow = CallFlow(pb)
    turn = await dial(flow, await flow.start(CALLER, attested=True), "942640934#", "1")
    assert isinstance(turn.action, Connect)
    assert (turn.action.contact_id, turn.action.number) == (ids["zhang"], "+8613800138001")


async def test_a_blocked_caller_hears_not_found(pb: Phonebook) -> None:
    await people(pb)
    flow = CallFlow(pb)
    turn = await dial(flow, await flow.start(CALLER, attested=True), "23552")  # B-E-L-L-A
    assert said(ask(turn)) == ["pb-not-found", "pb-ask-name"]


async def test_grant_revoked_between_lookup_and_connect(pb: Phonebook) -> None:
    ids = await people(pb)
    flow = CallFlow(pb)
    turn = await dial(flow, await flow.start(CALLER, attested=True), "25423", "1")
    assert said(ask(turn))[0] == "pb-calling"
    await pb.cards.set_grant(ids["alice"], ids["alice_mobile"], ids["alice_family"], "hidden")
    turn = await dial(flow, turn, "")
    assert isinstance(turn.action, Finish) and turn.action.result == Result.UNAVAILABLE


async def test_unknown_caller_is_registered_and_hears_a_code(pb: Phonebook) -> None:
    flow = CallFlow(pb)
    turn = await flow.start("+12025550177", attested=True)
    prompts = ask(turn).prompts
    codes = [p.value for p in prompts if p.kind == "digits"]
    assert "pb-registered" in said(ask(turn)) and len(codes) == 2 and codes[0] == codes[1]
    assert said(ask(turn))[-1] == "pb-press-1-to-repeat"
    # a key pressed by mistake reads the code again; pound goes on to the name
    again = await flow.step(turn.state, Heard(digits="7"))  # type: ignore[arg-type]
    assert [p.value for p in ask(again).prompts if p.kind == "digits"] == codes
    on = await flow.step(again.state, Heard(digits="#"))  # type: ignore[arg-type]
    assert said(ask(on)) == ["pb-ask-name"]
    profile = await pb.callers.claim("+12025550177", codes[0], "Nina New", "long-enough")
    assert profile.name == "Nina New"


async def test_a_new_call_from_an_unclaimed_number_reads_a_code_again(pb: Phonebook) -> None:
    flow = CallFlow(pb)
    first = await flow.start("+12025550177", attested=True)
    second = await flow.start("+12025550177", attested=True)
    code_of = [next(p.value for p in ask(t).prompts if p.kind == "digits") for t in (first, second)]
    assert "pb-complete-online" in said(ask(second)) and code_of[0] != code_of[1]
    await pb.callers.claim("+12025550177", code_of[1], "Nina New", "long-enough")
    third = await flow.start("+12025550177", attested=True)  # completed: straight to the name
    assert said(ask(third)) == ["pb-welcome", "pb-ask-name"]


async def test_withheld_caller_id_is_refused(pb: Phonebook) -> None:
    turn = await CallFlow(pb).start("anonymous")
    assert isinstance(turn.action, Finish) and turn.action.result == Result.UNKNOWN_CALLER


async def test_state_survives_json_between_webhooks(pb: Phonebook) -> None:
    await people(pb)
    flow = CallFlow(pb)
    turn = await dial(flow, await flow.start(CALLER, attested=True), "5646076484")
    assert turn.state is not None
    carried = State.from_json(json.loads(json.dumps(turn.state.to_json())))
    assert carried == turn.state
    nxt = await flow.step(carried, Heard(digits="1"))
    assert said(ask(nxt))[0] == "pb-calling"


async def test_spoken_names_are_matched_too(pb: Phonebook) -> None:
    ids = await people(pb)
    flow = CallFlow(pb, speech=True)
    turn = await flow.start(CALLER, attested=True)
    assert ask(turn).speech and said(ask(turn))[-1] == "pb-ask-name-speech"
    turn = await flow.step(turn.state, Heard(speech="alice martin's"))  # type: ignore[arg-type]
    turn = await dial(flow, turn, "1", "")
    assert isinstance(turn.action, Connect) and turn.action.contact_id == ids["alice"]


async def test_ivr_lookups_are_audited_for_the_callee(pb: Phonebook) -> None:
    ids = await people(pb)
    flow = CallFlow(pb)
    await dial(flow, await flow.start(CALLER, attested=True), "25423")
    (record,) = await pb.directory.lookups_of(ids["alice"])
    assert (record.viewer_name, record.via) == ("Carl Caller", "ivr")


async def test_destinations_outside_the_country_allowlist_are_not_connected(
    engine: AsyncEngine, config: PhonebookConfig
) -> None:
    strict = Phonebook.build(engine, config, CallLimits(allowed_country_codes=frozenset({1})))
    await people(strict)
    flow = CallFlow(strict)
    turn = await dial(flow, await flow.start(CALLER, attested=True), "942640934#", "1")
    assert isinstance(turn.action, Finish) and turn.action.result == Result.UNAVAILABLE
