"""Domain errors. They carry a stable machine-readable ``code`` and no transport detail;
each transport maps them in one table (HTTP status, dialplan result, spoken apology).

    PhonebookError
    ├── InvalidInput          invalid_input     malformed or oversized value
    │   ├── InvalidPhone      invalid_phone     not a dialable number
    │   └── InvalidQuery      invalid_query     lookup query too short or unusable
    ├── NotFound              not_found         absent, or not shared with you: one answer for both
    ├── Conflict              conflict          would break a uniqueness rule
    │   └── PhoneTaken        phone_taken       number already registered
    ├── Unauthenticated       unauthenticated   bad or missing credentials
    ├── Forbidden             forbidden         authenticated, but not allowed
    ├── RateLimited           rate_limited      too many requests; ``retry_after`` seconds
    └── Unavailable           telephony_unavailable   a provider (AMI, Twilio) cannot take calls now
"""

from __future__ import annotations


class PhonebookError(Exception):
    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code  # a more precise code within the same family, e.g. circle_not_found


class InvalidInput(PhonebookError):
    code = "invalid_input"


class InvalidPhone(InvalidInput):
    code = "invalid_phone"


class InvalidQuery(InvalidInput):
    code = "invalid_query"


class NotFound(PhonebookError):
    code = "not_found"


class Conflict(PhonebookError):
    code = "conflict"


class PhoneTaken(Conflict):
    code = "phone_taken"


class Unauthenticated(PhonebookError):
    code = "unauthenticated"


class Forbidden(PhonebookError):
    code = "forbidden"


class RateLimited(PhonebookError):
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(PhonebookError):
    code = "telephony_unavailable"


# The one not-found answer: the same words whether a person is absent or does not share.
NOT_FOUND_MESSAGE = "No one by that name shares anything with you."
