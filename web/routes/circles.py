"""Circles (create, rename, delete; members by phone number, pending until verified) and
blocks. Numbers travel in form bodies, never in paths: paths reach logs and metrics."""

from __future__ import annotations

from collections.abc import Awaitable

from fastapi import APIRouter
from starlette.responses import Response

from phonebook.errors import PhonebookError
from web.collate import sort_key
from web.page import Page, SignedIn

router = APIRouter(include_in_schema=False)


async def circles_page(page: Page, error: PhonebookError | None = None) -> Response:
    circles = sorted(await page.pb.circles.all(page.me), key=lambda c: sort_key(c.name))
    return page.render("circles.html", circles=circles, error=error)


async def blocks_page(page: Page, error: PhonebookError | None = None) -> Response:
    return page.render("blocks.html", blocks=await page.pb.circles.blocks(page.me), error=error)


async def _then(page: Page, change: Awaitable[object], to: str, done: str) -> Response:
    """Run one change; on a domain error show the page again with the reason."""
    try:
        await change
    except PhonebookError as exc:
        return await (circles_page(page, exc) if to == "/circles" else blocks_page(page, exc))
    return page.redirect(to, done=done)


@router.get("/circles")
async def circles(page: SignedIn) -> Response:
    return await circles_page(page)


@router.post("/circles")
async def create(page: SignedIn) -> Response:
    form = await page.form()
    change = page.pb.circles.create(page.me, form.get("name", ""))
    return await _then(page, change, "/circles", "circle_created")


@router.post("/circles/{circle_id}/rename")
async def rename(circle_id: str, page: SignedIn) -> Response:
    form = await page.form()
    change = page.pb.circles.rename(page.me, circle_id, form.get("name", ""))
    return await _then(page, change, "/circles", "circle_renamed")


@router.post("/circles/{circle_id}/delete")
async def delete(circle_id: str, page: SignedIn) -> Response:
    await page.form()
    change = page.pb.circles.delete(page.me, circle_id)
    return await _then(page, change, "/circles", "circle_deleted")


@router.post("/circles/{circle_id}/members")
async def add_member(circle_id: str, page: SignedIn) -> Response:
    form = await page.form()
    change = page.pb.circles.add_member(page.me, circle_id, form.get("phone", ""))
    return await _then(page, change, "/circles", "member_added")


@router.post("/circles/{circle_id}/members/remove")
async def remove_member(circle_id: str, page: SignedIn) -> Response:
    form = await page.form()
    change = page.pb.circles.remove_member(page.me, circle_id, form.get("phone", ""))
    return await _then(page, change, "/circles", "member_removed")


@router.get("/blocks")
async def blocks(page: SignedIn) -> Response:
    return await blocks_page(page)


@router.post("/blocks")
async def block(page: SignedIn) -> Response:
    form = await page.form()
    change = page.pb.circles.block(page.me, form.get("phone", ""))
    return await _then(page, change, "/blocks", "blocked")


@router.post("/blocks/remove")
async def unblock(page: SignedIn) -> Response:
    form = await page.form()
    change = page.pb.circles.unblock(page.me, form.get("phone", ""))
    return await _then(page, change, "/blocks", "unblocked")
