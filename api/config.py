from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ApiConfig:
    secret_key: str
    token_minutes: int = 60 * 24
    max_body_bytes: int = 64 * 1024
