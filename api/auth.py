"""Bearer tokens: signed JWTs naming the account. Nothing about the token is trusted until
the signature and expiry check out and the account still exists."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from api.config import ApiConfig
from phonebook.app import Phonebook
from phonebook.errors import Unauthenticated
from phonebook.ids import utcnow

_ALGORITHM = "HS256"
_bearer = OAuth2PasswordBearer(tokenUrl="/v1/auth/token", auto_error=False)


def issue_token(config: ApiConfig, account_id: str) -> str:
    now = utcnow()
    claims = {"sub": account_id, "iat": now, "exp": now + timedelta(minutes=config.token_minutes)}
    return jwt.encode(claims, config.secret_key, algorithm=_ALGORITHM)


def read_token(config: ApiConfig, token: str) -> str:
    try:
        claims = jwt.decode(
            token, config.secret_key, algorithms=[_ALGORITHM], options={"require": ["sub", "exp"]}
        )
    except jwt.PyJWTError:
        raise Unauthenticated("Sign in again: the token is invalid or expired.") from None
    return str(claims["sub"])


def phonebook_of(request: Request) -> Phonebook:
    pb: Phonebook = request.app.state.phonebook
    return pb


def config_of(request: Request) -> ApiConfig:
    config: ApiConfig = request.app.state.config
    return config


PhonebookDep = Annotated[Phonebook, Depends(phonebook_of)]
ConfigDep = Annotated[ApiConfig, Depends(config_of)]


async def current_account(
    token: Annotated[str | None, Depends(_bearer)], config: ConfigDep, pb: PhonebookDep
) -> str:
    if not token:
        raise Unauthenticated("Sign in: this needs a bearer token.")
    account_id = read_token(config, token)
    if not await pb.accounts.exists(account_id):
        raise Unauthenticated("This account no longer exists.")
    return account_id


Me = Annotated[str, Depends(current_account)]
