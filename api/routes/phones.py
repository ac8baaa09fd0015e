"""Proving one's number (a code sent to it, typed here; or a code shown here, typed on the
keypad when calling from it), the access PIN for calls whose caller ID is not trusted, and the
security audit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from api.auth import ClientDep, Me, PhonebookDep
from api.schemas import (
    AuditEventOut,
    AuditOut,
    CodeIn,
    MeOut,
    PinIn,
    VerificationIn,
    VerificationOut,
)
from bridge.codes import PhoneCodes

router = APIRouter(prefix="/v1/me", tags=["me"])


def _codes(request: Request) -> PhoneCodes:
    codes: PhoneCodes = request.app.state.phone_codes
    return codes


Codes = Annotated[PhoneCodes, Depends(_codes)]


@router.post("/phones/{phone}/verification", status_code=202, response_model=VerificationOut)
async def send_code(phone: str, body: VerificationIn, me: Me, codes: Codes) -> VerificationOut:
    """Send a one-time code to a number you registered (call or SMS), or get one to type when
    you call the access number from it (callin)."""
    issued = await codes.send(me, phone, body.channel)
    return VerificationOut(
        phone=issued.e164,
        channel=issued.channel,
        expires_at=issued.expires_at,
        code=issued.code if issued.channel == "callin" else None,
    )


@router.post("/phones/{phone}/verify", response_model=MeOut)
async def verify(phone: str, body: CodeIn, me: Me, pb: PhonebookDep, client: ClientDep) -> MeOut:
    """The code that reached the number: you now hold it; any other claim on it is dropped."""
    return MeOut.of(await pb.verification.confirm(me, phone, body.code, client))


@router.put("/pin", status_code=204)
async def set_pin(body: PinIn, me: Me, pb: PhonebookDep) -> Response:
    """The access PIN callers type when their caller ID is not trusted (4 to 12 digits)."""
    await pb.pins.set(me, body.pin)
    return Response(status_code=204)


@router.delete("/pin", status_code=204)
async def clear_pin(me: Me, pb: PhonebookDep) -> Response:
    await pb.pins.clear(me)
    return Response(status_code=204)


@router.get("/audit", response_model=AuditOut)
async def audit(me: Me, pb: PhonebookDep) -> AuditOut:
    """Security events: PIN set, removed or locked after wrong tries; number verified."""
    events = await pb.pins.audit(me)
    return AuditOut(events=[AuditEventOut(kind=e.kind, via=e.via, at=e.at) for e in events])
