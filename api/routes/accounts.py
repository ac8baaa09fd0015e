from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from api.auth import ClientDep, ConfigDep, PhonebookDep, issue_token
from api.schemas import AccountIn, AccountOut, ClaimIn, TokenOut

router = APIRouter(prefix="/v1", tags=["accounts"])


@router.post("/accounts", status_code=201, response_model=AccountOut)
async def register(
    body: AccountIn, pb: PhonebookDep, config: ConfigDep, client: ClientDep
) -> AccountOut:
    """Register with a number you will prove (POST /v1/me/phones/{phone}/verification): until
    then the number is only a claim, and someone else's claim never stops yours."""
    profile = await pb.accounts.register(body.name, body.phone, body.password, client)
    return AccountOut.of(profile, issue_token(config, profile.id))


@router.post("/accounts/claim", response_model=AccountOut)
async def claim(
    body: ClaimIn, pb: PhonebookDep, config: ConfigDep, client: ClientDep
) -> AccountOut:
    """Complete an account that was registered on a call, with the code read to the caller."""
    profile = await pb.callers.claim(body.phone, body.code, body.name, body.password, client)
    return AccountOut.of(profile, issue_token(config, profile.id))


@router.post("/auth/token", response_model=TokenOut)
async def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    pb: PhonebookDep,
    config: ConfigDep,
    client: ClientDep,
) -> TokenOut:
    """Limited per number and per client address before the password is even hashed: 429
    with Retry-After, waits growing with each try."""
    account_id = await pb.accounts.authenticate(form.username, form.password, client)
    return TokenOut(access_token=issue_token(config, account_id))
