"""One HTTP POST of a signed webhook body: the destination checked after DNS resolution on every attempt,
short timeouts, redirects not followed, only the start of the response kept."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass

import urllib3
from django.conf import settings

from partners.integrations.ssrf import DestinationPolicy, DestinationRefused, Resolver, resolve_destination

RESPONSE_BODY_LIMIT = 1024


@dataclass(frozen=True, kw_only=True)
class SendOutcome:
    status_code: int | None
    duration_ms: int
    error: str = ""  # a short code-like reason when no usable answer came: timeout, connection_failed, …
    response_body: str = ""
    refused: bool = False  # the destination itself is not permitted (SSRF rule)

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def destination_policy() -> DestinationPolicy:
    return DestinationPolicy(allow_http=settings.WEBHOOKS_ALLOW_HTTP, allow_loopback=settings.WEBHOOKS_ALLOW_LOOPBACK)


def _timeout() -> urllib3.Timeout:
    return urllib3.Timeout(
        connect=settings.WEBHOOKS_CONNECT_TIMEOUT_SECONDS,
        read=settings.WEBHOOKS_READ_TIMEOUT_SECONDS,
        total=settings.WEBHOOKS_CONNECT_TIMEOUT_SECONDS + settings.WEBHOOKS_READ_TIMEOUT_SECONDS,
    )


def _pool(scheme: str, address: str, port: int, host: str) -> urllib3.HTTPConnectionPool:
    """A one-request pool on the checked address; TLS still verifies the certificate against `host`."""
    if scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address,
            port,
            timeout=_timeout(),
            retries=False,
            maxsize=1,
            server_hostname=host,
            assert_hostname=host,
            cert_reqs="CERT_REQUIRED",
        )
    return urllib3.HTTPConnectionPool(address, port, timeout=_timeout(), retries=False, maxsize=1)


def send(url: str, *, body: bytes, headers: dict[str, str], resolve: Resolver = socket.getaddrinfo) -> SendOutcome:
    """POST `body` to `url`. Never raises for network trouble: the outcome says what happened."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        destination = resolve_destination(url, destination_policy(), resolve=resolve)
    except DestinationRefused as refused:
        return SendOutcome(status_code=None, duration_ms=elapsed(), error=refused.message[:300], refused=True)
    host_header = destination.host
    if destination.port not in {80, 443}:
        host_header = f"{destination.host}:{destination.port}"
    request_headers = {
        "content-type": "application/json",
        "user-agent": "HuskySupport-Webhooks/1",
        "host": host_header,
        **headers,
    }
    address = destination.addresses[0]
    pool = _pool(destination.scheme, address, destination.port, destination.host)
    try:
        response = pool.urlopen(
            "POST",
            destination.path,
            body=body,
            headers=request_headers,
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            start = response.read(RESPONSE_BODY_LIMIT, decode_content=False)
        finally:
            response.release_conn()
            response.close()
        return SendOutcome(
            status_code=response.status,
            duration_ms=elapsed(),
            response_body=start.decode("utf-8", errors="replace"),
        )
    except urllib3.exceptions.TimeoutError:
        return SendOutcome(status_code=None, duration_ms=elapsed(), error="timeout")
    except urllib3.exceptions.SSLError as exc:
        return SendOutcome(status_code=None, duration_ms=elapsed(), error=f"tls_error: {exc}"[:300])
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        return SendOutcome(status_code=None, duration_ms=elapsed(), error=f"connection_failed: {exc}"[:300])
    finally:
        pool.close()
