"""Click-to-call: the caller's own phone rings, then the bridge connects them to the contact."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.auth import Me, PhonebookDep
from api.schemas import CallIn, CallOut, CallsOut
from bridge.originator import ClickToCall
from phonebook.errors import Unavailable

router = APIRouter(prefix="/v1", tags=["calls"])


def _click_to_call(request: Request) -> ClickToCall:
    service: ClickToCall | None = request.app.state.click_to_call
    if service is None:
        raise Unavailable("No telephony provider is configured for click-to-call.")
    return service


@router.post("/calls", status_code=202, response_model=CallOut)
async def place_call(body: CallIn, me: Me, request: Request) -> CallOut:
    call = await _click_to_call(request).call(me, body.to, body.entry)
    return CallOut.of(call)


@router.get("/calls/{call_id}", response_model=CallOut)
async def get_call(call_id: str, me: Me, pb: PhonebookDep) -> CallOut:
    return CallOut.of(await pb.calls.get(me, call_id))


@router.get("/me/calls", response_model=CallsOut)
async def my_calls(me: Me, pb: PhonebookDep) -> CallsOut:
    return CallsOut(calls=[CallOut.of(c) for c in await pb.calls.log(me)])
