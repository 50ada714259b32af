"""Standard Webhooks signatures, checked against the published `standardwebhooks` package. Pure: no database."""

import base64
import json
from datetime import UTC, datetime

import pytest
import time_machine
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from partners.integrations import signing

BODY = json.dumps({"id": "evt_1", "type": "case.created", "data": {"number": "HSK-2026-000001"}}).encode()
TIMESTAMP = 1_796_000_000


def _verify(secret: str, headers: dict[str, str], body: bytes = BODY) -> dict:
    # The package refuses timestamps more than 5 minutes from its clock: verify at the signing moment.
    with time_machine.travel(TIMESTAMP + 10, tick=False):
        return Webhook(secret).verify(body, headers)


def test_a_new_secret_is_whsec_and_24_random_bytes():
    secret = signing.generate_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 24
    assert signing.generate_secret() != secret


def test_the_standardwebhooks_package_verifies_our_signature():
    secret = signing.generate_secret()
    headers = signing.headers([secret], msg_id="evt_1", timestamp=TIMESTAMP, body=BODY)
    assert headers["webhook-id"] == "evt_1"
    assert headers["webhook-timestamp"] == str(TIMESTAMP)
    assert headers["webhook-signature"].startswith("v1,")
    assert _verify(secret, headers)["type"] == "case.created"


def test_an_old_timestamp_is_refused_by_the_package():
    secret = signing.generate_secret()
    headers = signing.headers([secret], msg_id="evt_1", timestamp=TIMESTAMP - 3600, body=BODY)
    with pytest.raises(WebhookVerificationError):
        _verify(secret, headers)


def test_our_signature_equals_the_package_signature():
    secret = signing.generate_secret()
    theirs = Webhook(secret).sign("evt_1", datetime.fromtimestamp(TIMESTAMP, tz=UTC), BODY.decode())
    assert signing.sign(secret, msg_id="evt_1", timestamp=TIMESTAMP, body=BODY) == theirs


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda h, b: ({**h, "webhook-id": "evt_2"}, b), id="other id"),
        pytest.param(lambda h, b: ({**h, "webhook-timestamp": str(TIMESTAMP + 1)}, b), id="other timestamp"),
        pytest.param(lambda h, b: (h, b.replace(b"000001", b"000002")), id="other body"),
    ],
)
def test_a_tampered_message_fails_verification(tamper):
    secret = signing.generate_secret()
    headers, body = tamper(signing.headers([secret], msg_id="evt_1", timestamp=TIMESTAMP, body=BODY), BODY)
    with pytest.raises(WebhookVerificationError):
        _verify(secret, headers, body)


def test_during_a_rotation_both_the_old_and_the_new_secret_verify():
    old, new = signing.generate_secret(), signing.generate_secret()
    headers = signing.headers([new, old], msg_id="evt_1", timestamp=TIMESTAMP, body=BODY)
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert _verify(old, headers)
    assert _verify(new, headers)
    with pytest.raises(WebhookVerificationError):
        _verify(signing.generate_secret(), headers)


@pytest.mark.parametrize("secret", ["abc", "whsec_not base64!"])
def test_a_malformed_secret_is_refused(secret):
    with pytest.raises(signing.InvalidSecret):
        signing.sign(secret, msg_id="evt_1", timestamp=TIMESTAMP, body=BODY)


def readme_verify(secret: str, headers: dict, body: bytes, now: float, tolerance: int = 300) -> bool:
    """The README's standard-library verifier, kept word for word (apart from `now`) so it stays right."""
    import hashlib
    import hmac

    msg_id, ts = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(now - int(ts)) > tolerance:
        return False  # too old (or from the future): a replay
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{ts}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(expected, sig.split(",", 1)[1])
        for sig in headers["webhook-signature"].split()
        if sig.startswith("v1,")
    )


def test_the_readme_verifier_accepts_ours_and_refuses_a_forgery():
    secret = signing.generate_secret()
    headers = signing.headers([signing.generate_secret(), secret], msg_id="evt_1", timestamp=TIMESTAMP, body=BODY)
    assert readme_verify(secret, headers, BODY, now=TIMESTAMP + 5)
    assert not readme_verify(secret, headers, BODY + b" ", now=TIMESTAMP + 5)
    assert not readme_verify(secret, headers, BODY, now=TIMESTAMP + 3600)
