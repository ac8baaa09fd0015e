"""Bearer tokens: signed JWTs naming the account. Nothing about the token is trusted until
the signature and expiry check out and the account still exists."""

from __future__ import annotations

from datetime import timedelta
from ipaddress import ip_address
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


def token_expiry(config: ApiConfig, token: str) -> float:
    """When a token (already checked by ``read_token``) expires, in seconds since the epoch."""
    claims = jwt.decode(token, config.secret_key, algorithms=[_ALGORITHM])
    return float(claims["exp"])


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
BearerToken = Annotated[str | None, Depends(_bearer)]


def client_address(request: Request, config: ConfigDep) -> str | None:
    """Who is asking, for per-address limits: the socket's peer; behind a trusted proxy, the
    right-most X-Forwarded-For address that is not itself a trusted proxy (anything left of
    it was written by the client and proves nothing)."""
    peer = request.client.host if request.client else None
    if not peer or not config.trusted_proxies or not _trusted(peer, config):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _trusted(hop, config):
            return hop if _is_ip(hop) else peer
    return peer


def _is_ip(text: str) -> bool:
    try:
        ip_address(text)
    except ValueError:
        return False
    return True


def _trusted(address: str, config: ApiConfig) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in config.trusted_proxies)


ClientDep = Annotated[str | None, Depends(client_address)]
