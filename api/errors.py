"""The one table from domain errors to HTTP: status code + the error's stable code."""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from phonebook.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PhonebookError,
    RateLimited,
    Unauthenticated,
    Unavailable,
)
from phonebook.tracebacks import outline

log = logging.getLogger("phonebridge.errors")

STATUS: dict[type[PhonebookError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    Conflict: 409,
    Unauthenticated: 401,
    Forbidden: 403,
    RateLimited: 429,
    Unavailable: 503,
}


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    return {"error": {"code": code, "message": message}}


def status_for(exc: PhonebookError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PhonebookError)
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, Unavailable):
        headers["Retry-After"] = "30"
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(
        error_body(exc.code, exc.message), status_code=status_for(exc), headers=headers
    )


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(p) for p in err['loc'] if p != 'body')}: {err['msg']}"
        for err in exc.errors()[:5]
    )
    return JSONResponse(error_body("invalid_request", problems or "Invalid request."), 422)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    codes = {
        404: "no_such_route",
        405: "method_not_allowed",
        413: "too_large",
    }
    headers = dict(exc.headers or {})
    if exc.status_code == 405 and (allowed := _allowed(request)):
        headers["Allow"] = allowed
    # a body that cannot be parsed (bad JSON or UTF-8, a form over its limits) is bad input
    # like any other: 422 invalid_request, not a bare 400
    status = 422 if exc.status_code == 400 else exc.status_code
    code = "invalid_request" if status == 422 else codes.get(status, "http_error")
    return JSONResponse(error_body(code, str(exc.detail)), status, headers=headers)


def _allowed(request: Request) -> str:
    """Every documented method of the path, not only those of the first route that matched
    it (FastAPI makes one route per method). Empty for a path the document does not list."""
    path = request.url.path
    for template, operations in request.app.openapi().get("paths", {}).items():
        if re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)), path):
            return ", ".join(sorted(m.upper() for m in operations))
    return ""


def internal_error(exc: BaseException, where: str) -> JSONResponse:
    """The answer to an exception nothing expected. Its message may quote SQL parameters (phone
    numbers): info-level logs get the traceback without messages, debug gets everything."""
    log.error("unexpected error in %s:\n%s", where, outline(exc))
    log.debug("unexpected error in %s", where, exc_info=exc)
    return JSONResponse(
        error_body("internal_error", "Something went wrong on our side; it has been logged."),
        500,
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # last resort (api.metrics answers first): an error raised outside the routes
    route = getattr(request.scope.get("route"), "path", "unmatched")
    return internal_error(exc, f"{request.scope.get('type', 'http')} {route}")


def install(app: FastAPI) -> None:
    app.add_exception_handler(PhonebookError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
