"""Click-to-call over Twilio: the twilio library's own client creates the call on a local fake
of the REST API; Twilio's webhooks then connect and report on it."""

from __future__ import annotations

import base64

from api.auth import issue_token
from api.config import ApiConfig
from phonebook.app import Phonebook
from tests.twilio.conftest import ACCESS, SID, TOKEN, FakeTwilioRest, Twilio
from tests.twilio.test_webhooks import CALLER, people


async def sign_in(twilio: Twilio, pb: Phonebook) -> tuple[dict[str, str], dict[str, str]]:
    """The people of the webhook tests, and a bearer token for the caller (their accounts
    have no password, so the token is issued directly with the app's key)."""
    ids = await people(pb)
    token = issue_token(ApiConfig(secret_key="s" * 40), ids["caller"])
    return ids, {"Authorization": f"Bearer {token}"}


def leg(call_id: str, **extra: str) -> dict[str, str]:
    return {"CallSid": "CA" + "9" * 32, "AccountSid": SID, "From": ACCESS, "To": CALLER, **extra}


async def test_click_to_call_creates_one_twilio_call_then_connects(
    twilio: Twilio, pb: Phonebook, fake_rest: FakeTwilioRest
) -> None:
    ids, auth = await sign_in(twilio, pb)
    r = await twilio.http.post("/v1/calls", json={"to": ids["alice"]}, headers=auth)
    assert r.status_code == 202, r.text
    call_id = r.json()["id"]

    (created,) = fake_rest.created  # exactly one Calls API request
    assert created["To"] == CALLER and created["From"] == ACCESS
    assert created["Url"] == f"https://bridge.example.com/twilio/connect?call={call_id}"
    assert (
        created["StatusCallback"] == f"https://bridge.example.com/twilio/call-status?call={call_id}"
    )
    assert fake_rest.events == [["initiated", "ringing", "answered", "completed"]]
    assert fake_rest.auth[0] == "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert (await pb.calls.get(ids["caller"], call_id)).provider_ref == "CA" + "0" * 31 + "1"

    status = f"/twilio/call-status?call={call_id}"
    assert (await twilio.post(status, leg(call_id, CallStatus="ringing"))).status_code == 204
    assert (await pb.calls.get(ids["caller"], call_id)).status.value == "ringing"

    answered = await twilio.post(
        f"/twilio/connect?call={call_id}", leg(call_id, CallStatus="in-progress")
    )
    assert (
        ">+12025550111</Number>" in answered.text and 'callerId="+12025550100"' not in answered.text
    )

    await twilio.post(
        f"/twilio/callee-status?call={call_id}", leg(call_id, CallStatus="in-progress")
    )
    await twilio.post(
        f"/twilio/dial-status?call={call_id}", leg(call_id, DialCallStatus="completed")
    )
    await twilio.post(status, leg(call_id, CallStatus="completed"))
    await twilio.post(status, leg(call_id, CallStatus="ringing"))  # a late, out-of-order report
    log = (await twilio.http.get("/v1/me/calls", headers=auth)).json()["calls"]
    assert [(c["id"], c["status"], c["callee_name"], c["label"]) for c in log] == [
        (call_id, "completed", "Alice Martin", "mobile")
    ]


async def test_grant_revoked_before_the_caller_answers(
    twilio: Twilio, pb: Phonebook, fake_rest: FakeTwilioRest
) -> None:
    ids, auth = await sign_in(twilio, pb)
    call_id = (await twilio.http.post("/v1/calls", json={"to": ids["alice"]}, headers=auth)).json()[
        "id"
    ]
    await pb.cards.set_grant(ids["alice"], ids["mobile"], ids["family"], "hidden")
    answered = await twilio.post(f"/twilio/connect?call={call_id}", leg(call_id))
    assert "<Dial" not in answered.text and "12025550111" not in answered.text
    assert (await pb.calls.get(ids["caller"], call_id)).status.value == "failed"


async def test_twilio_refusing_the_call_fails_it_without_retrying(
    twilio: Twilio, pb: Phonebook, fake_rest: FakeTwilioRest
) -> None:
    ids, auth = await sign_in(twilio, pb)
    fake_rest.answer = (400, {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400})
    r = await twilio.http.post("/v1/calls", json={"to": ids["alice"]}, headers=auth)
    assert (r.status_code, r.json()["error"]["code"]) == (503, "telephony_unavailable")
    assert len(fake_rest.created) == 1
    (call,) = (await twilio.http.get("/v1/me/calls", headers=auth)).json()["calls"]
    assert call["status"] == "failed" and "21211" in call["reason"]


async def test_twilio_failing_midway_is_an_unknown_outcome_never_retried(
    twilio: Twilio, pb: Phonebook, fake_rest: FakeTwilioRest
) -> None:
    ids, auth = await sign_in(twilio, pb)
    fake_rest.answer = (500, {"code": 20500, "message": "Internal Server Error", "status": 500})
    r = await twilio.http.post("/v1/calls", json={"to": ids["alice"]}, headers=auth)
    assert r.status_code == 503 and len(fake_rest.created) == 1
    (call,) = (await twilio.http.get("/v1/me/calls", headers=auth)).json()["calls"]
    assert (call["status"], call["reason"]) == ("failed", "outcome unknown")
