"""The OpenAPI document, made to tell the truth: every error status an operation can answer,
in the one error format, with its stable codes; /metrics as text; Twilio's answers as XML.

FastAPI documents the success responses from the routes; the error statuses are added here,
from one table, so the routes stay thin and the error codes are listed in one place (the
README's list is the same)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api.schemas import ErrorOut

Codes = dict[int, list[str]]

# What each operation can answer besides success, validation (422 invalid_request wherever
# there are parameters or a body), authentication (401 wherever a token is needed) and the
# request limits (413, 431: every operation).
_ME = "/v1/me"
ERRORS: dict[tuple[str, str], Codes] = {
    ("POST", "/v1/accounts"): {
        409: ["phone_taken"],
        422: ["invalid_input", "invalid_phone"],
        429: ["rate_limited"],
    },
    ("POST", "/v1/accounts/claim"): {
        401: ["unauthenticated"],
        422: ["invalid_input", "invalid_phone"],
        429: ["rate_limited"],
    },
    ("POST", "/v1/auth/token"): {401: ["unauthenticated"], 429: ["rate_limited"]},
    ("POST", f"{_ME}/phones/{{phone}}/verification"): {
        404: ["phone_not_found"],
        409: ["phone_verified", "phone_taken"],
        422: ["invalid_phone"],
        429: ["rate_limited"],
        503: ["telephony_unavailable"],
    },
    ("POST", f"{_ME}/phones/{{phone}}/verify"): {
        404: ["phone_not_found"],
        409: ["phone_verified", "phone_taken"],
        422: ["invalid_phone"],
        429: ["rate_limited"],
    },
    ("PUT", f"{_ME}/pin"): {422: ["invalid_pin"]},
    ("PATCH", _ME): {422: ["invalid_input"]},
    ("POST", f"{_ME}/entries"): {
        404: ["circle_not_found"],
        422: ["invalid_input", "invalid_phone"],
    },
    ("PATCH", f"{_ME}/entries/{{entry_id}}"): {
        404: ["entry_not_found"],
        422: ["invalid_input", "invalid_phone"],
    },
    ("DELETE", f"{_ME}/entries/{{entry_id}}"): {404: ["entry_not_found"]},
    ("PUT", f"{_ME}/entries/{{entry_id}}/grants/{{audience}}"): {
        404: ["entry_not_found", "circle_not_found"],
        422: ["invalid_input"],
    },
    ("POST", f"{_ME}/circles"): {409: ["circle_exists"], 422: ["invalid_input"]},
    ("PATCH", f"{_ME}/circles/{{circle_id}}"): {
        404: ["circle_not_found"],
        409: ["circle_exists"],
        422: ["invalid_input"],
    },
    ("DELETE", f"{_ME}/circles/{{circle_id}}"): {404: ["circle_not_found"]},
    ("PUT", f"{_ME}/circles/{{circle_id}}/members/{{phone}}"): {
        404: ["circle_not_found"],
        422: ["invalid_phone", "invalid_input"],
    },
    ("DELETE", f"{_ME}/circles/{{circle_id}}/members/{{phone}}"): {
        404: ["circle_not_found"],
        422: ["invalid_phone"],
    },
    ("PUT", f"{_ME}/blocks/{{phone}}"): {422: ["invalid_phone"]},
    ("DELETE", f"{_ME}/blocks/{{phone}}"): {422: ["invalid_phone"]},
    ("GET", f"{_ME}/phonebook"): {422: ["invalid_token"]},
    ("GET", f"{_ME}/phonebook/events"): {422: ["invalid_token"]},
    ("PUT", f"{_ME}/card.vcf"): {422: ["invalid_vcard"]},
    ("POST", f"{_ME}/app-passwords"): {422: ["invalid_input"]},
    ("DELETE", f"{_ME}/app-passwords/{{password_id}}"): {404: ["app_password_not_found"]},
    ("GET", "/v1/lookup"): {404: ["not_found"], 422: ["invalid_query"], 429: ["rate_limited"]},
    ("GET", f"{_ME}/preview"): {404: ["not_found"], 422: ["invalid_phone"]},
    ("POST", "/v1/calls"): {
        403: ["phone_not_verified", "destination_not_allowed"],
        404: ["not_found"],
        429: ["rate_limited"],
        503: ["telephony_unavailable"],
    },
    ("GET", "/v1/calls/{call_id}"): {404: ["call_not_found"]},
}
_TWILIO_ONCE = {503: ["delivery_in_progress"]}  # a repeated delivery still being answered
TWILIO: dict[str, Codes] = {
    "/twilio/voice": _TWILIO_ONCE,
    "/twilio/gather": _TWILIO_ONCE,
    "/twilio/connect": _TWILIO_ONCE,
    "/twilio/dial-status": _TWILIO_ONCE,
    "/twilio/callee-status": {},
    "/twilio/call-status": {},
}
_HEADERS = {
    401: {"WWW-Authenticate": "Bearer"},
    429: {"Retry-After": "seconds to wait"},
    503: {"Retry-After": "seconds to wait"},
}
_TITLES = {
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    413: "Body too large",
    422: "Invalid request",
    429: "Too many requests",
    431: "Headers too large",
    503: "Unavailable",
}


def _error(status: int, codes: list[str]) -> dict[str, Any]:
    listed = ", ".join(f"`{c}`" for c in sorted(set(codes)))
    response: dict[str, Any] = {
        "description": f"{_TITLES[status]}. Error codes: {listed}.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if status in _HEADERS:
        name, text = next(iter(_HEADERS[status].items()))
        response["headers"] = {
            name: {"description": text, "required": True, "schema": {"type": "string"}}
        }
    return response


def _errors_of(method: str, path: str, operation: dict[str, Any]) -> Codes:
    codes: Codes = {413: ["too_large"], 431: ["headers_too_large"]}
    if operation.get("parameters") or operation.get("requestBody"):
        codes[422] = ["invalid_request"]
    if operation.get("security"):
        codes[401] = ["unauthenticated"]
    specific = TWILIO.get(path) if path.startswith("/twilio/") else ERRORS.get((method, path))
    if path.startswith("/twilio/"):
        specific = {**(specific or {}), 403: ["bad_signature"], 422: ["invalid_request"]}
    for status, more in (specific or {}).items():
        codes[status] = [*codes.get(status, []), *more]
    return codes


def _special(path: str, method: str, operation: dict[str, Any]) -> None:
    """Success answers FastAPI cannot see: plain text, XML, and the health check's own 503."""
    ok = operation["responses"].get("200")
    if path == "/metrics" and ok:
        ok["content"] = {"text/plain": {"schema": {"type": "string"}}}
    if path == "/healthz" and ok:
        health = {
            "type": "object",
            "required": ["status", "database"],
            "properties": {"status": {"type": "string"}, "database": {"type": "string"}},
        }
        ok["content"] = {"application/json": {"schema": health}}
        operation["responses"]["503"] = {
            "description": "The database cannot be reached.",
            "content": {"application/json": {"schema": health}},
        }
    if path.startswith("/twilio/") and ok:
        ok["content"] = {"application/xml": {"schema": {"type": "string"}}}
    if path.startswith("/twilio/") and "204" in operation["responses"]:
        operation["responses"]["204"].pop("content", None)


def document(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document, made once."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schemas["Error"].pop("$defs", {}))
    for name in ("HTTPValidationError", "ValidationError"):  # never answered: we use Error
        schemas.pop(name, None)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            _special(path, method.upper(), operation)
            for status, codes in sorted(_errors_of(method.upper(), path, operation).items()):
                operation["responses"][str(status)] = _error(status, codes)
    app.openapi_schema = schema
    return schema
