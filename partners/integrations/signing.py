"""Standard Webhooks 1.0 signatures (https://www.standardwebhooks.com/): pure, no clock, no database.

A message is signed as base64(HMAC-SHA256(key, f"{msg_id}.{timestamp}.{body}")), where the key is the
base64 part of a `whsec_` secret; the `webhook-signature` header lists `v1,<signature>` entries separated
by spaces, one per secret still valid (two during a rotation window).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable

from husky_support.domain import InputRefused

SECRET_PREFIX = "whsec_"  # noqa: S105 - the spec's prefix, not a secret
SECRET_BYTES = 24  # the spec asks for 24 to 64 random bytes


class InvalidSecret(InputRefused):
    code = "invalid_secret"


def generate_secret() -> str:
    """A new signing secret: `whsec_` + base64 of 24 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def _key(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        raise InvalidSecret("A signing secret starts with whsec_.")
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except ValueError as exc:
        raise InvalidSecret("A signing secret is whsec_ followed by base64.") from exc


def sign(secret: str, *, msg_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,<base64>` signature of the message."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signature_header(secrets_in_force: Iterable[str], *, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value: one signature per secret, space-separated (rotation sends both)."""
    return " ".join(sign(s, msg_id=msg_id, timestamp=timestamp, body=body) for s in secrets_in_force)


def headers(secrets_in_force: Iterable[str], *, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers of one delivery attempt."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(secrets_in_force, msg_id=msg_id, timestamp=timestamp, body=body),
    }
