"""One request's page: who is signed in, in which language, with which CSRF token, and how a
template becomes a response with the security headers every page carries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Protocol, TypeVar
from urllib.parse import urlencode

import jinja2
from fastapi import Depends, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from api.auth import client_address, read_token
from api.config import ApiConfig
from api.errors import status_for
from phonebook.accounts import Profile
from phonebook.app import Phonebook
from phonebook.calls import Call
from phonebook.errors import PhonebookError, Unauthenticated
from web import i18n, session

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",  # pages hold personal data
}


R = TypeVar("R", bound=Response)


class CallPlacer(Protocol):
    """Click-to-call as the API has it (``bridge.originator.ClickToCall``)."""

    async def call(self, caller_id: str, contact_id: str, entry_id: str | None) -> Call: ...


@dataclass(frozen=True, slots=True)
class WebConfig:
    poll_seconds: float = 10.0  # how often an open phonebook asks for changes
    events_url: str | None = None  # a push stream to use instead, once one exists


@dataclass
class WebState:
    phonebook: Phonebook
    api: ApiConfig
    config: WebConfig
    templates: jinja2.Environment
    catalog: i18n.Catalog
    calls: CallPlacer | None
    static_version: str = ""
    context: dict[str, Any] = field(default_factory=dict)


class Page:
    def __init__(self, request: Request, web: WebState, profile: Profile | None) -> None:
        self.request = request
        self.web = web
        self.pb = web.phonebook
        self.profile = profile
        self.lang = i18n.choose(request)
        self.t = web.catalog.translator(self.lang)
        cookie = request.cookies.get(session.CSRF_COOKIE)
        self._new_csrf = not cookie
        self.csrf_cookie = cookie or session.new_csrf_secret()

    @property
    def me(self) -> str:
        assert self.profile is not None
        return self.profile.id

    @property
    def client(self) -> str | None:
        """Who is asking, for the same per-address limits the API applies."""
        return client_address(self.request, self.web.api)

    @property
    def csrf(self) -> str:
        return session.csrf_token(self.web.api.secret_key, self.csrf_cookie)

    @property
    def from_script(self) -> bool:
        """Asked by the page's own script for a region, not navigated to."""
        return self.request.headers.get("x-requested-with") == "fetch"

    def error_text(self, exc: PhonebookError) -> str:
        return self.web.catalog.error(self.lang, exc.code, exc.message)

    def done_text(self) -> str | None:
        key = f"done.{self.request.query_params.get('done', '')}"
        return self.t(key) if key in self.web.catalog.messages[self.lang] else None

    async def form(self) -> dict[str, str]:
        """The posted form, once its CSRF token checks out."""
        data = await self.request.form()
        fields = {k: v for k, v in data.items() if isinstance(v, str)}
        session.check_csrf(self.web.api.secret_key, self.request, fields.get(session.CSRF_FIELD))
        return fields

    def render(
        self,
        template: str,
        *,
        status: int = 200,
        error: PhonebookError | str | None = None,
        **context: Any,
    ) -> HTMLResponse:
        if isinstance(error, PhonebookError):
            status = status_for(error) if status == 200 else status
            error = self.error_text(error)
        values: dict[str, Any] = {
            **self.web.context,
            "t": self.t,
            "lang": self.lang,
            "html_lang": i18n.HTML_LANG[self.lang],
            "languages": i18n.LANGUAGES,
            "me": self.profile,
            "csrf": self.csrf,
            "here": self.request.url.path,
            "done": self.done_text(),
            "error": error,
        }
        values.update(context)
        html = self.web.templates.get_template(template).render(values)
        return self._finish(HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS))

    def redirect(self, path: str, **query: str) -> RedirectResponse:
        url = path + ("?" + urlencode(query) if query else "")
        return self._finish(RedirectResponse(url, status_code=303))

    def _finish(self, response: R) -> R:
        if self._new_csrf:
            session.set_cookie(
                response,
                self.request,
                session.CSRF_COOKIE,
                self.csrf_cookie,
                session.CSRF_COOKIE_SECONDS,
            )
        return response


def web_of(request: Request) -> WebState:
    web: WebState = request.app.state.web
    return web


async def anyone(request: Request) -> Page:
    web = web_of(request)
    profile = None
    token = request.cookies.get(session.SESSION_COOKIE)
    if token:
        try:
            profile = await web.phonebook.accounts.profile(read_token(web.api, token))
        except Unauthenticated:
            profile = None  # expired, forged or deleted: treated as signed out
    return Page(request, web, profile)


Anyone = Annotated[Page, Depends(anyone)]


async def signed_in(page: Anyone) -> Page:
    if page.profile is None:
        raise session.SignInRequired
    return page


SignedIn = Annotated[Page, Depends(signed_in)]
