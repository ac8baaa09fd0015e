"""The Twilio access number end to end: signed webhooks in, golden TwiML out."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from bridge.twilio.twiml import hints
from phonebook.app import Phonebook
from phonebook.model import PUBLIC
from tests.twilio.conftest import ACCESS, Twilio

CALLER = "+12025550100"


async def people(pb: Phonebook) -> dict[str, str]:
    ids = {}
    for key, name, phone in [
        ("caller", "Carl Caller", CALLER),
        ("alice", "Alice Martin", "+12025550101"),
        ("john", "John Smith", "+12025550103"),
        ("stranger", "Stan Stranger", "+12025550104"),
    ]:
        ids[key] = (await pb.accounts.register(name, phone, None)).id
    family = await pb.circles.create(ids["alice"], "family")
    await pb.circles.add_member(ids["alice"], family.id, CALLER)
    ids["family"] = family.id
    ids["mobile"] = (
        await pb.cards.add(ids["alice"], "phone", "mobile", "+12025550111", {family.id: "callable"})
    ).id
    friends = await pb.circles.create(ids["john"], "friends")
    await pb.circles.add_member(ids["john"], friends.id, CALLER)
    await pb.cards.add(ids["john"], "phone", "mobile", "+12025550131", {friends.id: "callable"})
    await pb.cards.add(ids["stranger"], "phone", "mobile", "+12025550141", {PUBLIC: "callable"})
    return ids


def form(**extra: str) -> dict[str, str]:
    return {
        "CallSid": "CA" + "1" * 32,
        "AccountSid": "AC" + "0" * 32,
        "From": CALLER,
        "To": ACCESS,
        "StirVerstat": "TN-Validation-Passed-A",  # the carrier attests the caller ID
        **extra,
    }


def next_path(twiml: str) -> str:
    action = re.search(r'action="([^"]+)"', twiml)
    assert action, twiml
    url = urlparse(action.group(1).replace("&amp;", "&"))
    return f"{url.path}?{url.query}"


def golden(twiml: str) -> str:
    """TwiML with the per-call parts (signed state, call ids) replaced by placeholders."""
    twiml = re.sub(r"state=[A-Za-z0-9_.=-]+", "state=STATE", twiml)
    return re.sub(r"call=[0-9a-f]{32}", "call=CALL", twiml)


HEAD = '<?xml version="1.0" encoding="UTF-8"?>'
GATHER_NAME = (
    '<Gather action="https://bridge.example.com/twilio/gather?state=STATE" actionOnEmptyResult="true" '
    'finishOnKey="#" hints="Alice Martin,John Smith" input="dtmf speech" language="en-US" method="POST" '
    'speechModel="phone_call" speechTimeout="auto" timeout="6">'
)
ASK = '<Say language="en-US">Say the name of the person you want to call after the tone, or spell it on the keypad and press pound.</Say>'
CONFIRM_GATHER = (
    '<Gather action="https://bridge.example.com/twilio/gather?state=STATE" actionOnEmptyResult="true" '
    'finishOnKey="#" input="dtmf" method="POST" numDigits="1" timeout="3">'
)


async def walk(twilio: Twilio, *answers: dict[str, str]) -> list[str]:
    """Call the access number and answer each Gather in turn; returns every TwiML served."""
    served = [(await twilio.post("/twilio/voice", form())).text]
    for answer in answers:
        r = await twilio.post(next_path(served[-1]), form(**answer))
        assert r.status_code == 200, r.text
        served.append(r.text)
    return served


async def test_golden_twiml_for_each_step(twilio: Twilio, pb: Phonebook) -> None:
    await people(pb)
    welcome, confirm, dial = await walk(
        twilio, {"SpeechResult": "jon smyth", "Confidence": "0.93"}, {"Digits": ""}
    )
    assert golden(welcome) == (
        HEAD
        + "<Response>"
        + GATHER_NAME
        + '<Say language="en-US">Welcome to PhoneBridge.</Say>'
        + ASK
        + "</Gather></Response>"
    )
    assert golden(confirm) == (
        HEAD + "<Response>" + CONFIRM_GATHER + '<Say language="en-US">Calling</Say>'
        '<Say language="en-US">John Smith</Say><Say language="en-US">Press star to cancel.</Say>'
        "</Gather></Response>"
    )
    assert golden(dial) == (
        HEAD + '<Response><Dial action="https://bridge.example.com/twilio/dial-status?call=CALL" '
        'callerId="+12025550199" method="POST" timeLimit="3600" timeout="30">'
        '<Number statusCallback="https://bridge.example.com/twilio/callee-status?call=CALL" '
        'statusCallbackEvent="answered completed" statusCallbackMethod="POST">+12025550131</Number>'
        "</Dial></Response>"
    )


async def test_hints_hold_only_names_this_caller_may_reach(twilio: Twilio, pb: Phonebook) -> None:
    await people(pb)
    (welcome,) = await walk(twilio)
    assert 'hints="Alice Martin,John Smith"' in welcome
    assert "Stan" not in welcome  # public, but not in the caller's phonebook


async def test_keypad_spelling_works_as_on_asterisk(twilio: Twilio, pb: Phonebook) -> None:
    ids = await people(pb)
    *_, dial = await walk(twilio, {"Digits": "25423#"}, {"Digits": ""})
    assert ">+12025550111</Number>" in dial
    (call,) = await pb.calls.log(ids["caller"])
    assert (call.status.value, call.provider, call.callee_name) == (
        "ringing",
        "twilio",
        "Alice Martin",
    )


async def test_empty_speech_retries_then_says_goodbye(twilio: Twilio, pb: Phonebook) -> None:
    await people(pb)
    served = await walk(twilio, {"SpeechResult": ""}, {}, {"SpeechResult": "  "})
    assert "I did not get that." in served[1] and "<Gather" in served[2]
    assert "Goodbye." in served[3] and served[3].endswith("<Hangup /></Response>")


async def test_not_found_for_unshared_and_absent_names_alike(twilio: Twilio, pb: Phonebook) -> None:
    await people(pb)
    unshared = await walk(twilio, {"SpeechResult": "bella blocker"})
    absent = await walk(twilio, {"SpeechResult": "xavier nobody"})
    assert golden(unshared[1]) == golden(absent[1])
    assert "Nobody by that name shares a number with you." in absent[1]


async def test_unknown_caller_is_registered_and_hears_a_code(twilio: Twilio, pb: Phonebook) -> None:
    r = await twilio.post("/twilio/voice", form(From="+12025550177"))
    assert "Your number is now registered with PhoneBridge." in r.text
    code = re.findall(r'<Say language="en-US">((?:\d )+\d)</Say>', r.text)[0].replace(" ", "")
    assert (
        await pb.callers.claim("+12025550177", code, "Nina New", "long-enough")
    ).name == "Nina New"


async def test_grant_revoked_between_gather_and_dial(twilio: Twilio, pb: Phonebook) -> None:
    ids = await people(pb)
    welcome = (await twilio.post("/twilio/voice", form())).text
    confirm = (await twilio.post(next_path(welcome), form(Digits="25423"))).text
    await pb.cards.set_grant(ids["alice"], ids["mobile"], ids["family"], "hidden")
    final = (await twilio.post(next_path(confirm), form(Digits=""))).text
    assert "<Dial" not in final and "cannot be reached" in final


async def test_dial_outcome_is_recorded(twilio: Twilio, pb: Phonebook) -> None:
    ids = await people(pb)
    *_, dial = await walk(twilio, {"Digits": "25423"}, {"Digits": ""})
    path = next_path(dial)
    call_id = parse_qs(urlparse(path).query)["call"][0]
    callee = f"/twilio/callee-status?call={call_id}"
    assert (await twilio.post(callee, form(CallStatus="in-progress"))).status_code == 204
    assert (await pb.calls.get(ids["caller"], call_id)).status.value == "connected"
    r = await twilio.post(path, form(DialCallStatus="completed", DialCallDuration="42"))
    assert r.text.endswith("<Response><Hangup /></Response>")
    call = await pb.calls.get(ids["caller"], call_id)
    assert (call.status.value, call.reason) == ("completed", "twilio completed")


async def test_busy_callee(twilio: Twilio, pb: Phonebook) -> None:
    ids = await people(pb)
    *_, dial = await walk(twilio, {"Digits": "25423"}, {"Digits": ""})
    await twilio.post(next_path(dial), form(DialCallStatus="busy"))
    (call,) = await pb.calls.log(ids["caller"])
    assert call.status.value == "busy"


async def test_bad_or_missing_signatures_are_refused_before_any_work(
    twilio: Twilio, pb: Phonebook
) -> None:
    unknown = form(From="+12025550177")
    missing = await twilio.post("/twilio/voice", unknown, signature="")
    forged = await twilio.post("/twilio/voice", unknown, signature="bm90IGEgc2lnbmF0dXJl")
    # signed for the URL this process sees behind a proxy, not the public one Twilio called
    internal = await twilio.post(
        "/twilio/voice", unknown, sign_url="http://internal:8000/twilio/voice"
    )
    tampered_body = await twilio.post(
        "/twilio/voice",
        {**unknown, "From": "+12025550178"},
        signature=twilio.validator.compute_signature(
            "https://bridge.example.com/twilio/voice", unknown
        ),
    )
    for r in (missing, forged, internal, tampered_body):
        assert (r.status_code, r.json()["error"]["code"]) == (403, "bad_signature")
    assert (await pb.callers.resolve("+12025550177")).holder is None  # nobody was registered


async def test_a_replayed_delivery_repeats_no_side_effect(twilio: Twilio, pb: Phonebook) -> None:
    headers = {"I-Twilio-Idempotency-Token": "idem-1"}
    first = await twilio.post("/twilio/voice", form(From="+12025550177"), headers=headers)
    again = await twilio.post("/twilio/voice", form(From="+12025550177"), headers=headers)
    assert (
        first.text == again.text and "registered" in first.text
    )  # the same code, not "unknown caller"
    ids = await people(pb)
    welcome = (await twilio.post("/twilio/voice", form())).text
    step = {"I-Twilio-Idempotency-Token": "idem-2"}
    for _ in range(2):
        await twilio.post(next_path(welcome), form(Digits="25423"), headers=step)
    assert len(await pb.directory.lookups_of(ids["alice"])) == 1  # looked up once


async def test_a_forged_or_foreign_state_hangs_up(twilio: Twilio, pb: Phonebook) -> None:
    await people(pb)
    welcome = (await twilio.post("/twilio/voice", form())).text
    other_call = await twilio.post(
        next_path(welcome), form(CallSid="CA" + "2" * 32, Digits="25423")
    )
    assert other_call.text.endswith("<Hangup /></Response>") and "<Dial" not in other_call.text


async def test_console_status_callback_finds_the_access_call_by_call_sid(
    twilio: Twilio, pb: Phonebook
) -> None:
    ids = await people(pb)
    *_, dial = await walk(twilio, {"Digits": "25423"}, {"Digits": ""})
    await twilio.post(
        next_path(dial).replace("dial-status", "callee-status"), form(CallStatus="in-progress")
    )
    r = await twilio.post("/twilio/call-status", form(CallStatus="completed"))  # no ?call=
    assert r.status_code == 204
    (call,) = await pb.calls.log(ids["caller"])
    assert call.status.value == "completed"
    stray = await twilio.post(
        "/twilio/call-status", form(CallSid="CA" + "7" * 32, CallStatus="completed")
    )
    assert stray.status_code == 204  # a call we never connected: nothing to record


def test_han_names_are_hinted_in_pinyin_too() -> None:
    assert (
        hints(["Alice Martin", "张伟", "欧阳娜娜"])
        == "Alice Martin,张伟,zhang wei,欧阳娜娜,ou yang na na"
    )


async def test_the_caller_hears_why_the_callee_did_not_answer(
    twilio: Twilio, pb: Phonebook
) -> None:
    await people(pb)
    for status, words in (
        ("busy", "on another call"),
        ("no-answer", "no answer"),
        ("failed", "cannot be reached"),
    ):
        *_, dial = await walk(twilio, {"Digits": "25423"}, {"Digits": ""})
        r = await twilio.post(next_path(dial), form(DialCallStatus=status))
        assert words in r.text and r.text.endswith("<Hangup /></Response>"), status
    *_, dial = await walk(twilio, {"Digits": "25423"}, {"Digits": ""})
    gone = await twilio.post(next_path(dial), form(DialCallStatus="canceled"))
    assert gone.text.endswith("<Response><Hangup /></Response>")  # the caller left: no words


async def test_a_chinese_speaking_caller_hears_mandarin(twilio: Twilio, pb: Phonebook) -> None:
    ids = await people(pb)
    await pb.languages.set(ids["caller"], "zh")
    welcome = (await twilio.post("/twilio/voice", form())).text
    assert '<Say language="cmn-CN">欢迎使用 PhoneBridge。</Say>' in welcome
    assert 'language="cmn-CN"' in welcome.split("<Gather", 1)[1].split(">", 1)[0]
