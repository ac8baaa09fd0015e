"""Recognition in worker processes: the server's event loop keeps serving other calls while
an utterance is decoded, and a decode that takes too long gives up rather than keep a caller
in silence."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bridge.prompts import speak
from bridge.speech.grammar import build_grammar
from bridge.speech.workers import ProcessRecognizer

NAMES = ["Alice Martin", "Bob Marsh", "Samuel Dubois", "张伟", "Carol Jenkins"]


@pytest.fixture(scope="module")
def workers() -> Iterator[ProcessRecognizer]:
    recognizer = ProcessRecognizer(workers=1, timeout_s=30)
    yield recognizer
    recognizer.close()


async def test_a_worker_recognises_while_the_event_loop_keeps_going(
    workers: ProcessRecognizer, tmp_path: Path
) -> None:
    await speak("samuel dubois", tmp_path / "said", formats=("sln",))
    sln = (tmp_path / "said.sln").read_bytes()
    grammar = build_grammar(NAMES)
    ticks = 0

    async def other_calls() -> None:  # what every other caller on this server needs: turns
        nonlocal ticks
        while True:
            await asyncio.sleep(0.001)
            ticks += 1

    ticking = asyncio.create_task(other_calls())
    started = time.perf_counter()
    heard = await workers.recognize(sln * 8, grammar)  # a long utterance: a long decode
    elapsed = time.perf_counter() - started
    ticking.cancel()
    assert heard.alternatives  # decoded in the worker
    # the loop turned all along; in-process (pocketsphinx holds the GIL) it did not turn at all
    assert ticks > elapsed / 0.001 / 4


async def test_a_decode_over_the_time_limit_hears_nothing(tmp_path: Path) -> None:
    await speak("bob marsh", tmp_path / "said", formats=("sln",))
    impatient = ProcessRecognizer(workers=1, timeout_s=0.001)
    try:
        heard = await impatient.recognize(
            (tmp_path / "said.sln").read_bytes(), build_grammar(NAMES)
        )
    finally:
        impatient.close()
    assert heard.alternatives == ()
