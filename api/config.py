from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network


@dataclass(frozen=True, slots=True)
class ApiConfig:
    secret_key: str
    token_minutes: int = 60 * 24
    max_body_bytes: int = 64 * 1024
    # proxies whose X-Forwarded-For names the client (api.auth.client_address)
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = field(default=())
    # a comment line on every idle push stream this often, so proxies keep it open
    heartbeat_seconds: float = 15.0
