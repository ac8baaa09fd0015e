"""The call status machine: forward only, final is final."""

from __future__ import annotations

import itertools

from phonebook.calls import CallStatus, advance

S = CallStatus


def test_the_happy_path() -> None:
    status = S.QUEUED
    for nxt in (S.RINGING, S.CONNECTED, S.COMPLETED):
        status = advance(status, nxt)
        assert status == nxt


def test_late_or_repeated_events_never_move_a_call_backwards() -> None:
    assert advance(S.CONNECTED, S.RINGING) == S.CONNECTED
    assert advance(S.RINGING, S.QUEUED) == S.RINGING
    assert advance(S.CONNECTED, S.CONNECTED) == S.CONNECTED


def test_final_is_final() -> None:
    for final, new in itertools.product([s for s in S if s.final], S):
        assert advance(final, new) == final


def test_completed_without_a_connection_is_a_failure() -> None:
    assert advance(S.RINGING, S.COMPLETED) == S.FAILED
    assert advance(S.QUEUED, S.COMPLETED) == S.FAILED


def test_busy_and_no_answer_end_a_ringing_call() -> None:
    assert advance(S.RINGING, S.BUSY) == S.BUSY
    assert advance(S.QUEUED, S.NO_ANSWER) == S.NO_ANSWER
