"""A real HTTP receiver on 127.0.0.1 for webhook tests and the bench: answers from a script, records what came,
and deduplicates by webhook-id as a well-behaved partner system would."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORTS = range(18100, 18200)  # this helper's share of the machine's local ports


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    path: str


@dataclass
class Receiver:
    """`script` is consumed one entry per request: a status code, ("sleep", seconds), "hang up" or
    ("hold", reached, release) (two threading.Events: set `reached`, answer 200 once `release` is set);
    when empty, every request gets `default`."""

    script: list = field(default_factory=list)
    default: int = 200
    requests: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    @property
    def unique_ids(self) -> Counter:
        """How many times each webhook-id was processed after deduplication (always 1 each)."""
        return Counter({r.headers["webhook-id"]: 1 for r in self.requests if "webhook-id" in r.headers})

    def times_seen(self, msg_id: str) -> int:
        return sum(1 for r in self.requests if r.headers.get("webhook-id") == msg_id)

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                with receiver.lock:
                    receiver.requests.append(Received({k.lower(): v for k, v in self.headers.items()}, body, self.path))
                    action = receiver.script.pop(0) if receiver.script else receiver.default
                if action == "hang up":
                    self.close_connection = True
                    self.connection.close()
                    return
                if isinstance(action, tuple) and action[0] == "hold":  # ("hold", reached, release): stop here
                    action[1].set()
                    action[2].wait(timeout=120)
                    action = 200
                elif isinstance(action, tuple):
                    time.sleep(action[1])
                    action = 200
                payload = b'{"ok": true}' + b"x" * 5000
                try:
                    self.send_response(action)
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the sender went away (a killed worker): the answer never arrives
                    self.close_connection = True

        for port in PORTS:
            try:
                self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
                break
            except OSError:
                continue
        else:
            raise RuntimeError("no free port in 18100-18199")
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
