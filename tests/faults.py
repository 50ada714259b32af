"""Real services for the fault tests: a Redis of the test's own (ports 6391-6399) that it can stop, crash and
start again, the project's Celery app pointed at it, and an in-process worker (a thread of this process, so
it sends through the same locmem mail outbox the test reads); for the kill tests, a real `celery worker`
process (killed with SIGKILL), an SMTP sink and a hold inside the database that stop a task at a known
point."""

from __future__ import annotations

import email
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    services): what it holds lives in memory only; with `appendonly`, the broker of docker-compose.yml
    (append-only file, fsync every second, never evicting)."""

    port: int
    appendonly: bool = False
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
                "yes" if self.appendonly else "no",
                "--appendfsync",
                "everysec",
                "--maxmemory-policy",
                "noeviction",
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
        return self._count(f"LLEN {queue}")

    def unacked(self) -> int:
        """Tasks handed to a worker and not acknowledged yet (kombu's Redis transport keeps them in a hash)."""
        return self._count("HLEN unacked")

    def _count(self, command: str) -> int:
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
            sock.sendall(f"{command}\r\n".encode())
            return int(sock.recv(64).strip().lstrip(b":"))


@contextmanager
def running_redis(*, appendonly: bool = False) -> Iterator[OwnRedis]:
    if not HAS_REDIS:
        pytest.skip("redis-server is not installed")
    # Two xdist workers start from different ends of the range, and a port taken meanwhile is skipped.
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    ports = list(PORTS) if worker % 2 == 0 else list(reversed(PORTS))
    redis = None
    for port in ports:
        if not _port_free(port):
            continue
        candidate = OwnRedis(port, appendonly=appendonly)
        if candidate.start(required=False):
            redis = candidate
            break
    if redis is None:
        pytest.skip("no free port in 6391-6399")
    try:
        yield redis
    finally:
        redis.crash()
        shutil.rmtree(redis.workdir, ignore_errors=True)


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    with running_redis() as redis:
        yield redis


@pytest.fixture
def aof_redis() -> Iterator[OwnRedis]:
    """The production broker's shape: append-only file on, fsync every second, noeviction."""
    with running_redis(appendonly=True) as redis:
        yield redis


def _forget_pools(app) -> None:
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker(own_redis, settings):
    """The project's Celery app publishing to and consuming from `own_redis` for this test."""
    with _app_on(own_redis, settings):
        yield own_redis


@pytest.fixture
def aof_broker(aof_redis, settings):
    """The project's Celery app publishing to `aof_redis` (append-only, as in production)."""
    with _app_on(aof_redis, settings):
        yield aof_redis


@contextmanager
def _app_on(own_redis: OwnRedis, settings) -> Iterator[None]:
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
    try:
        yield
    finally:
        _restore_app(app, saved)


def _restore_app(app, saved) -> None:
    from kombu import pools

    from husky_support import queue

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


# --- A real worker process, a mail server and holds the test controls -----------------------------------------


WORKER_ARGS = ("worker", "--pool=solo", "--without-heartbeat", "--without-mingle", "--without-gossip")


@dataclass
class WorkerProcess:
    """`celery -A husky_support worker` (or `beat`, with `args`) in a process of its own (its own session, so a
    SIGKILL takes the whole worker at once, as a crashed machine or the OOM killer would), on the test's
    database, broker and mail server (tests/fault_worker_settings.py). Its log is kept in `log`."""

    env: dict[str, str]
    log: Path
    proc: subprocess.Popen | None = None
    starts: int = 0
    args: tuple[str, ...] = WORKER_ARGS
    ready: str = "ready."  # the log line that says it is up

    def start(self, *, wait: bool = True) -> WorkerProcess:
        self.starts += 1
        self.log.write_text("")
        name = ("-n", f"fault{self.starts}-{self.log.stem}@%h") if self.args[0] == "worker" else ()
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(  # noqa: S603 - our own arguments
                [sys.executable, "-m", "celery", "-A", "husky_support", *self.args, "--loglevel=INFO", *name],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self.wait_ready() if wait else self

    def wait_ready(self, *, timeout: float = 60.0) -> WorkerProcess:
        proc = self.proc
        assert proc is not None
        wait_for(lambda: self.ready in self.output() or proc.poll() is not None, timeout=timeout, what=self.args[0])
        if proc.poll() is not None:
            pytest.fail(f"celery {self.args[0]} exited at start:\n{self.output()[-3000:]}")
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def pool_processes(self) -> list[int]:
        """The process ids of a prefork worker's pool processes (its children)."""
        assert self.proc is not None
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid and fields[0] != "Z":  # a zombie has exited (its files closed)
                children.append(int(stat.parent.name))
        return children

    def kill(self) -> None:
        """SIGKILL, no warm shutdown: the task it runs is neither finished nor acknowledged."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=20)
        self.proc = None


@contextmanager
def worker_processes(
    redis: OwnRedis, *, db_name: str, smtp_port: int, **extra: str
) -> Iterator[Callable[[], WorkerProcess]]:
    """A factory of worker processes; every one started is killed at the end, whatever happened."""
    workdir = Path(tempfile.mkdtemp(prefix="husky-worker-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.fault_worker_settings",
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
        "HUSKY_VAR_DIR": str(workdir),
        "HUSKY_FAULT_DB_NAME": db_name,
        "HUSKY_FAULT_SMTP_PORT": str(smtp_port),
        "REDIS_URL": redis.url,
        "CACHE_URL": redis.url.removesuffix("/0") + "/1",
        **extra,
    }
    env.pop("CELERY_BROKER_URL", None)
    started: list[WorkerProcess] = []

    def start(*, beat: bool = False, wait: bool = True, prefork: bool = False, **env_extra: str) -> WorkerProcess:
        kind = "beat" if beat else "worker"
        log = workdir / f"{kind}{len(started)}.log"
        args = ("beat", "--schedule", str(workdir / f"schedule{len(started)}")) if beat else WORKER_ARGS
        if prefork:  # production's pool: a parent and its pool processes (one here)
            args = ("worker", "--pool=prefork", "--concurrency=1", *WORKER_ARGS[2:])
        worker = WorkerProcess(
            env={**env, **env_extra}, log=log, args=args, ready="beat: Starting" if beat else "ready."
        )
        started.append(worker)
        return worker.start(wait=wait)

    try:
        yield start
    finally:
        for worker in started:
            worker.kill()
        shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class SmtpSink:
    """A mail server on 127.0.0.1 that keeps what it accepted, by Message-ID. `hold_at` stops it at a known
    point of the n-th message (("data", n): before accepting its text, so the message is not yet the
    server's; ("mail", n): before answering its MAIL FROM, so the messages before it were accepted) until
    `release()`; `holding` is set while it waits. As a real MTA does, a message whose client is gone when
    the server would accept it is dropped (RFC 5321 4.1.1.4: the server takes it only with its 250)."""

    hold_at: tuple[str, int] | None = None
    accepted: list[str] = field(default_factory=list)
    holding: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    dropped: int = 0
    server: socket.socket | None = None
    _seen: dict[str, int] = field(default_factory=lambda: {"mail": 0, "data": 0})
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def port(self) -> int:
        assert self.server is not None
        return self.server.getsockname()[1]

    def counts(self) -> Counter:
        with self._lock:
            return Counter(self.accepted)

    def start(self) -> SmtpSink:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self._stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.release()
        if self.server is not None:
            self.server.close()

    def release(self) -> None:
        self.released.set()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _hold(self, what: str, conn: socket.socket) -> bool:
        """Wait here if this is the held point; False when the client went away meanwhile."""
        with self._lock:
            self._seen[what] += 1
            held = self.hold_at == (what, self._seen[what])
        if not held:
            return True
        self.holding.set()
        self.released.wait(timeout=120)
        conn.setblocking(False)
        try:
            gone = conn.recv(1, socket.MSG_PEEK) == b""
        except BlockingIOError:
            gone = False
        except OSError:
            gone = True
        conn.setblocking(True)
        return not gone

    def _session(self, conn: socket.socket) -> None:
        conn.settimeout(60)
        reader = conn.makefile("rb")
        try:
            conn.sendall(b"220 sink ESMTP\r\n")
            while line := reader.readline():
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    conn.sendall(b"250-sink\r\n250 8BITMIME\r\n")
                elif verb == b"MAIL":
                    if not self._hold("mail", conn):
                        return
                    conn.sendall(b"250 ok\r\n")
                elif verb == b"DATA":
                    conn.sendall(b"354 go on\r\n")
                    text = b""
                    while (part := reader.readline()) not in (b".\r\n", b""):
                        text += part
                    if not self._hold("data", conn):
                        with self._lock:
                            self.dropped += 1
                        return
                    message = email.message_from_bytes(text)
                    with self._lock:
                        self.accepted.append(str(message["Message-ID"]))
                    conn.sendall(b"250 queued\r\n")
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:  # RCPT, RSET, NOOP
                    conn.sendall(b"250 ok\r\n")
        except OSError:
            return
        finally:
            reader.close()
            conn.close()


HOLD_LOCK_KEY = 18_0018  # the advisory lock a held trigger waits for


@dataclass
class DbHold:
    """Stops the job at the first row it inserts into `table` for its second item (the items told apart by
    `column`), whichever item the job takes second, until `release()`: a trigger waits for an advisory lock
    this test holds on its own connection. The worker's transaction is then open at a known point: the first
    item committed, the second in flight. The items seen are kept in a table that commits and rolls back with
    the job's own transactions. Test-only: all of it lives in the test database and is dropped at the end."""

    admin: Any
    table: str
    holder: Any = None

    @classmethod
    def install(cls, admin_params: dict, table: str, column: str) -> DbHold:
        import psycopg

        admin = psycopg.connect(**admin_params, autocommit=True)
        admin.execute("CREATE SEQUENCE IF NOT EXISTS fault_hold_seq")
        admin.execute("CREATE TABLE IF NOT EXISTS fault_hold_seen (item bigint PRIMARY KEY)")
        admin.execute(
            f"""CREATE OR REPLACE FUNCTION fault_hold() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO fault_hold_seen VALUES (NEW.{column}) ON CONFLICT DO NOTHING;
                IF (SELECT count(*) FROM fault_hold_seen) >= 2 THEN
                    IF nextval('fault_hold_seq') = 1 THEN PERFORM pg_advisory_xact_lock({HOLD_LOCK_KEY}); END IF;
                END IF;
                RETURN NEW;
            END $$"""  # noqa: S608 - the test's own column name, not input
        )
        admin.execute(f"CREATE TRIGGER fault_hold BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION fault_hold()")
        hold = cls(admin=admin, table=table)
        hold.holder = psycopg.connect(**admin_params, autocommit=True)
        hold.holder.execute("SELECT pg_advisory_lock(%s)", [HOLD_LOCK_KEY])
        return hold

    def waiting(self) -> int:
        """Backends waiting for the hold (the worker's, or what is left of it after a kill)."""
        return self.admin.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = %s"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [HOLD_LOCK_KEY],
        ).fetchone()[0]

    def release(self) -> None:
        if self.holder is not None:
            self.holder.close()  # its session lock goes with it
            self.holder = None

    def drop(self) -> None:
        self.release()
        self.admin.execute(f"DROP TRIGGER IF EXISTS fault_hold ON {self.table}")
        self.admin.execute("DROP SEQUENCE IF EXISTS fault_hold_seq")
        self.admin.execute("DROP TABLE IF EXISTS fault_hold_seen")
        self.admin.execute("DROP FUNCTION IF EXISTS fault_hold()")
        self.admin.close()


def admin_params() -> dict:
    """Connection parameters of the test database for psycopg connections of the test's own."""
    from django.db import connection

    params = connection.get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold", "pool"):
        params.pop(key, None)
    return params


VISIBILITY = 3  # seconds: in the kill tests a dead worker's task comes back this long after it was handed out


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    running = SmtpSink().start()
    yield running
    running.stop()


@pytest.fixture
def workers(aof_broker, sink) -> Iterator[Callable[..., WorkerProcess]]:
    """Start worker processes on the test's database, `aof_broker` and `sink` (`beat=True`: a beat;
    `prefork=True`: production's pool with one pool process; `wait=False`: do not wait for it to be up, call
    its wait_ready()), with extra environment as keywords; all killed at the end."""
    from django.db import connection

    with worker_processes(
        aof_broker,
        db_name=connection.settings_dict["NAME"],
        smtp_port=sink.port,
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY),
        WEBHOOKS_LEASE_SECONDS=str(VISIBILITY),
    ) as start:
        yield start


def settled(broker: OwnRedis) -> bool:
    """Nothing queued and nothing handed out unacknowledged: no task is still to come."""
    return broker.queued() == 0 and broker.unacked() == 0


def report(fault: str, owed: int, handled: Counter, started: float, **more: int) -> None:
    """One line per fault for the closing note (run with -s): owed, handled, duplicated, lost."""
    duplicated = sum(n - 1 for n in handled.values() if n > 1)
    lost = owed - len(handled)
    extra = "".join(f" {key}={value}" for key, value in more.items())
    print(
        f"\nFAULT {fault}: owed={owed} handled={len(handled)} duplicated={duplicated} lost={lost}{extra} "
        f"({time.monotonic() - started:.1f} s)"
    )
