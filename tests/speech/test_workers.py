"""Recognition in worker processes: the server's event loop keeps serving other calls while
an utterance is decoded, and a decode that overruns its time limit is abandoned and its
worker killed and replaced (a real worker, a real overrun)."""

from __future__ import annotations

import asyncio
import os
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
    recognizer = ProcessRecognizer(workers=1, timeout_s=60)
    yield recognizer
    recognizer.close()


async def test_a_worker_recognises_while_the_event_loop_keeps_going(
    workers: ProcessRecognizer, tmp_path: Path
) -> None:
    await speak("samuel dubois", tmp_path / "said", formats=("sln",))
    sln = (tmp_path / "said.sln").read_bytes()
    grammar = build_grammar(NAMES)
    await workers.recognize(sln, grammar)  # the worker has loaded its models
    ticks = 0

    async def other_calls() -> None:  # what every other caller on this server needs: turns
        nonlocal ticks
        while True:
            await asyncio.sleep(0.001)
            ticks += 1

    ticking = asyncio.create_task(other_calls())
    started = time.perf_counter()
    heard = await workers.recognize(sln * 4, grammar)  # a long utterance: a long decode
    elapsed = time.perf_counter() - started
    ticking.cancel()
    assert heard.alternatives  # decoded in the worker
    # the loop turned all along; in-process (pocketsphinx holds the GIL) it did not turn at all
    assert ticks > elapsed / 0.001 / 4


def _alive(pid: int | None) -> bool:
    assert pid is not None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_an_overrun_is_abandoned_and_its_worker_replaced(
    workers: ProcessRecognizer, tmp_path: Path
) -> None:
    await speak("bob marsh", tmp_path / "said", formats=("sln",))
    sln = (tmp_path / "said.sln").read_bytes()
    grammar = build_grammar(NAMES)
    assert (await workers.recognize(sln, grammar)).best == "bob marsh"
    [before] = workers.pids
    workers.timeout_s = 0.001  # no decode of a whole utterance is that fast: a forced overrun
    try:
        heard = await workers.recognize(sln * 20, grammar)
    finally:
        workers.timeout_s = 60
    assert heard.alternatives == ()  # the caller is asked again
    assert workers.recycled == 1
    [after] = workers.pids
    assert after != before and not _alive(before)  # killed, not left decoding
    # the replacement serves the next caller
    assert (await workers.recognize(sln, grammar)).best == "bob marsh"


async def test_a_cancelled_decode_never_answers_the_next_caller(
    workers: ProcessRecognizer, tmp_path: Path
) -> None:
    await speak("carol jenkins", tmp_path / "first", formats=("sln",))
    await speak("alice martin", tmp_path / "second", formats=("sln",))
    grammar = build_grammar(NAMES)
    recycled = workers.recycled
    hung_up = asyncio.create_task(
        workers.recognize((tmp_path / "first.sln").read_bytes() * 20, grammar)
    )
    await asyncio.sleep(0.2)  # the decode is under way in the worker
    hung_up.cancel()
    with pytest.raises(asyncio.CancelledError):
        await hung_up
    assert workers.recycled == recycled + 1
    heard = await workers.recognize((tmp_path / "second.sln").read_bytes(), grammar)
    assert heard.best == "alice martin"  # not the abandoned "carol jenkins"
