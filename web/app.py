"""``install``: adds the page's routes, static files and error pages to the API's app. Called
by the composition root only, so the API never depends on the page."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import jinja2
import phonenumbers
from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from web import i18n, session
from web.page import Page, WebConfig, WebState, web_of
from web.routes import account, card, circles, people, sharing

STATIC = Path(str(resources.files("web") / "static"))


def _static_version() -> str:
    digest = hashlib.sha256()
    for path in sorted(STATIC.iterdir()):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def _templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("web", "templates"),
        autoescape=True,  # every value is escaped; nothing is marked safe
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["phone"] = _phone
    env.filters["when"] = _when
    return env


def _phone(e164: str) -> str:
    """+12025550151 → +1 202-555-0151, for people to read (values stay E.164 in forms)."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _when(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def install(app: FastAPI, config: WebConfig | None = None) -> None:
    version = _static_version()
    web = WebState(
        phonebook=app.state.phonebook,
        api=app.state.config,
        config=config or WebConfig(),
        templates=_templates(),
        catalog=i18n.Catalog.load(),
        calls=app.state.click_to_call,
        static_version=version,
    )
    web.context["static"] = lambda name: f"/static/{name}?v={version}"
    web.context["poll_seconds"] = web.config.poll_seconds
    web.context["events_url"] = web.config.events_url
    app.state.web = web
    for module in (account, card, sharing, circles, people):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(session.SignInRequired, _sign_in)
    app.add_exception_handler(session.CsrfFailed, _csrf_failed)


async def _sign_in(request: Request, _exc: Exception) -> Response:
    target = request.url.path if request.method == "GET" else "/"
    return Page(request, web_of(request), None).redirect("/signin", next=target)


async def _csrf_failed(request: Request, _exc: Exception) -> Response:
    page = Page(request, web_of(request), None)
    return page.render("error.html", status=403, error=page.t("error.csrf"))
