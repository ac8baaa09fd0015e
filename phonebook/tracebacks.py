"""Tracebacks safe for info-level logs.

An exception's message can carry what a user typed or what the database held: SQLAlchemy
appends the statement's parameters ("[parameters: ('+12025550101',)]"), PostgreSQL's DETAIL
quotes the duplicate key. ``outline`` keeps what a developer needs to find the fault (every
frame with its source line, every exception's type along the chain) and leaves out every
message; the full exception goes to debug level only."""

from __future__ import annotations

import traceback

WITHHELD = "(message withheld: PHONEBRIDGE_LOG_LEVEL=debug shows it)"


def outline(exc: BaseException) -> str:
    """The traceback of ``exc`` and its causes, oldest first, without any message."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    chain: list[BaseException] = []
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    for link in reversed(chain):
        if parts:
            parts.append("\nwhich led to:\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.StackSummary.extract(traceback.walk_tb(link.__traceback__)).format())
        kind = type(link)
        parts.append(f"{kind.__module__}.{kind.__qualname__} {WITHHELD}\n")
    return "".join(parts).rstrip("\n")


def kind(exc: BaseException) -> str:
    """``module.Type`` of an exception (and of its cause), for one-line summaries."""
    name = f"{type(exc).__module__}.{type(exc).__qualname__}"
    cause = exc.__cause__ or exc.__context__
    return f"{name} from {type(cause).__qualname__}" if cause is not None else name
