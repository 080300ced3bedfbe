"""A small threaded HTTP server base for fakes, with per-request fault injection.

Each fake records every request it received (method, path, query, headers, JSON body,
arrival time) and answers from its ``handle`` method unless a queued :class:`Fault`
matches first. Faults cover what real services do to clients: error statuses with
Retry-After headers, error bodies with codes, slow answers, and connections dropped in
the middle of a body.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import numpy as np


@dataclass
class Recorded:
    """One request as the fake saw it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    raw_body: bytes
    at: float


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    @classmethod
    def json(cls, status: int, data: Any, headers: dict[str, str] | None = None) -> Reply:
        return cls(status, json.dumps(data).encode(), dict(headers or {}))


@dataclass
class Fault:
    """What to do instead of (or to) the next matching request."""

    status: int | None = None
    """Answer with this status and ``error`` as the body."""
    error: Any = None
    text: str | None = None
    """Answer with this plain-text body instead of ``error`` as JSON (a proxy's error page)."""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    """Wait this long before answering (a slow server)."""
    drop_mid_body: bool = False
    """Send the real answer's headers and half its body, then close the connection."""
    path_contains: str = ""
    times: int = 1


class FakeServer:
    """Start with :meth:`start`, stop with :meth:`stop`; ``url`` is its base URL."""

    serves: ClassVar[str] = ""
    """The provider this fakes, as its registry names it (found by :func:`tests.fakes.catalog.fake_for`)."""
    url_env: ClassVar[str] = ""
    """The environment variable that points the real client at it, where the provider
    class does not say (voice providers)."""
    voice: ClassVar[str] = ""
    """A voice id it knows (voice providers)."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.in_flight = 0
        self.max_in_flight = 0

    # -- control ---------------------------------------------------------------------
    def start(self) -> FakeServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                return

            def _serve(self) -> None:
                fake._dispatch(self)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        # A short poll interval: shutdown() waits up to one interval, once per test.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    @property
    def url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def inject(self, *faults: Fault) -> None:
        """Queue faults; each applies to the next ``times`` matching requests."""
        with self._lock:
            self._faults.extend(faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self.requests.clear()

    def requests_to(self, fragment: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if fragment in r.path]

    # -- serving ---------------------------------------------------------------------
    def handle(self, request: Recorded) -> Reply:
        raise NotImplementedError

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.path_contains in path:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _dispatch(self, handler: BaseHTTPRequestHandler) -> None:
        split = urlsplit(handler.path)
        length = int(handler.headers.get("content-length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        request = Recorded(
            handler.command,
            split.path,
            {k: v[0] for k, v in parse_qs(split.query).items()},
            {k.lower(): v for k, v in handler.headers.items()},
            body,
            raw,
            time.monotonic(),
        )
        with self._lock:
            self.requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            fault = self._take_fault(split.path)
            if fault is not None and fault.delay_s:
                time.sleep(fault.delay_s)
            if fault is not None and fault.status is not None and fault.text is not None:
                reply = Reply(fault.status, fault.text.encode(), dict(fault.headers), "text/plain")
            elif fault is not None and fault.status is not None:
                reply = Reply.json(fault.status, fault.error, fault.headers)
            else:
                reply = self.handle(request)
                if fault is not None:
                    reply.headers.update(fault.headers)
            self._send(handler, reply, drop=bool(fault and fault.drop_mid_body))
        finally:
            with self._lock:
                self.in_flight -= 1

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, reply: Reply, *, drop: bool) -> None:
        handler.send_response(reply.status)
        handler.send_header("content-type", reply.content_type)
        handler.send_header("content-length", str(len(reply.body)))
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        if drop:
            handler.wfile.write(reply.body[: len(reply.body) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            with contextlib.suppress(OSError):
                handler.connection.shutdown(socket.SHUT_RDWR)
            return
        handler.wfile.write(reply.body)


def speechlike(text: str, rate: int, *, seconds_per_letter: float = 0.06) -> np.ndarray:
    """A voiced signal shaped like speech: one harmonic burst a word, short gaps between.

    Word boundaries are known exactly, so tests can check word timings against it.
    """
    return speechlike_with_spans(text, rate, seconds_per_letter=seconds_per_letter)[0]


def speechlike_with_spans(
    text: str, rate: int, *, seconds_per_letter: float = 0.06
) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """:func:`speechlike` plus each word's (start, end) sample."""
    parts = [np.zeros(int(0.12 * rate), dtype=np.float32)]
    spans: list[tuple[int, int]] = []
    position = parts[0].size
    for i, word in enumerate(text.split()):
        n = int(max(2, len(word)) * seconds_per_letter * rate)
        t = np.arange(n) / rate
        f0 = 110 + 15 * ((i * 7) % 5)
        voiced = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 6))
        envelope = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.015)
        parts.append((0.2 * voiced * envelope).astype(np.float32))
        spans.append((position, position + n))
        gap = np.zeros(int((0.15 if word[-1] in ",.?!" else 0.07) * rate), dtype=np.float32)
        parts.append(gap)
        position += n + gap.size
    parts.append(np.zeros(int(0.12 * rate), dtype=np.float32))
    return np.concatenate(parts), spans
