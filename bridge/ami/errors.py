"""AMI client errors.

AmiError
├── AmiProtocolError                  not AMI: no banner, an endless line, a broken message
├── AmiAuthError                      Login refused ("Authentication failed"): never retried
├── AmiBusy                           too many actions in flight: refused at once
├── AmiDisconnected                   no connection: the action was never written
│   └── AmiOriginateOutcomeUnknown    the connection dropped after an Originate was written:
│                                     the phone may ring; it must not be sent again
└── AmiActionFailed                   Asterisk answered "Response: Error"
UnsafeHeader (ValueError)             CR, LF or NUL in a header: refused before sending
"""

from __future__ import annotations


class AmiError(Exception):
    pass


class AmiProtocolError(AmiError):
    pass


class AmiAuthError(AmiError):
    pass


class AmiBusy(AmiError):
    pass


class AmiDisconnected(AmiError):
    pass


class AmiOriginateOutcomeUnknown(AmiDisconnected):
    pass


class AmiActionFailed(AmiError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnsafeHeader(ValueError):
    pass
