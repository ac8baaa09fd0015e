"""Request limits, enforced before anything parses a request.

Bodies are counted while they stream (a chunked body has no Content-Length, and reading it
whole first once took the server from 191 MB to 1.1 GB for good), headers are bounded twice:
by uvicorn's h11 parser (the request head, before the app sees it) and here in size and count
with a JSON answer. Twilio's form posts get their own field limits where they are parsed
(bridge/twilio/webhooks.py)."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body

MAX_HEADER_BYTES = 16 * 1024  # names and values together: ample for bearer tokens, signatures
MAX_HEADERS = 100
# passed to uvicorn.Config by `phonebridge serve`: h11 refuses a request head over this size
UVICORN_LIMITS: dict[str, Any] = {"http": "h11", "h11_max_incomplete_event_size": 32 * 1024}


class RequestLimits:
    """Pure ASGI middleware: 431 for oversized headers, 413 for a body over ``max_body_bytes``,
    whether its Content-Length says so up front or its chunks add up to it while streaming."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        header_bytes = sum(len(k) + len(v) for k, v in headers)
        if len(headers) > MAX_HEADERS or header_bytes > MAX_HEADER_BYTES:
            message = f"Headers are at most {MAX_HEADERS} lines and {MAX_HEADER_BYTES} bytes."
            await JSONResponse(error_body("headers_too_large", message), 431)(scope, receive, send)
            return
        too_large = f"Bodies are at most {self.max_body_bytes} bytes."
        length = next((v for k, v in headers if k == b"content-length"), None)
        if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
            await JSONResponse(error_body("too_large", too_large), 413)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    # raised inside the reader (FastAPI's body parsing, request.form()): the
                    # exception handlers answer 413 too_large and nothing more is read
                    raise HTTPException(413, too_large)
            return message

        await self.app(scope, counted, send)
