"""Other people: my phonebook (search as you type, live changes), click-to-call and my calls,
and who looked me up. Every read goes through ``Directory``; every call through the same
click-to-call service as ``POST /v1/calls``."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import JSONResponse, Response

from phonebook.errors import InvalidInput, InvalidQuery, NotFound, PhonebookError
from phonebook.model import ContactView
from web.collate import sort_key
from web.page import Anyone, Page, SignedIn

router = APIRouter(include_in_schema=False)
MAX_QUERY = 100


async def _search(page: Page, query: str) -> tuple[list[ContactView], str | None]:
    """Contacts matching what was typed (name, pinyin, keypad digits), or why there are none."""
    compact = query.replace(" ", "").replace("-", "")
    try:
        if compact.isascii() and compact.isdigit():
            found = await page.pb.directory.lookup(
                page.me, digits=compact, via="web", address=page.client
            )
        else:
            found = await page.pb.directory.lookup(
                page.me, name=query, via="web", address=page.client
            )
    except NotFound:
        return [], page.t("book.none_found")
    except InvalidQuery:
        return [], page.t("book.keep_typing")
    except PhonebookError as exc:
        return [], page.error_text(exc)
    return found, None


async def phonebook_page(
    page: Page, error: PhonebookError | str | None = None, status: int = 200
) -> Response:
    query = page.request.query_params.get("q", "").strip()[:MAX_QUERY]
    sync: str | None = None
    contacts: list[ContactView] = []
    notice = None
    if not query or not page.from_script:
        book = await page.pb.directory.phonebook(page.me)
        sync = book.sync_token  # where live updates start from
        contacts = sorted(book.contacts, key=lambda c: sort_key(c.name))
    if query:
        contacts, notice = await _search(page, query)  # ranked, best first
    return page.render(
        "phonebook.html",
        status=status,
        error=error,
        q=query,
        contacts=contacts,
        notice=notice,
        sync=sync,
        can_call=page.web.calls is not None,
    )


@router.get("/")
async def home(page: Anyone) -> Response:
    if page.profile is None:  # the first page anyone sees: one request, no redirect
        return page.render("signin.html", next="/")
    return await phonebook_page(page)


@router.get("/phonebook/changes")
async def changes(page: SignedIn, since: str = "") -> Response:
    """204 while nothing the viewer may see has changed since ``since``; else the new token
    (the page then fetches its list again). A push stream can replace this poll."""
    try:
        book = await page.pb.directory.phonebook(page.me, since[:40] or None)
    except InvalidInput:
        book = await page.pb.directory.phonebook(page.me)
    if since and not (book.full or book.contacts or book.removed):
        return Response(status_code=204, headers={"Cache-Control": "no-store"})
    return JSONResponse({"sync_token": book.sync_token}, headers={"Cache-Control": "no-store"})


@router.post("/calls")
async def place_call(page: SignedIn) -> Response:
    form = await page.form()
    if page.web.calls is None:
        return await phonebook_page(page, page.t("call.no_provider"), 503)
    try:
        await page.web.calls.call(page.me, form.get("to", ""), form.get("entry") or None)
    except PhonebookError as exc:
        return await phonebook_page(page, exc)
    return page.redirect("/calls", done="call_placed")


@router.get("/calls")
async def calls(page: SignedIn) -> Response:
    log = await page.pb.calls.log(page.me)
    return page.render(
        "calls.html", calls=log, following=any(not call.status.final for call in log)
    )


@router.get("/lookups")
async def lookups(page: SignedIn) -> Response:
    return page.render("lookups.html", lookups=await page.pb.directory.lookups_of(page.me))
