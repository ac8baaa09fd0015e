"""Twilio's voice webhooks: the HTTP routes the Twilio provider adds. Every request's
X-Twilio-Signature is checked against the public URL Twilio called
(PHONEBRIDGE_TWILIO_PUBLIC_BASE_URL, not the URL this process sees behind a proxy) before any
work; a repeated delivery (I-Twilio-Idempotency-Token) gets the answer the first one got.
A bad signature is the domain's Forbidden: the API's one error table turns it into a 403."""

# no `from __future__ import annotations`: FastAPI reads these routes' annotations at run time,
# and ``Form`` is local to ``webhooks``
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from twilio.request_validator import RequestValidator

from bridge.twilio.voice import TwilioVoice
from phonebook.deliveries import Deliveries
from phonebook.errors import Forbidden

XML = "application/xml"
# Twilio posts about 30 short fields, never files
TWILIO_FORM: dict[str, int] = {"max_files": 0, "max_fields": 200, "max_part_size": 8 * 1024}
CallId = Annotated[str, Query(max_length=40)]


def webhooks(voice: TwilioVoice, deliveries: Deliveries) -> APIRouter:
    """The /twilio/* routes serving ``voice``; repeated deliveries answered from
    ``deliveries``. Built per app (no module-level state), like every provider's parts."""
    router = APIRouter(prefix="/twilio", tags=["twilio"])

    async def signed_form(request: Request) -> dict[str, str]:
        """The posted form, once its signature proves Twilio sent it for this exact URL."""
        url = voice.config.url(request.url.path)
        if request.url.query:
            url += "?" + request.url.query
        form = {k: str(v) for k, v in (await request.form(**TWILIO_FORM)).items()}
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature or not RequestValidator(voice.config.auth_token).validate(
            url, form, signature
        ):
            raise Forbidden(
                "The request is not signed by Twilio for this URL.", code="bad_signature"
            )
        return form

    Form = Annotated[dict[str, str], Depends(signed_form)]  # a type alias, local: it needs voice

    async def once(request: Request, answer: Callable[[], Awaitable[str]]) -> Response:
        token = request.headers.get("I-Twilio-Idempotency-Token")
        if not token:
            return Response(await answer(), media_type=XML)
        # the token is bound to the endpoint it was delivered to: path and query are in the key
        key = f"twilio {request.url.path}?{request.url.query}\n{token}"
        return Response(await deliveries.once(key, answer), media_type=XML)

    @router.post("/voice")
    async def incoming(request: Request, form: Form) -> Response:
        return await once(request, lambda: voice.incoming(form))

    @router.post("/gather")
    async def gather(
        request: Request, form: Form, state: Annotated[str, Query(max_length=4000)]
    ) -> Response:
        return await once(request, lambda: voice.gather(form, state))

    @router.post("/connect")
    async def connect(request: Request, form: Form, call: CallId) -> Response:
        return await once(request, lambda: voice.connect(form, call))

    @router.post("/dial-status")
    async def dial_status(request: Request, form: Form, call: CallId) -> Response:
        return await once(request, lambda: voice.dial_status(form, call))

    @router.post("/callee-status", status_code=204)
    async def callee_status(form: Form, call: CallId) -> Response:
        await voice.callee_status(form, call)  # idempotent by the status machine
        return Response(status_code=204)

    @router.post("/call-status", status_code=204)
    async def call_status(
        form: Form, call: Annotated[str | None, Query(max_length=40)] = None
    ) -> Response:
        """Click-to-call legs name their call; the access number's console status callback
        does not, and is matched by CallSid."""
        await voice.call_status(form, call)
        return Response(status_code=204)

    return router
