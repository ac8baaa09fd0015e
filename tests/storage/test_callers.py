"""Numbers proved, never assumed: claims, codes, calls from a number, PINs and registration on
first use (the seed's A1/A2), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from phonebook.app import Phonebook
from phonebook.callers import CLAIM_MAX_ATTEMPTS
from phonebook.config import PhonebookConfig
from phonebook.errors import PhoneTaken, RateLimited, Unauthenticated
from phonebook.ids import utcnow
from phonebook.store.engine import make_sessionmaker
from phonebook.store.tables import ClaimCodeRow, PhoneRow

HOLDER = "+12025550102"


@pytest.fixture
def strict(engine: AsyncEngine) -> Phonebook:
    """A phonebook where registration proves nothing (the production default)."""
    return Phonebook.build(engine, PhonebookConfig(auto_verify_phones=False))


async def test_unknown_number_is_nobody(pb: Phonebook) -> None:
    assert (await pb.callers.resolve("+12025550100")).holder is None
    assert (await pb.callers.resolve("anonymous")).e164 is None


async def test_a_squatters_claim_blocks_nobody_and_a_proof_drops_it(strict: Phonebook) -> None:
    squatter = await strict.accounts.register("Mallory", HOLDER, "long-enough")
    holder = await strict.accounts.register("Bob Real", HOLDER, "long-enough")  # no 409
    assert not squatter.phone.verified and not holder.phone.verified
    # calling in from the number does not verify anyone's claim
    info = await strict.callers.resolve(HOLDER)
    assert info.holder is None and info.pending
    issued = await strict.verification.issue(holder.id, HOLDER, "sms")
    profile = await strict.verification.confirm(holder.id, HOLDER, issued.code)
    assert profile.phone.verified
    assert not await strict.accounts.exists(squatter.id)  # never proved a number: gone
    with pytest.raises(PhoneTaken):  # a proved number is taken
        await strict.accounts.register("Eve", HOLDER, "long-enough")


async def test_wrong_codes_are_counted_and_a_code_cannot_verify_another_account(
    strict: Phonebook,
) -> None:
    squatter = await strict.accounts.register("Mallory", HOLDER, "long-enough")
    holder = await strict.accounts.register("Bob Real", HOLDER, "long-enough")
    issued = await strict.verification.issue(holder.id, HOLDER, "call")
    with pytest.raises(Unauthenticated):  # the holder's code is no good for the squatter
        await strict.verification.confirm(squatter.id, HOLDER, issued.code)
    wrong = "000000" if issued.code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            await strict.verification.confirm(holder.id, HOLDER, wrong)
    with pytest.raises((Unauthenticated, RateLimited)):  # spent, and the tries must wait
        await strict.verification.confirm(holder.id, HOLDER, issued.code)


async def test_unverified_claims_expire(strict: Phonebook, engine: AsyncEngine) -> None:
    squatter = await strict.accounts.register("Mallory", HOLDER, "long-enough")
    async with make_sessionmaker(engine).begin() as session:
        await session.execute(update(PhoneRow).values(claimed_at=utcnow().replace(year=2000)))
    assert (await strict.callers.resolve(HOLDER)).pending is False
    await strict.accounts.register("Bob Real", HOLDER, "long-enough")
    assert not await strict.accounts.exists(squatter.id)


async def test_sign_in_reaches_the_holder_not_a_later_claim(strict: Phonebook) -> None:
    holder = await strict.accounts.register("Bob Real", HOLDER, "holders-password")
    issued = await strict.verification.issue(holder.id, HOLDER, "sms")
    await strict.verification.confirm(holder.id, HOLDER, issued.code)
    with pytest.raises(PhoneTaken):
        await strict.accounts.register("Mallory", HOLDER, "mallorys-password")
    assert await strict.accounts.authenticate(HOLDER, "holders-password") == holder.id
    with pytest.raises(Unauthenticated):
        await strict.accounts.authenticate(HOLDER, "mallorys-password")


async def test_a_trusted_call_proves_a_claim_only_with_that_accounts_code(
    strict: Phonebook,
) -> None:
    squatter = await strict.accounts.register("Mallory", HOLDER, "long-enough")
    holder = await strict.accounts.register("Bob Real", HOLDER, "long-enough")
    code = (await strict.verification.issue(holder.id, HOLDER, "callin")).code
    assert await strict.callers.prove(HOLDER, "99999999") is None  # a guess proves nothing
    caller = await strict.callers.prove(HOLDER, code)
    assert caller is not None and caller.account_id == holder.id
    assert (await strict.callers.resolve(HOLDER)).holder == holder.id
    assert not await strict.accounts.exists(squatter.id)


async def test_a_pin_proves_a_claim_too_and_wrong_pins_lock_with_an_audit_entry(
    strict: Phonebook,
) -> None:
    holder = await strict.accounts.register("Bob Real", HOLDER, "long-enough")
    await strict.pins.set(holder.id, "482916")
    caller = await strict.callers.prove(HOLDER, "482916")
    assert caller is not None and caller.account_id == holder.id
    for _ in range(3):
        assert not await strict.pins.check(holder.id, "111222", "+12025550999", "ivr")
    with pytest.raises(RateLimited):  # even the right PIN must wait now
        await strict.pins.check(holder.id, "482916", "+12025550999", "ivr")
    kinds = [e.kind for e in await strict.pins.audit(holder.id)]
    assert kinds[0] == "pin_locked" and "pin_set" in kinds and "phone_verified" in kinds


async def test_trusted_first_call_holds_the_number_untrusted_only_claims_it(
    strict: Phonebook,
) -> None:
    spoofed = await strict.callers.register(HOLDER, verified=False)
    assert (await strict.callers.resolve(HOLDER)).holder is None
    again = await strict.callers.register(HOLDER, verified=False)  # the same claim, new code
    assert again.account_id == spoofed.account_id and again.claim_code != spoofed.claim_code
    real = await strict.callers.register(HOLDER, verified=True)
    assert (await strict.callers.resolve(HOLDER)).holder == real.account_id
    assert not await strict.accounts.exists(spoofed.account_id)
    with pytest.raises(PhoneTaken):
        await strict.callers.register(HOLDER, verified=True)


async def test_register_on_first_use_then_claim_on_the_web(pb: Phonebook) -> None:
    caller = await pb.callers.register("+12025550100", verified=True)
    assert caller.claim_code is not None and len(caller.claim_code) == 6
    info = await pb.callers.resolve("+12025550100")
    assert info.holder == caller.account_id and not info.claimed
    renewed = await pb.callers.renew_code(caller.account_id)  # a new call reads a new code
    assert renewed is not None
    with pytest.raises(Unauthenticated):  # the earlier code was replaced
        await pb.callers.claim("+12025550100", caller.claim_code, "Mallory", "long-enough")
    profile = await pb.callers.claim("+12025550100", renewed, "Dana Lee", "long-enough")
    assert profile.name == "Dana Lee" and profile.phone.verified
    assert await pb.accounts.authenticate("+12025550100", "long-enough") == caller.account_id
    assert await pb.callers.renew_code(caller.account_id) is None  # completed: no more codes
    with pytest.raises(Unauthenticated):  # a code works once
        await pb.callers.claim("+12025550100", renewed, "Mallory", "long-enough")


async def test_wrong_claim_codes_are_counted_and_then_the_code_is_spent(pb: Phonebook) -> None:
    caller = await pb.callers.register("+12025550100", verified=True)
    assert caller.claim_code is not None
    wrong = "000000" if caller.claim_code != "000000" else "111111"
    for _ in range(CLAIM_MAX_ATTEMPTS):
        with pytest.raises(Unauthenticated):
            await pb.callers.claim("+12025550100", wrong, "Mallory", "long-enough")
    with pytest.raises((Unauthenticated, RateLimited)):  # even the right code is refused now
        await pb.callers.claim("+12025550100", caller.claim_code, "Dana", "long-enough")


async def test_expired_claim_codes_are_refused(pb: Phonebook, engine: AsyncEngine) -> None:
    caller = await pb.callers.register("+12025550100", verified=True)
    assert caller.claim_code is not None
    async with make_sessionmaker(engine).begin() as session:
        await session.execute(update(ClaimCodeRow).values(expires_at=utcnow().replace(year=2000)))
    with pytest.raises(Unauthenticated):
        await pb.callers.claim("+12025550100", caller.claim_code, "Dana", "long-enough")
