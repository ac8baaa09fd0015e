"""The FastAPI application. Built by ``create_app`` from parts the composition root made."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from api import docs, errors, openapi
from api.carddav import routes as carddav
from api.config import ApiConfig
from api.limits import RequestLimits
from api.metrics import Metrics, MetricsMiddleware
from api.routes import accounts, apppasswords, calls, card, directory, events, health, me, phones
from bridge.codes import CodeSender, PhoneCodes
from bridge.originator import ClickToCall
from phonebook.app import Phonebook


def create_app(
    phonebook: Phonebook,
    engine: AsyncEngine,
    config: ApiConfig,
    click_to_call: ClickToCall | None = None,
    *,
    code_sender: CodeSender | None = None,
    metrics: Metrics | None = None,  # in the runtime's registry, next to the bridge's
    routes: Sequence[APIRouter] = (),  # the call provider's own (Twilio's webhooks)
) -> FastAPI:
    app = FastAPI(
        title="PhoneBridge",
        version="1",
        description="Call people by name through a phonebook each person keeps for themselves.",
        docs_url=None,  # served by api.docs from local assets, no CDN
        redoc_url=None,
    )
    app.state.phonebook = phonebook
    app.state.engine = engine
    app.state.config = config
    app.state.click_to_call = click_to_call
    app.state.phone_codes = PhoneCodes(phonebook.verification, code_sender)
    app.state.metrics = metrics if metrics is not None else Metrics()
    errors.install(app)
    app.openapi = lambda: openapi.document(app)  # type: ignore[method-assign]
    docs.install(app)

    # bodies and headers are limited before anything parses them (api/limits.py)
    app.add_middleware(RequestLimits, max_body_bytes=config.max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    for module in (accounts, me, card, apppasswords, phones, directory, events, calls, health):
        app.include_router(module.router)
    app.include_router(carddav.router)  # the address book for phones' contacts apps
    for router in routes:  # only the running provider's routes exist
        app.include_router(router)
    return app
