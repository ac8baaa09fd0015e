"""Render the call flow's actions as TwiML with the twilio library's VoiceResponse."""

from __future__ import annotations

from urllib.parse import urlencode

from twilio.twiml.voice_response import Gather, VoiceResponse

from bridge.flow import Ask, Connect, Finish, Prompt
from bridge.prompts import words
from bridge.speech.grammar import phrases_of
from bridge.twilio.config import TwilioConfig
from phonebook.names import has_han

MAX_HINTS = 500  # Twilio's limits on <Gather hints>
MAX_HINT_CHARS = 100
SAY_LANGUAGES = {"zh": "cmn-CN"}  # an account's language → <Say language>; "en": the setting


def say_language(config: TwilioConfig, language: str) -> str:
    return SAY_LANGUAGES.get(language, config.language)


def _say(parent: VoiceResponse | Gather, prompt: Prompt, language: str, account: str) -> None:
    if prompt.kind == "sound":
        parent.say(words(account)[prompt.value], language=language)
    elif prompt.kind == "digits":
        parent.say(" ".join(prompt.value), language=language)  # one digit at a time
    else:  # a name or label, read in its own script's language when it is Han
        parent.say(prompt.value, language="cmn-CN" if has_han(prompt.value) else language)


def hints(names: list[str]) -> str:
    """Speech hints from the names this caller may reach, within Twilio's limits. A Han name
    is hinted in pinyin too ("张伟" → "zhang wei"): an en-US recogniser writes what it hears
    in Latin letters, and the phonebook finds Han names by their pinyin."""
    spoken: list[str] = []
    for name in names:
        spoken.append(name)
        if has_han(name):
            spoken += phrases_of(name)[:1]
    kept = [n.replace(",", " ")[:MAX_HINT_CHARS] for n in dict.fromkeys(spoken) if n.strip()]
    return ",".join(kept[:MAX_HINTS])


def ask(
    config: TwilioConfig, action: Ask, state_token: str, names: list[str], account: str = "en"
) -> str:
    """``account``: the caller's language (phonebook/language.py)."""
    response = VoiceResponse()
    language = say_language(config, account)
    speech = action.speech and config.speech
    options: dict[str, object] = {
        "input": "dtmf speech" if speech else "dtmf",
        "action": config.url("/twilio/gather?" + urlencode({"state": state_token})),
        "method": "POST",
        "timeout": int(action.timeout_s),
        "finish_on_key": "#",
        "action_on_empty_result": True,  # silence is an answer too: the flow counts tries
    }
    if action.max_digits == 1:
        options["num_digits"] = 1
    if speech:
        options.update(speech_timeout="auto", speech_model=config.speech_model, language=language)
        if names:
            options["hints"] = hints(names)
    gather = Gather(**options)
    for prompt in action.prompts:
        _say(gather, prompt, language, account)
    response.append(gather)
    return str(response)


def connect(config: TwilioConfig, action: Connect, caller_number: str) -> str:
    response = VoiceResponse()
    caller_id = caller_number if config.caller_id == "caller" else config.access_number
    query = urlencode({"call": action.call_id})
    dial = response.dial(
        caller_id=caller_id,
        time_limit=action.max_seconds,
        timeout=config.dial_timeout_s,
        action=config.url(f"/twilio/dial-status?{query}"),
        method="POST",
    )
    dial.number(
        action.number,
        status_callback=config.url(f"/twilio/callee-status?{query}"),
        status_callback_event="answered completed",
        status_callback_method="POST",
    )
    return str(response)


def finish(config: TwilioConfig, action: Finish, account: str = "en") -> str:
    response = VoiceResponse()
    for prompt in action.prompts:
        _say(response, prompt, say_language(config, account), account)
    response.hangup()
    return str(response)


def hangup() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)
