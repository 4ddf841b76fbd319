"""What the sandbox departments accept from the hub: an API key, OAuth client credentials,
a token (the defaults serve `hub demo` and the tests; docker-compose.yml gives the sandbox
the credentials docker/make-env generated, and the hub the same ones as Airflow Connections)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SandboxCredentials:
    """What the hub must present. A short ``approval_token_lifetime_s`` (e.g. 0.5) lets a
    test see a token expire."""

    commerce_key: str = "sandbox-commerce-key"
    approval_client_id: str = "sandbox-client"
    approval_client_secret: str = "sandbox-secret"
    stats_token: str = "sandbox-stats-token"
    approval_token_lifetime_s: float = 300
