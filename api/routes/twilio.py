"""Twilio's voice webhooks. Every request's X-Twilio-Signature is checked against the public
URL Twilio called (PHONEBRIDGE_TWILIO_PUBLIC_BASE_URL, not the URL this process sees behind
a proxy) before any work; a repeated delivery (I-Twilio-Idempotency-Token) gets the answer
the first one got."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from twilio.request_validator import RequestValidator

from api.auth import PhonebookDep
from api.limits import TWILIO_FORM
from bridge.twilio.voice import TwilioVoice
from phonebook.errors import Forbidden

router = APIRouter(prefix="/twilio", tags=["twilio"])
XML = "application/xml"


def _voice(request: Request) -> TwilioVoice:
    voice: TwilioVoice = request.app.state.twilio
    return voice


Voice = Annotated[TwilioVoice, Depends(_voice)]


async def signed_form(request: Request, voice: Voice) -> dict[str, str]:
    """The posted form, once its signature proves Twilio sent it for this exact URL."""
    url = voice.config.url(request.url.path)
    if request.url.query:
        url += "?" + request.url.query
    form = {k: str(v) for k, v in (await request.form(**TWILIO_FORM)).items()}
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not RequestValidator(voice.config.auth_token).validate(
        url, form, signature
    ):
        raise Forbidden("The request is not signed by Twilio for this URL.", code="bad_signature")
    return form


Form = Annotated[dict[str, str], Depends(signed_form)]


async def _once(
    request: Request, pb: PhonebookDep, answer: Callable[[], Awaitable[str]]
) -> Response:
    token = request.headers.get("I-Twilio-Idempotency-Token")
    if not token:
        return Response(await answer(), media_type=XML)
    # the token is bound to the endpoint it was delivered to: path and query are in the key
    key = f"twilio {request.url.path}?{request.url.query}\n{token}"
    return Response(await pb.deliveries.once(key, answer), media_type=XML)


@router.post("/voice")
async def incoming(request: Request, form: Form, voice: Voice, pb: PhonebookDep) -> Response:
    return await _once(request, pb, lambda: voice.incoming(form))


@router.post("/gather")
async def gather(
    request: Request,
    form: Form,
    voice: Voice,
    pb: PhonebookDep,
    state: Annotated[str, Query(max_length=4000)],
) -> Response:
    return await _once(request, pb, lambda: voice.gather(form, state))


@router.post("/connect")
async def connect(
    request: Request,
    form: Form,
    voice: Voice,
    pb: PhonebookDep,
    call: Annotated[str, Query(max_length=40)],
) -> Response:
    return await _once(request, pb, lambda: voice.connect(form, call))


@router.post("/dial-status")
async def dial_status(
    request: Request,
    form: Form,
    voice: Voice,
    pb: PhonebookDep,
    call: Annotated[str, Query(max_length=40)],
) -> Response:
    return await _once(request, pb, lambda: voice.dial_status(form, call))


@router.post("/callee-status", status_code=204)
async def callee_status(
    form: Form, voice: Voice, call: Annotated[str, Query(max_length=40)]
) -> Response:
    await voice.callee_status(form, call)  # status updates are idempotent by the status machine
    return Response(status_code=204)


@router.post("/call-status", status_code=204)
async def call_status(
    form: Form, voice: Voice, call: Annotated[str | None, Query(max_length=40)] = None
) -> Response:
    """Click-to-call legs name their call; the access number's console status callback does
    not, and is matched by CallSid."""
    await voice.call_status(form, call)
    return Response(status_code=204)
