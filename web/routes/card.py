"""My card: name and aliases, and the entries (add, edit, reorder, delete)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from phonebook.errors import PhonebookError
from web.page import SignedIn

router = APIRouter(prefix="/card", include_in_schema=False)
KINDS = ("phone", "email", "address")


async def card_page(
    page: SignedIn,
    *,
    error: PhonebookError | None = None,
    form: dict[str, str] | None = None,
    editing: str | None = None,
) -> Response:
    """``form`` refills the add form after an error; ``editing`` keeps that entry's edit
    form open with what was typed."""
    entries = await page.pb.cards.entries(page.me)
    return page.render(
        "card.html",
        entries=entries,
        kinds=KINDS,
        error=error,
        form={} if editing else form or {},
        editing=editing,
        edit_form=form if editing else {},
    )


@router.get("")
async def card(page: SignedIn) -> Response:
    return await card_page(page)


@router.post("/profile")
async def profile(page: SignedIn) -> Response:
    form = await page.form()
    aliases = [a.strip() for a in form.get("aliases", "").splitlines() if a.strip()]
    try:
        await page.pb.accounts.update_profile(page.me, name=form.get("name", ""), aliases=aliases)
    except PhonebookError as exc:
        return await card_page(page, error=exc)
    return page.redirect("/card", done="profile_saved")


@router.post("/entries")
async def add_entry(page: SignedIn) -> Response:
    form = await page.form()
    try:
        await page.pb.cards.add(
            page.me, form.get("kind", ""), form.get("label", ""), form.get("value", "")
        )
    except PhonebookError as exc:
        return await card_page(page, error=exc, form=form)
    return page.redirect("/card", done="entry_added")


@router.post("/entries/{entry_id}")
async def edit_entry(entry_id: str, page: SignedIn) -> Response:
    form = await page.form()
    try:
        await page.pb.cards.update(
            page.me, entry_id, label=form.get("label", ""), value=form.get("value", "")
        )
    except PhonebookError as exc:
        return await card_page(page, error=exc, form=form, editing=entry_id)
    return page.redirect("/card", done="entry_saved")


@router.post("/entries/{entry_id}/move")
async def move_entry(entry_id: str, page: SignedIn) -> Response:
    form = await page.form()
    order = [e.id for e in await page.pb.cards.entries(page.me)]
    if entry_id in order:
        i = order.index(entry_id)
        j = i - 1 if form.get("to") == "up" else i + 1
        if 0 <= j < len(order):
            order[i], order[j] = order[j], order[i]
    try:
        await page.pb.cards.reorder(page.me, order)
    except PhonebookError as exc:
        return await card_page(page, error=exc)
    return page.redirect("/card", done="entry_moved")


@router.post("/entries/{entry_id}/delete")
async def delete_entry(entry_id: str, page: SignedIn) -> Response:
    await page.form()
    try:
        await page.pb.cards.delete(page.me, entry_id)
    except PhonebookError as exc:
        return await card_page(page, error=exc)
    return page.redirect("/card", done="entry_deleted")
