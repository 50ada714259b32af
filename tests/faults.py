"""Real services for the fault tests: a Redis of the test's own (ports 6391-6399) that it can stop, crash and
start again, the project's Celery app pointed at it, and an in-process worker (a thread of this process, so
it sends through the same locmem mail outbox the test reads)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PORTS = range(6391, 6400)  # this suite's share of the machine's Redis ports (6379 is the shared one)
HAS_REDIS = shutil.which("redis-server") is not None


def wait_for(condition: Callable[[], bool], *, timeout: float = 60.0, what: str) -> None:
    """Poll observable state until it holds; fail with `what` at the deadline (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@dataclass
class OwnRedis:
    """A plain redis-server without an append-only file or snapshots (the default of many managed
    services): what it holds lives in memory only."""

    port: int
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="husky-redis-")))
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 - our own arguments; redis-server from PATH as CI starts it
            [  # noqa: S607
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for(lambda: self.ping(), timeout=20, what=f"redis on {self.port} to answer")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """An orderly stop (an operator's restart): the server is gone until start()."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=20)
        self.proc = None

    def crash(self) -> None:
        """SIGKILL: whatever was only in memory is lost."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=20)
        self.proc = None

    def queued(self, queue: str = "celery") -> int:
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
            sock.sendall(f"LLEN {queue}\r\n".encode())
            return int(sock.recv(64).strip().lstrip(b":"))


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    if not HAS_REDIS:
        pytest.skip("redis-server is not installed")
    port = next((p for p in PORTS if _port_free(p)), None)
    if port is None:
        pytest.skip("no free port in 6391-6399")
    redis = OwnRedis(port)
    redis.start()
    yield redis
    redis.crash()
    shutil.rmtree(redis.workdir, ignore_errors=True)


def _forget_pools(app) -> None:
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker(own_redis, settings):
    """The project's Celery app publishing to and consuming from `own_redis` for this test."""
    from husky_support import queue
    from husky_support.celery import app

    saved = (app.conf.broker_url, app.conf.broker_transport_options)
    app.conf.broker_url = own_redis.url
    app.conf.broker_transport_options = {
        "visibility_timeout": settings.CELERY_VISIBILITY_TIMEOUT,
        "socket_connect_timeout": 2,
        "socket_timeout": 3,
    }
    _forget_pools(app)  # connection and producer pools of the new broker
    settings.HUSKY_PUBLISH_PAUSE_AFTER_FAILURE_SECONDS = 0
    queue._broker_down_until[0] = 0.0
    yield own_redis
    from kombu import pools

    pools.reset()  # close this broker's pools, and forget them (a later test's port may match)
    app.conf.broker_url, app.conf.broker_transport_options = saved
    _forget_pools(app)
    queue._broker_down_until[0] = 0.0


@contextmanager
def in_process_worker() -> Iterator[None]:
    """A Celery worker thread on the test's broker (solo pool: one task at a time, in this process)."""
    from celery.contrib.testing.worker import start_worker

    from husky_support.celery import app

    with start_worker(
        app,
        pool="solo",
        concurrency=1,
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=30,
        without_heartbeat=True,
    ):
        yield
