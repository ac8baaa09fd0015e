"""One's own account: profile, card entries and grants, circles and members, blocks."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.auth import Me, PhonebookDep
from api.schemas import (
    BlocksOut,
    CircleIn,
    CircleOut,
    EntryIn,
    EntryOut,
    EntryPatch,
    GrantIn,
    MeOut,
    MePatch,
)

router = APIRouter(prefix="/v1/me", tags=["me"])


@router.get("", response_model=MeOut)
async def get_me(me: Me, pb: PhonebookDep) -> MeOut:
    return MeOut.of(await pb.accounts.profile(me))


@router.patch("", response_model=MeOut)
async def patch_me(body: MePatch, me: Me, pb: PhonebookDep) -> MeOut:
    if body.language is not None:
        await pb.languages.set(me, body.language)
        if body.name is None and body.aliases is None:  # nothing shared changed
            return MeOut.of(await pb.accounts.profile(me))
    return MeOut.of(await pb.accounts.update_profile(me, name=body.name, aliases=body.aliases))


@router.get("/entries", response_model=list[EntryOut])
async def list_entries(me: Me, pb: PhonebookDep) -> list[EntryOut]:
    return [EntryOut.of(e) for e in await pb.cards.entries(me)]


@router.post("/entries", status_code=201, response_model=EntryOut)
async def add_entry(body: EntryIn, me: Me, pb: PhonebookDep) -> EntryOut:
    entry = await pb.cards.add(me, body.kind, body.label, body.value, dict(body.grants))
    return EntryOut.of(entry)


@router.patch("/entries/{entry_id}", response_model=EntryOut)
async def patch_entry(entry_id: str, body: EntryPatch, me: Me, pb: PhonebookDep) -> EntryOut:
    entry = await pb.cards.update(
        me, entry_id, label=body.label, value=body.value, position=body.position
    )
    return EntryOut.of(entry)


@router.delete("/entries/{entry_id}", status_code=204)
async def delete_entry(entry_id: str, me: Me, pb: PhonebookDep) -> Response:
    await pb.cards.delete(me, entry_id)
    return Response(status_code=204)


@router.put("/entries/{entry_id}/grants/{audience}", response_model=EntryOut)
async def put_grant(
    entry_id: str, audience: str, body: GrantIn, me: Me, pb: PhonebookDep
) -> EntryOut:
    return EntryOut.of(await pb.cards.set_grant(me, entry_id, audience, body.level))


@router.get("/circles", response_model=list[CircleOut])
async def list_circles(me: Me, pb: PhonebookDep) -> list[CircleOut]:
    return [CircleOut.of(c) for c in await pb.circles.all(me)]


@router.post("/circles", status_code=201, response_model=CircleOut)
async def create_circle(body: CircleIn, me: Me, pb: PhonebookDep) -> CircleOut:
    return CircleOut.of(await pb.circles.create(me, body.name))


@router.delete("/circles/{circle_id}", status_code=204)
async def delete_circle(circle_id: str, me: Me, pb: PhonebookDep) -> Response:
    await pb.circles.delete(me, circle_id)
    return Response(status_code=204)


@router.put("/circles/{circle_id}/members/{phone}", response_model=CircleOut)
async def add_member(circle_id: str, phone: str, me: Me, pb: PhonebookDep) -> CircleOut:
    return CircleOut.of(await pb.circles.add_member(me, circle_id, phone))


@router.delete("/circles/{circle_id}/members/{phone}", response_model=CircleOut)
async def remove_member(circle_id: str, phone: str, me: Me, pb: PhonebookDep) -> CircleOut:
    return CircleOut.of(await pb.circles.remove_member(me, circle_id, phone))


@router.get("/blocks", response_model=BlocksOut)
async def list_blocks(me: Me, pb: PhonebookDep) -> BlocksOut:
    return BlocksOut(blocks=await pb.circles.blocks(me))


@router.put("/blocks/{phone}", status_code=204)
async def block(phone: str, me: Me, pb: PhonebookDep) -> Response:
    await pb.circles.block(me, phone)
    return Response(status_code=204)


@router.delete("/blocks/{phone}", status_code=204)
async def unblock(phone: str, me: Me, pb: PhonebookDep) -> Response:
    await pb.circles.unblock(me, phone)
    return Response(status_code=204)
