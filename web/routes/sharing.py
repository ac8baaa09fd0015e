"""Who sees what: the grant matrix (entries down, audiences across), its plain-words lines,
and "see my card as …" (the preview use case)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from starlette.responses import Response

from phonebook.circles import Circle
from phonebook.errors import NotFound, PhonebookError
from phonebook.model import PUBLIC, ContactView, Entry, EntryKind, Level
from web.collate import sort_key
from web.page import Page, SignedIn
from web.summary import summary

router = APIRouter(prefix="/sharing", include_in_schema=False)


@dataclass(frozen=True, slots=True)
class Cell:
    audience: str
    audience_name: str
    level: str
    next: str  # what one click makes it
    levels: tuple[str, ...]  # what this entry's kind allows (e-mails cannot be "callable")


@dataclass(frozen=True, slots=True)
class Row:
    entry: Entry
    cells: tuple[Cell, ...]
    summary: str


def levels_for(entry: Entry) -> tuple[str, ...]:
    if entry.kind == EntryKind.PHONE:
        return ("hidden", "callable", "visible")
    return ("hidden", "visible")


def rows(page: Page, entries: list[Entry], audiences: dict[str, str]) -> list[Row]:
    circles = {a: n for a, n in audiences.items() if a != PUBLIC}
    out = []
    for entry in entries:
        allowed = levels_for(entry)
        cells = []
        for audience, name in audiences.items():
            level = entry.grants.get(audience, Level.HIDDEN).label
            following = allowed[(allowed.index(level) + 1) % len(allowed)]
            cells.append(Cell(audience, name, level, following, allowed))
        out.append(Row(entry, tuple(cells), summary(entry, circles, page.t)))
    return out


def members_of(circles: list[Circle]) -> dict[str, list[str]]:
    """Every member's number, with the names of the circles they are in."""
    found: dict[str, list[str]] = {}
    for circle in circles:
        for member in circle.members:
            found.setdefault(member.phone, []).append(circle.name)
    return dict(sorted(found.items()))


async def sharing_page(
    page: SignedIn, *, error: PhonebookError | None = None, saved: str | None = None
) -> Response:
    circles = sorted(await page.pb.circles.all(page.me), key=lambda c: sort_key(c.name))
    audiences = {c.id: c.name for c in circles} | {PUBLIC: page.t("aud.everyone")}
    table = rows(page, await page.pb.cards.entries(page.me), audiences)
    viewer = page.request.query_params.get("as", "").strip()[:40]
    preview: ContactView | None = None
    preview_error: str | None = None
    if viewer:
        try:
            preview = await page.pb.directory.preview(page.me, viewer)
        except NotFound:
            preview_error = page.t("preview.nothing")
        except PhonebookError as exc:
            preview_error = page.error_text(exc)
    status = next((r.summary for r in table if r.entry.id == saved), None)
    return page.render(
        "sharing.html",
        error=error,
        audiences=audiences,
        rows=table,
        members=members_of(circles),
        viewer=viewer,
        preview=preview,
        preview_error=preview_error,
        done=page.t("sharing.saved", summary=status) if status else page.done_text(),
    )


@router.get("")
async def sharing(page: SignedIn) -> Response:
    saved = page.request.query_params.get("saved")
    return await sharing_page(page, saved=saved)


@router.post("/grant")
async def set_grant(page: SignedIn) -> Response:
    form = await page.form()
    entry_id = form.get("entry", "")
    try:
        await page.pb.cards.set_grant(
            page.me, entry_id, form.get("audience", ""), form.get("level", "")
        )
    except PhonebookError as exc:
        return await sharing_page(page, error=exc)
    return page.redirect("/sharing", saved=entry_id)
