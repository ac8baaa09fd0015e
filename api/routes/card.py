"""One's own card as a vCard: ``GET /v1/me/card.vcf`` exports it, ``PUT`` imports it (all or
nothing; a bad vCard is 422 ``invalid_vcard`` naming the line)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.auth import Me, PhonebookDep
from phonebook.vcard import MEDIA_TYPE, InvalidVcard

router = APIRouter(prefix="/v1/me", tags=["me"])
VCARD = f"{MEDIA_TYPE}; charset=utf-8"
_CONTENT = {MEDIA_TYPE: {"schema": {"type": "string"}}}


@router.get("/card.vcf", response_class=Response, responses={200: {"content": _CONTENT}})
async def export_card(me: Me, pb: PhonebookDep) -> Response:
    return Response(await pb.own_card.export(me), media_type=VCARD)


@router.put(
    "/card.vcf",
    response_class=Response,
    responses={200: {"content": _CONTENT}},
    openapi_extra={"requestBody": {"required": True, "content": _CONTENT}},
)
async def import_card(request: Request, me: Me, pb: PhonebookDep) -> Response:
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidVcard(1, "a vCard is UTF-8 text.") from None
    return Response(await pb.own_card.import_(me, text), media_type=VCARD)


@router.delete("/dial-codes", status_code=204, response_class=Response)
async def revoke_dial_codes(me: Me, pb: PhonebookDep) -> Response:
    """Every dial-through code in your address books stops working; new ones come with the
    next sync (a lost phone, a shared address book)."""
    await pb.dial_codes.revoke_all(me)
    return Response(status_code=204)
