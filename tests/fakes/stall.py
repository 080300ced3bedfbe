"""A server that takes requests and never finishes answering: the worst cloud service.

It reads each request, then either says nothing at all or trickles its answer one byte
at a time, slowly enough that no per-read timeout ever fires. It counts requests and
records when each arrived, so a test can tell whether anything was sent after it stopped
the client.
"""

from __future__ import annotations

import socket
import threading
import time


class StallServer:
    """``trickle_s``: seconds between bytes of a never-ending body; ``None`` stays silent."""

    def __init__(self, trickle_s: float | None = None) -> None:
        self.trickle_s = trickle_s
        self.arrivals: list[float] = []
        self.first_request = threading.Event()
        self.bytes_sent = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.05)
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._sock.getsockname()[:2]
        return f"http://{host}:{port}"

    def start(self) -> StallServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._sock.close()

    def requests_after(self, moment: float) -> int:
        with self._lock:
            return sum(1 for at in self.arrivals if at > moment)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(0.05)
        with conn:
            head = b""
            while b"\r\n\r\n" not in head and not self._stop.is_set():
                try:
                    data = conn.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not data:
                    return
                head += data
            with self._lock:
                self.arrivals.append(time.monotonic())
            self.first_request.set()
            try:
                if self.trickle_s is not None:
                    conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: audio/mpeg\r\n")
                    conn.sendall(b"content-length: 1000000\r\n\r\n")
                while not self._stop.wait(self.trickle_s or 0.05):
                    if self.trickle_s is not None:
                        conn.sendall(b"x")
                        with self._lock:
                            self.bytes_sent += 1
            except OSError:
                return  # the client hung up: what a stopped client should do
