"""The FastAPI application. Built by ``create_app`` from parts the composition root made."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.responses import Response

from api import errors
from api.config import ApiConfig
from api.metrics import Metrics
from api.routes import accounts, calls, directory, health, me
from api.routes import twilio as twilio_routes
from bridge.originator import ClickToCall
from bridge.twilio.voice import TwilioVoice
from phonebook.app import Phonebook


def create_app(
    phonebook: Phonebook,
    engine: AsyncEngine,
    config: ApiConfig,
    click_to_call: ClickToCall | None = None,
    twilio: TwilioVoice | None = None,
    metrics: Metrics | None = None,  # in the runtime's registry, next to the bridge's
) -> FastAPI:
    app = FastAPI(
        title="PhoneBridge",
        version="1",
        description="Call people by name through a phonebook each person keeps for themselves.",
    )
    app.state.phonebook = phonebook
    app.state.engine = engine
    app.state.config = config
    app.state.click_to_call = click_to_call
    app.state.twilio = twilio
    app.state.metrics = metrics if metrics is not None else Metrics()
    errors.install(app)

    @app.middleware("http")
    async def limit_body(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        # refuse oversized bodies before anything parses them
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > config.max_body_bytes):
            return JSONResponse(
                errors.error_body(
                    "too_large", f"Bodies are at most {config.max_body_bytes} bytes."
                ),
                413,
            )
        return await call_next(request)

    app.middleware("http")(app.state.metrics.middleware)
    for module in (accounts, me, directory, calls, health):
        app.include_router(module.router)
    if twilio is not None:  # the webhooks exist only where Twilio is the provider
        app.include_router(twilio_routes.router)
    return app
