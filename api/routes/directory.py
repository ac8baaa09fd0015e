"""Reading other people: one's phonebook (with sync), lookup, preview and the lookup audit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import ClientDep, Me, PhonebookDep
from api.schemas import ContactOut, LookupRecordOut, LookupsOut, MatchesOut, PhonebookOut

router = APIRouter(prefix="/v1", tags=["directory"])


@router.get("/me/phonebook", response_model=PhonebookOut)
async def phonebook(
    me: Me, pb: PhonebookDep, since: Annotated[str | None, Query(max_length=40)] = None
) -> PhonebookOut:
    return PhonebookOut.of(await pb.directory.phonebook(me, since))


@router.get(
    "/lookup",
    response_model=MatchesOut,
    responses={404: {"description": "Nobody by that name shares anything with you."}},
)
async def lookup(
    me: Me,
    pb: PhonebookDep,
    name: Annotated[str | None, Query(max_length=200)] = None,
    keys: Annotated[str | None, Query(max_length=60)] = None,
    client: ClientDep = None,
) -> MatchesOut:
    found = await pb.directory.lookup(me, name=name, digits=keys, via="api", address=client)
    return MatchesOut(matches=[ContactOut.of(c) for c in found])


@router.get("/me/preview", response_model=ContactOut)
async def preview(
    me: Me, pb: PhonebookDep, phone: Annotated[str, Query(max_length=40)]
) -> ContactOut:
    return ContactOut.of(await pb.directory.preview(me, phone))


@router.get("/me/lookups", response_model=LookupsOut)
async def lookups(me: Me, pb: PhonebookDep) -> LookupsOut:
    return LookupsOut(lookups=[LookupRecordOut.of(r) for r in await pb.directory.lookups_of(me)])
