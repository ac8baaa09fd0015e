"""Repeated webhook deliveries: one token, one piece of work, one answer — even when the
deliveries arrive at once; tokens of any length; a token bound to its endpoint; old deliveries
purged; form posts limited."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from phonebook.app import Phonebook
from phonebook.deliveries import Deliveries, digest
from phonebook.errors import Unavailable
from phonebook.ids import utcnow
from phonebook.store.engine import make_sessionmaker
from phonebook.store.tables import DeliveryRow
from tests.twilio.conftest import Twilio
from tests.twilio.test_webhooks import form


async def test_simultaneous_deliveries_of_one_token_do_the_work_once(
    twilio: Twilio, pb: Phonebook
) -> None:
    headers = {"I-Twilio-Idempotency-Token": "RE" + "9" * 32}
    answers = await asyncio.gather(
        *(
            twilio.post("/twilio/voice", form(From="+12025550177"), headers=headers)
            for _ in range(8)
        )
    )
    assert {r.status_code for r in answers} == {200}
    assert len({r.text for r in answers}) == 1  # one answer, so one registration code
    assert "registered" in answers[0].text
    assert (await pb.callers.resolve("+12025550177")).holder is not None


async def test_tokens_of_any_length_work(twilio: Twilio) -> None:
    headers = {"I-Twilio-Idempotency-Token": "t" * 5000}
    first = await twilio.post("/twilio/voice", form(From="+12025550177"), headers=headers)
    again = await twilio.post("/twilio/voice", form(From="+12025550177"), headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.text == again.text and "registered" in first.text


async def test_a_token_is_bound_to_its_endpoint(twilio: Twilio) -> None:
    headers = {"I-Twilio-Idempotency-Token": "same-token"}
    voice = await twilio.post("/twilio/voice", form(From="+12025550177"), headers=headers)
    status = await twilio.post(
        "/twilio/dial-status?call=" + "0" * 32, form(DialCallStatus="busy"), headers=headers
    )
    assert voice.status_code == status.status_code == 200
    assert status.text != voice.text  # not the voice answer replayed on another endpoint


async def test_twilio_form_posts_are_limited(twilio: Twilio) -> None:
    many = {f"F{i}": "x" for i in range(300)}
    too_many = await twilio.post("/twilio/voice", form(**many))
    too_long = await twilio.post("/twilio/voice", form(SpeechResult="x" * 10_000))
    with_file = await twilio.http.post(
        "/twilio/voice",
        data=form(),
        files={"f": ("a.txt", b"hello")},
        headers={"X-Twilio-Signature": "x"},
    )
    for r in (too_many, too_long, with_file):
        assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_request")


async def test_a_delivery_still_being_answered_is_a_retryable_error(engine: AsyncEngine) -> None:
    deliveries = Deliveries(make_sessionmaker(engine), wait_s=0.2)
    release = asyncio.Event()
    runs = 0

    async def slow() -> str:
        nonlocal runs
        runs += 1
        await release.wait()
        return "<Response/>"

    first = asyncio.create_task(deliveries.once("k", slow))
    while runs == 0:
        await asyncio.sleep(0.01)
    with pytest.raises(Unavailable) as waiting:
        await deliveries.once("k", slow)
    assert waiting.value.code == "delivery_in_progress"
    release.set()
    assert await first == "<Response/>"
    assert await deliveries.once("k", slow) == "<Response/>" and runs == 1


async def test_failed_work_can_be_delivered_again(pb: Phonebook) -> None:
    async def broken() -> str:
        raise RuntimeError("database away")

    with pytest.raises(RuntimeError):
        await pb.deliveries.once("k", broken)

    async def works() -> str:
        return "<Response>ok</Response>"

    assert await pb.deliveries.once("k", works) == "<Response>ok</Response>"


async def test_old_deliveries_are_purged_and_abandoned_claims_taken_over(
    pb: Phonebook, engine: AsyncEngine
) -> None:
    sessions = make_sessionmaker(engine)
    async with sessions.begin() as session:
        session.add(
            DeliveryRow(key=digest("old"), response="x", created_at=utcnow() - timedelta(days=3))
        )
        session.add(DeliveryRow(key=digest("new"), response="y", created_at=utcnow()))
        session.add(  # a worker that died ten minutes ago, mid-answer
            DeliveryRow(
                key=digest("dead"), response=None, created_at=utcnow() - timedelta(minutes=10)
            )
        )
    purge = asyncio.create_task(pb.deliveries.purge_periodically(every_s=3600))
    for _ in range(500):  # the first purge runs at once
        async with sessions() as session:
            keys = set(await session.scalars(select(DeliveryRow.key)))
        if digest("old") not in keys:
            break
        await asyncio.sleep(0.01)
    purge.cancel()
    assert keys == {digest("new"), digest("dead")}

    async def redo() -> str:
        return "<Response>redone</Response>"

    assert await pb.deliveries.once("dead", redo) == "<Response>redone</Response>"
