"""FastAGI errors.

AgiError
├── AgiProtocolError      the peer sent something that is not AGI (garbage, oversized header)
├── ChannelHungUp         the channel is gone: "511 … dead channel", a -1 result, or HANGUP
│   └── AgiConnectionClosed   the peer closed or reset the socket: the caller is gone too
├── SoundMissing          a -1 result on a live channel: Asterisk could not open a sound file
└── AgiCommandError       510 (unknown command) or 520 (bad syntax): a bug on our side
UnsafeArgument (ValueError)  CR, LF or NUL in an argument: refused before anything is sent
"""

from __future__ import annotations


class AgiError(Exception):
    pass


class AgiProtocolError(AgiError):
    pass


class ChannelHungUp(AgiError):
    pass


class AgiConnectionClosed(ChannelHungUp):
    pass


class SoundMissing(AgiError):
    """Asterisk answered -1 but the channel is still up: the file to play is not there."""

    def __init__(self, name: str) -> None:
        super().__init__(f"sound file not found: {name}")
        self.name = name


class AgiCommandError(AgiError):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code = code


class UnsafeArgument(ValueError):
    pass
