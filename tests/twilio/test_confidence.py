"""Twilio's speech Confidence goes through the same dialogue bands as the Asterisk engine's
(bridge/dialogue.py): sure → "Calling", likely → "Did you say", and a name that fits several
people → a menu whatever the confidence."""

from __future__ import annotations

import pytest

from phonebook.app import Phonebook
from phonebook.model import PUBLIC
from tests.twilio.conftest import Twilio
from tests.twilio.test_webhooks import people, walk


@pytest.mark.parametrize(
    ("confidence", "heard"),
    [
        ("0.95", "Calling"),
        (None, "Calling"),  # no Confidence posted: nothing to doubt
        ("0.7", "Did you say"),
        ("0.2", "Did you say"),  # unsure, but only one person fits: asked, not listed
        ("not-a-number", "Calling"),
    ],
)
async def test_confidence_bands(
    twilio: Twilio, pb: Phonebook, confidence: str | None, heard: str
) -> None:
    await people(pb)
    answer = {"SpeechResult": "John Smith"}
    if confidence is not None:
        answer["Confidence"] = confidence
    _, served = await walk(twilio, answer)
    assert f">{heard}</Say>" in served and "John Smith" in served


async def test_a_name_of_several_people_is_a_menu_even_when_sure(
    twilio: Twilio, pb: Phonebook
) -> None:
    await people(pb)
    other = await pb.accounts.register("John Martin", "+12025550109", None)
    await pb.cards.add(other.id, "phone", "mobile", "+12025550119", {PUBLIC: "callable"})
    _, served = await walk(twilio, {"SpeechResult": "John", "Confidence": "0.99"})
    assert "Several people match." in served
