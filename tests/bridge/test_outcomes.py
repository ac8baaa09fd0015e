"""The one table of how a dialled leg ends, and the one table of apologies."""

from __future__ import annotations

import pytest

from bridge import contract
from bridge.contract import Result
from bridge.flow import GOODBYE, TRY_LATER, UNAVAILABLE, Finish, apologise
from bridge.outcomes import DIALLED_LEG, apology, dialled_leg
from phonebook.calls import CallStatus
from phonebook.errors import Forbidden, NotFound, PhonebookError, RateLimited


@pytest.mark.parametrize(
    ("asterisk", "twilio", "status"),
    [
        ("ANSWER", "completed", CallStatus.CONNECTED),
        ("BUSY", "busy", CallStatus.BUSY),
        ("NOANSWER", "no-answer", CallStatus.NO_ANSWER),
        ("CANCEL", "canceled", CallStatus.FAILED),
        ("CHANUNAVAIL", "failed", CallStatus.FAILED),
    ],
)
def test_both_providers_words_mean_the_same(asterisk: str, twilio: str, status: CallStatus) -> None:
    assert dialled_leg(asterisk) == dialled_leg(twilio) == status
    assert apology(asterisk) == apology(twilio)


def test_unknown_words_are_failures_nobody_hears_about() -> None:
    assert dialled_leg("SOMETHING-NEW") == CallStatus.FAILED and apology("") is None
    assert apology("busy") == contract.SOUND_CALLEE_BUSY and apology("canceled") is None
    assert all(status in CallStatus for status, _ in DIALLED_LEG.values())


@pytest.mark.parametrize(
    ("error", "prompt", "result"),
    [
        (RateLimited("slow down", retry_after=60), TRY_LATER, Result.RATE_LIMITED),
        (NotFound("gone"), UNAVAILABLE, Result.UNAVAILABLE),
        (Forbidden("no"), UNAVAILABLE, Result.UNAVAILABLE),
    ],
)
def test_each_error_has_one_apology(error: PhonebookError, prompt: str, result: Result) -> None:
    turn = apologise(error)
    assert turn.state is None and isinstance(turn.action, Finish)
    assert [p.value for p in turn.action.prompts] == [prompt, GOODBYE]
    assert turn.action.result == result
