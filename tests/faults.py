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

    def start(self, *, required: bool = True) -> bool:
        """Start (again, on the same port); False when it could not (the port was taken meanwhile)."""
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
        proc = self.proc
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.ping():
                return True
            if proc.poll() is not None:  # it exited: the port is someone else's
                break
            time.sleep(0.05)
        self.crash()
        if required:
            pytest.fail(f"redis-server did not start on {self.port}")
        return False

    def ping(self) -> bool:
        """Our server answers on the port (its process id, not another test's server on the same port)."""
        if self.proc is None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"INFO server\r\n")
                reply = b""
                while b"process_id:" not in reply or not reply.endswith(b"\r\n"):
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    reply += chunk
        except OSError:
            return False
        return f"process_id:{self.proc.pid}\r\n".encode() in reply

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
    # Two xdist workers start from different ends of the range, and a port taken meanwhile is skipped.
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    ports = list(PORTS) if worker % 2 == 0 else list(reversed(PORTS))
    redis = None
    for port in ports:
        if not _port_free(port):
            continue
        candidate = OwnRedis(port)
        if candidate.start(required=False):
            redis = candidate
            break
    if redis is None:
        pytest.skip("no free port in 6391-6399")
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
