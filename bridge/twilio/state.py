"""The flow state carried in webhook URLs: compact, signed, and bound to one call, so any
bridge process can take the next webhook and nobody can forge or replay a step."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import zlib

from bridge.flow import State


class BadState(ValueError):
    pass


def _mac(key: str, call_sid: str, payload: bytes) -> str:
    digest = hmac.new(key.encode(), call_sid.encode() + b"\0" + payload, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def pack(key: str, call_sid: str, state: State) -> str:
    raw = json.dumps(state.to_json(), separators=(",", ":"), ensure_ascii=False).encode()
    payload = base64.urlsafe_b64encode(zlib.compress(raw, 9)).rstrip(b"=")
    return f"{payload.decode()}.{_mac(key, call_sid, payload)}"


def unpack(key: str, call_sid: str, token: str) -> State:
    try:
        payload_text, mac = token.rsplit(".", 1)
        payload = payload_text.encode()
        if not hmac.compare_digest(mac, _mac(key, call_sid, payload)):
            raise BadState("state signature mismatch")
        raw = zlib.decompress(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
        return State.from_json(json.loads(raw))
    except BadState:
        raise
    except (ValueError, TypeError, KeyError, zlib.error) as exc:
        raise BadState("malformed state") from exc
