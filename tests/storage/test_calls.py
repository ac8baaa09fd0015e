"""Placing calls on SQLite and PostgreSQL: only granted numbers, guards before anything rings."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from phonebook.app import Phonebook
from phonebook.calls import CallLimits, CallStatus
from phonebook.config import PhonebookConfig
from phonebook.errors import Forbidden, NotFound, RateLimited
from phonebook.model import PUBLIC


async def setup(pb: Phonebook) -> dict[str, str]:
    caller = (await pb.accounts.register("Carl Caller", "+12025550100", None)).id
    alice = (await pb.accounts.register("Alice Martin", "+12025550101", None)).id
    family = await pb.circles.create(alice, "family")
    await pb.circles.add_member(alice, family.id, "+12025550100")
    mobile = await pb.cards.add(alice, "phone", "mobile", "+12025550111", {family.id: "callable"})
    office = await pb.cards.add(alice, "phone", "office", "+12025550112", {family.id: "visible"})
    hidden = await pb.cards.add(alice, "phone", "home", "+12025550113")
    berlin = await pb.cards.add(alice, "phone", "berlin", "+4930123456", {PUBLIC: "callable"})
    return {
        "caller": caller,
        "alice": alice,
        "family": family.id,
        "mobile": mobile.id,
        "office": office.id,
        "hidden": hidden.id,
        "berlin": berlin.id,
    }


def build(engine: AsyncEngine, **limits: object) -> Phonebook:
    return Phonebook.build(engine, PhonebookConfig(auto_verify_phones=True), CallLimits(**limits))  # type: ignore[arg-type]


async def test_place_picks_the_callees_first_callable_number(engine: AsyncEngine) -> None:
    pb = build(engine)
    ids = await setup(pb)
    call, ring_first = await pb.calls.place(ids["caller"], ids["alice"], None, "asterisk")
    assert ring_first == "+12025550100"
    assert (call.status, call.entry_id, call.callee_name, call.entry_label) == (
        CallStatus.QUEUED,
        ids["mobile"],
        "Alice Martin",
        "mobile",
    )
    dest = await pb.calls.destination(call.id)
    assert dest.number == "+12025550111" and dest.max_seconds == 3600
    (logged,) = await pb.calls.log(ids["caller"])
    assert logged.id == call.id


async def test_only_granted_entries_can_be_called(engine: AsyncEngine) -> None:
    pb = build(engine, per_minute=100, concurrent_per_caller=100)
    ids = await setup(pb)
    with pytest.raises(NotFound):
        await pb.calls.place(ids["caller"], ids["alice"], ids["hidden"], "asterisk")
    with pytest.raises(NotFound):  # not a contact of the caller at all
        await pb.calls.place(ids["alice"], ids["caller"], None, "asterisk")
    call, _ = await pb.calls.place(ids["caller"], ids["alice"], ids["office"], "asterisk")
    assert call.entry_label == "office"


async def test_the_grant_is_checked_again_at_connect_time(engine: AsyncEngine) -> None:
    pb = build(engine)
    ids = await setup(pb)
    call, _ = await pb.calls.place(ids["caller"], ids["alice"], ids["mobile"], "asterisk")
    await pb.cards.set_grant(ids["alice"], ids["mobile"], ids["family"], "hidden")
    with pytest.raises(NotFound):
        await pb.calls.destination(call.id)


async def test_countries_outside_the_allowlist_are_refused(engine: AsyncEngine) -> None:
    pb = build(engine)
    ids = await setup(pb)
    with pytest.raises(Forbidden) as err:
        await pb.calls.place(ids["caller"], ids["alice"], ids["berlin"], "asterisk")
    assert err.value.code == "destination_not_allowed"
    assert await pb.calls.log(ids["caller"]) == []
    allowed = build(engine, allowed_country_codes=frozenset({1, 49}))
    call, _ = await allowed.calls.place(ids["caller"], ids["alice"], ids["berlin"], "asterisk")
    assert (await allowed.calls.destination(call.id)).number == "+4930123456"


async def test_concurrent_and_per_minute_limits(engine: AsyncEngine) -> None:
    pb = build(engine, per_minute=2, concurrent_per_caller=1)
    ids = await setup(pb)
    first, _ = await pb.calls.place(ids["caller"], ids["alice"], None, "asterisk")
    with pytest.raises(RateLimited):  # one call at a time
        await pb.calls.place(ids["caller"], ids["alice"], None, "asterisk")
    await pb.calls.update(first.id, CallStatus.FAILED, "test")
    await pb.calls.place(ids["caller"], ids["alice"], None, "asterisk")
    with pytest.raises(RateLimited):  # third call in a minute
        await pb.calls.place(ids["caller"], ids["alice"], None, "asterisk")
    assert len(await pb.calls.log(ids["caller"])) == 2


async def test_updates_follow_the_status_machine(engine: AsyncEngine) -> None:
    pb = build(engine)
    ids = await setup(pb)
    call, _ = await pb.calls.place(ids["caller"], ids["alice"], None, "asterisk")
    await pb.calls.update(call.id, CallStatus.RINGING, provider_ref="1795463798.29")
    await pb.calls.update(call.id, CallStatus.CONNECTED)
    await pb.calls.update(call.id, CallStatus.RINGING)  # late event
    done = await pb.calls.update(call.id, CallStatus.COMPLETED, "16 Normal Clearing")
    assert done is not None and (done.status, done.reason) == (
        CallStatus.COMPLETED,
        "16 Normal Clearing",
    )
    assert (await pb.calls.by_ref("asterisk", "1795463798.29")) == done
    with pytest.raises(NotFound):  # a finished call has no destination any more
        await pb.calls.destination(call.id)
    with pytest.raises(NotFound):  # and nobody else sees it
        await pb.calls.get(ids["alice"], call.id)


async def test_unverified_callers_cannot_place_calls(engine: AsyncEngine) -> None:
    limits = CallLimits(allowed_country_codes=frozenset({1, 49}))
    pb = Phonebook.build(engine, PhonebookConfig(auto_verify_phones=False), limits)
    ids = await setup(pb)
    with pytest.raises(NotFound):  # unverified: no circle membership, so no family grant
        await pb.calls.place(ids["caller"], ids["alice"], ids["mobile"], "asterisk")
    with pytest.raises(Forbidden) as err:  # the public number is reachable, but not from here
        await pb.calls.place(ids["caller"], ids["alice"], None, "asterisk")
    assert err.value.code == "phone_not_verified"
