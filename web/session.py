"""The sign-in cookie and CSRF tokens.

The session cookie holds the same signed, expiring token the v1 API issues (``api.auth``), so
the page and the API prove identity one way. It is HttpOnly, SameSite=Lax, and Secure
whenever the request came over https (uvicorn honours X-Forwarded-Proto from the proxy).

CSRF: a random ``pb_csrf`` cookie, and in every form an HMAC of it under the app's secret key
(a signed double-submit token). A cross-site page can neither read the cookie nor forge the
HMAC; SameSite=Lax keeps the session cookie off cross-site POSTs as a second line."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "pb_session"
CSRF_COOKIE = "pb_csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_COOKIE_SECONDS = 60 * 60 * 24 * 30


class SignInRequired(Exception):
    """The page needs a signed-in person; the handler sends them to the sign-in form."""


class CsrfFailed(Exception):
    """A mutation without a valid CSRF token: refused before anything is read or written."""


def new_csrf_secret() -> str:
    return secrets.token_urlsafe(32)


def csrf_token(secret_key: str, cookie: str) -> str:
    return hmac.new(secret_key.encode(), f"csrf|{cookie}".encode(), hashlib.sha256).hexdigest()


def check_csrf(secret_key: str, request: Request, submitted: str | None) -> None:
    cookie = request.cookies.get(CSRF_COOKIE)
    token = submitted or request.headers.get(CSRF_HEADER)
    if not cookie or not token:
        raise CsrfFailed
    if not hmac.compare_digest(csrf_token(secret_key, cookie), token):
        raise CsrfFailed


def set_cookie(
    response: Response, request: Request, name: str, value: str, max_age: int | None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        secure=request.url.scheme == "https",
        samesite="lax",
    )


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(
        name, path="/", httponly=True, secure=request.url.scheme == "https", samesite="lax"
    )
