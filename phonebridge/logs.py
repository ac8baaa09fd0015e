"""Logging for the `phonebridge` commands: one handler on the root logger (uvicorn's loggers
propagate to it), and below debug a formatter whose tracebacks carry no messages. An
exception's message can quote SQL parameters or a duplicate key, that is a phone number;
the code logs unexpected errors safely itself, and this catches what a library logs."""

from __future__ import annotations

import logging
import sys
from types import TracebackType

from phonebook.tracebacks import outline

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


class PrivateFormatter(logging.Formatter):
    def formatException(self, ei: ExcInfo) -> str:
        return outline(ei[1]) if ei[1] is not None else ""


def configure(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    debug = level.lower() == "debug"
    handler.setFormatter(logging.Formatter(FORMAT) if debug else PrivateFormatter(FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
