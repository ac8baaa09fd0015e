"""Caller ID trust: whether this call's caller ID may stand for an account without a PIN.

The operator chooses (PHONEBRIDGE_CALLER_ID_TRUST):

- ``attested`` (default): only when the carrier attests the number with STIR/SHAKEN at level
  A (the carrier knows the caller may use it): Twilio's ``StirVerstat`` of
  ``TN-Validation-Passed-A``; on Asterisk, ``STIR_SHAKEN(0,verify_result)`` = ``success`` with
  ``STIR_SHAKEN(0,attestation)`` = ``A``, handed to the bridge by the dialplan.
- ``pin``: never; every caller types their access PIN.
- ``network``: always (a closed network whose trunk the operator trusts not to pass spoofed
  numbers, or a test bed).
"""

from __future__ import annotations

from enum import StrEnum

TWILIO_PASSED_A = "TN-Validation-Passed-A"
ASTERISK_SUCCESS = "success"  # res_stir_shaken's verify_result when the Identity verified
FULL_ATTESTATION = "A"


class CallerIdTrust(StrEnum):
    ATTESTED = "attested"
    PIN = "pin"
    NETWORK = "network"


def twilio_attested(verstat: str) -> bool:
    return verstat.strip() == TWILIO_PASSED_A


def asterisk_attested(verify_result: str, attestation: str) -> bool:
    return verify_result.strip() == ASTERISK_SUCCESS and attestation.strip() == FULL_ATTESTATION


def trusted(trust: CallerIdTrust, attested: bool) -> bool:
    """May this call's caller ID stand for its account without a PIN?"""
    if trust is CallerIdTrust.NETWORK:
        return True
    if trust is CallerIdTrust.PIN:
        return False
    return attested
