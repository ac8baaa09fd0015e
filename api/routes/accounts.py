from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from api.auth import ConfigDep, PhonebookDep, issue_token
from api.schemas import AccountIn, AccountOut, ClaimIn, TokenOut

router = APIRouter(prefix="/v1", tags=["accounts"])


@router.post("/accounts", status_code=201, response_model=AccountOut)
async def register(body: AccountIn, pb: PhonebookDep, config: ConfigDep) -> AccountOut:
    profile = await pb.accounts.register(body.name, body.phone, body.password)
    return AccountOut.of(profile, issue_token(config, profile.id))


@router.post("/accounts/claim", response_model=AccountOut)
async def claim(body: ClaimIn, pb: PhonebookDep, config: ConfigDep) -> AccountOut:
    """Complete an account that was registered on a call, with the code read to the caller."""
    profile = await pb.accounts.claim(body.phone, body.code, body.name, body.password)
    return AccountOut.of(profile, issue_token(config, profile.id))


@router.post("/auth/token", response_model=TokenOut)
async def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], pb: PhonebookDep, config: ConfigDep
) -> TokenOut:
    account_id = await pb.accounts.authenticate(form.username, form.password)
    return TokenOut(access_token=issue_token(config, account_id))
