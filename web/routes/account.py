"""Signing in, registering, completing an account from a first call, signing out, language.

The identity rules (password checks, number binding, claim codes) are ``Accounts``'; this
module only moves form fields in and sets or clears the session cookie."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from api.auth import issue_token
from phonebook.errors import PhonebookError
from web import i18n, session
from web.page import Anyone, Page, SignedIn

router = APIRouter(include_in_schema=False)


def _local(path: str | None) -> str:
    """Only a path on this site: never an open redirect to another host."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/"


def _signed_in(page: Page, account_id: str, to: str) -> Response:
    response = page.redirect(_local(to))
    minutes = page.web.api.token_minutes
    request = page.request
    token = issue_token(page.web.api, account_id)
    session.set_cookie(response, request, session.SESSION_COOKIE, token, minutes * 60)
    # a fresh CSRF secret with every new session: nothing from before sign-in carries over
    session.set_cookie(
        response,
        request,
        session.CSRF_COOKIE,
        session.new_csrf_secret(),
        session.CSRF_COOKIE_SECONDS,
    )
    return response


@router.get("/signin")
async def signin_form(page: Anyone, next: str = "/") -> Response:
    return page.render("signin.html", next=_local(next))


@router.post("/signin")
async def signin(page: Anyone) -> Response:
    form = await page.form()
    try:
        account_id = await page.pb.accounts.authenticate(
            form.get("phone", ""), form.get("password", ""), page.client
        )
    except PhonebookError as exc:
        return page.render(
            "signin.html", error=exc, next=_local(form.get("next")), phone=form.get("phone", "")
        )
    return _signed_in(page, account_id, form.get("next", "/"))


@router.get("/register")
async def register_form(page: Anyone) -> Response:
    return page.render("register.html", form={})


@router.post("/register")
async def register(page: Anyone) -> Response:
    form = await page.form()
    try:
        profile = await page.pb.accounts.register(
            form.get("name", ""), form.get("phone", ""), form.get("password", ""), page.client
        )
    except PhonebookError as exc:
        return page.render("register.html", error=exc, form=_without_secrets(form))
    return _signed_in(page, profile.id, "/card?done=registered")


@router.get("/claim")
async def claim_form(page: Anyone) -> Response:
    return page.render("claim.html", form={})


@router.post("/claim")
async def claim(page: Anyone) -> Response:
    form = await page.form()
    try:
        profile = await page.pb.callers.claim(
            form.get("phone", ""),
            form.get("code", ""),
            form.get("name", ""),
            form.get("password", ""),
            page.client,
        )
    except PhonebookError as exc:
        return page.render("claim.html", error=exc, form=_without_secrets(form))
    return _signed_in(page, profile.id, "/card?done=claimed")


@router.post("/signout")
async def signout(page: SignedIn) -> Response:
    await page.form()
    response = page.redirect("/signin")
    session.clear_cookie(response, page.request, session.SESSION_COOKIE)
    session.clear_cookie(response, page.request, session.CSRF_COOKIE)
    return response


@router.post("/lang")
async def language(page: Anyone) -> Response:
    form = await page.form()
    lang = form.get("lang", "")
    response = page.redirect(_local(form.get("next")))
    if lang in i18n.LANGUAGES:
        session.set_cookie(response, page.request, i18n.LANG_COOKIE, lang, 60 * 60 * 24 * 365)
    return response


def _without_secrets(form: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in form.items() if k not in {"password", "code", session.CSRF_FIELD}}
