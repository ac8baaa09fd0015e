"""Callers identified by caller ID, and registration on first use (the seed's A1/A2)."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from phonebook.accounts import CLAIM_MAX_ATTEMPTS
from phonebook.app import Phonebook
from phonebook.config import PhonebookConfig
from phonebook.errors import PhoneTaken, Unauthenticated
from phonebook.ids import utcnow
from phonebook.store.engine import make_sessionmaker
from phonebook.store.tables import ClaimCodeRow


async def test_unknown_number_is_nobody(pb: Phonebook) -> None:
    assert await pb.accounts.identify_caller("+12025550100") is None
    assert await pb.accounts.identify_caller("anonymous") is None


async def test_calling_in_verifies_an_unverified_number(engine: AsyncEngine) -> None:
    pb = Phonebook.build(engine, PhonebookConfig(auto_verify_phones=False))
    profile = await pb.accounts.register("Bob", "+12025550102", "long-enough")
    assert not profile.phone.verified
    caller = await pb.accounts.identify_caller("+1 202 555 0102")
    assert caller is not None and caller.account_id == profile.id and caller.claim_code is None
    assert (await pb.accounts.profile(profile.id)).phone.verified


async def test_register_on_first_use_then_claim_on_the_web(pb: Phonebook) -> None:
    caller = await pb.accounts.register_caller("+12025550100")
    assert caller.claim_code is not None and len(caller.claim_code) == 6
    again = await pb.accounts.identify_caller("+12025550100")
    assert again is not None and again.account_id == caller.account_id
    with pytest.raises(PhoneTaken):
        await pb.accounts.register_caller("+12025550100")

    profile = await pb.accounts.claim("+12025550100", caller.claim_code, "Dana Lee", "long-enough")
    assert profile.name == "Dana Lee" and profile.phone.verified
    assert await pb.accounts.authenticate("+12025550100", "long-enough") == caller.account_id
    with pytest.raises(Unauthenticated):  # a code works once
        await pb.accounts.claim("+12025550100", caller.claim_code, "Mallory", "long-enough")


async def test_wrong_codes_are_counted_and_then_the_code_is_spent(pb: Phonebook) -> None:
    caller = await pb.accounts.register_caller("+12025550100")
    assert caller.claim_code is not None
    wrong = "000000" if caller.claim_code != "000000" else "111111"
    for _ in range(CLAIM_MAX_ATTEMPTS):
        with pytest.raises(Unauthenticated):
            await pb.accounts.claim("+12025550100", wrong, "Mallory", "long-enough")
    with pytest.raises(Unauthenticated):  # even the right code is refused now
        await pb.accounts.claim("+12025550100", caller.claim_code, "Dana", "long-enough")


async def test_expired_codes_are_refused(pb: Phonebook, engine: AsyncEngine) -> None:
    caller = await pb.accounts.register_caller("+12025550100")
    assert caller.claim_code is not None
    async with make_sessionmaker(engine).begin() as session:
        await session.execute(update(ClaimCodeRow).values(expires_at=utcnow().replace(year=2000)))
    with pytest.raises(Unauthenticated):
        await pb.accounts.claim("+12025550100", caller.claim_code, "Dana", "long-enough")
