"""Every request's overall deadline and cancellation, enforced at the socket.

httpx's timeouts count per read: a server that sends one byte every 50 s never trips a
60 s read timeout, so one request could run for hours; and nothing wakes a thread
blocked in ``recv`` when the user presses Ctrl+C or Cancel. Every client built by
:func:`app.engine.net.make_client` therefore connects, reads and writes through
:class:`GuardedTransport`, which waits in short slices and between slices checks the
request's deadline, its job (:func:`app.engine.jobs.current_job`) and the process's
shutdown. A request so stops within :data:`POLL_S` of being cancelled, and never
outlives its deadline by more than that.
"""

from __future__ import annotations

import contextvars
import errno
import select
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpcore
import httpx

from app.engine.jobs.progress import Cancelled, current_job, shutting_down

POLL_S = 0.2
"""How often a blocked connect, read or write looks up from the socket."""

CLEANUP_DEADLINE_S = 2.0
"""How long a clean-up request (cancelling a remote task) may take once we are stopping."""

Clock = Callable[[], float]


@dataclass
class Guard:
    """What may stop one request: its deadline, its job, and the process shutting down."""

    deadline_s: float
    clock: Clock = time.monotonic
    cleanup: bool = False
    """A clean-up request (cancelling a remote task) runs even while shutting down."""
    _end: float = field(init=False)

    def __post_init__(self) -> None:
        self._end = self.clock() + self.deadline_s
        self._job = current_job()

    def remaining(self) -> float:
        return self._end - self.clock()

    def check(self, timeout: type[Exception] = httpcore.ReadTimeout) -> None:
        """Raise :class:`Cancelled` when stopped, or ``timeout`` past the deadline."""
        if not self.cleanup and (
            shutting_down() or (self._job is not None and self._job.cancelled)
        ):
            raise Cancelled()
        if self.remaining() <= 0:
            raise timeout(f"no complete answer within {self.deadline_s:g} s")

    def slice(self, timeout: float | None) -> float:
        """The next wait: at most :data:`POLL_S`, the socket timeout and the time left."""
        left = max(0.001, self.remaining())
        return min(POLL_S, left, timeout if timeout is not None else left)


_GUARD: contextvars.ContextVar[Guard | None] = contextvars.ContextVar(
    "castline_request_guard", default=None
)
_CLEANUP: contextvars.ContextVar[bool] = contextvars.ContextVar("castline_cleanup", default=False)


@contextmanager
def cleanup() -> Iterator[None]:
    """Requests in this block run even while the process stops (with a short deadline):
    cancelling a paid remote task must still go out after Ctrl+C."""
    token = _CLEANUP.set(True)
    try:
        yield
    finally:
        _CLEANUP.reset(token)


def _guard() -> Guard | None:
    return _GUARD.get()


def _sliced(
    guard: Guard | None,
    timeout: float | None,
    kind: type[Exception],
    attempt: Callable[[float | None], Any],
) -> Any:
    """Run ``attempt`` (one blocking socket call taking a timeout) in guarded slices.

    A slice that times out is retried until the caller's own ``timeout`` is spent, so the
    per-read timeout keeps its meaning while the guard is checked in between.
    """
    if guard is None:
        return attempt(timeout)
    end = None if timeout is None else guard.clock() + timeout
    while True:
        guard.check(kind)
        wait = guard.slice(None if end is None else max(0.001, end - guard.clock()))
        try:
            return attempt(wait)
        except TimeoutError:
            if end is not None and guard.clock() >= end:
                raise kind(f"no answer within {timeout:g} s") from None


class _GuardedStream(httpcore.NetworkStream):
    """A socket stream whose every read and write waits in guarded slices."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        def attempt(wait: float | None) -> bytes:
            self._sock.settimeout(wait)
            return self._sock.recv(max_bytes)

        try:
            data: bytes = _sliced(_guard(), timeout, httpcore.ReadTimeout, attempt)
        except OSError as exc:
            raise httpcore.ReadError(str(exc)) from exc
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        guard = _guard()
        view = memoryview(buffer)
        while view:
            try:
                sent: int = _sliced(
                    guard, timeout, httpcore.WriteTimeout, partial(self._send, view)
                )
            except OSError as exc:
                raise httpcore.WriteError(str(exc)) from exc
            view = view[sent:]

    def _send(self, data: memoryview, wait: float | None) -> int:
        self._sock.settimeout(wait)
        return self._sock.send(data)

    def close(self) -> None:
        self._sock.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        guard = _guard()
        if guard is not None:
            guard.check(httpcore.ConnectTimeout)
            timeout = guard.slice(timeout) if timeout is None else min(timeout, guard.remaining())
        try:
            self._sock.settimeout(timeout)
            wrapped = ssl_context.wrap_socket(self._sock, server_hostname=server_hostname)
        except TimeoutError as exc:
            self.close()
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except OSError as exc:
            self.close()
            raise httpcore.ConnectError(str(exc)) from exc
        return _GuardedStream(wrapped)

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object" and isinstance(self._sock, ssl.SSLSocket):
            return self._sock._sslobj  # type: ignore[attr-defined]
        if info == "client_addr":
            return self._sock.getsockname()
        if info == "server_addr":
            return self._sock.getpeername()
        if info == "socket":
            return self._sock
        if info == "is_readable":
            readable, _, _ = select.select([self._sock], [], [], 0)
            return bool(readable)
        return None


class _GuardedBackend(httpcore.NetworkBackend):
    """Connects without blocking, so a connect to a silent host can be cancelled too."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        guard = _guard()
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        error: Exception = httpcore.ConnectError(f"no address for {host}")
        for family, kind, proto, _, address in infos:
            sock = socket.socket(family, kind, proto)
            try:
                if local_address is not None:
                    sock.bind((local_address, 0))
                for option in socket_options or ():
                    sock.setsockopt(*option)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._connect(sock, address, timeout, guard)
                return _GuardedStream(sock)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                sock.close()
                error = exc
            except BaseException:
                sock.close()
                raise
        raise error

    @staticmethod
    def _connect(
        sock: socket.socket, address: Any, timeout: float | None, guard: Guard | None
    ) -> None:
        sock.setblocking(False)
        code = sock.connect_ex(address)
        if code not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK):
            raise httpcore.ConnectError(f"{address}: {errno.errorcode.get(code, code)}")

        def attempt(wait: float | None) -> None:
            _, writable, _ = select.select([], [sock], [], wait)
            if not writable:
                raise TimeoutError
            err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                raise httpcore.ConnectError(f"{address}: {errno.errorcode.get(err, err)}")

        if code != 0:
            _sliced(guard, timeout, httpcore.ConnectTimeout, attempt)
        sock.setblocking(True)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not used by Castline")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _GuardedBody(httpx.SyncByteStream):
    """A response body read under the guard of the request that asked for it."""

    def __init__(self, inner: httpx.SyncByteStream, guard: Guard) -> None:
        self._inner = inner
        self._guard = guard

    def __iter__(self) -> Iterator[bytes]:
        chunks = iter(self._inner)
        while True:
            token = _GUARD.set(self._guard)
            try:
                chunk = next(chunks)
            except StopIteration:
                return
            finally:
                _GUARD.reset(token)
            yield chunk

    def close(self) -> None:
        self._inner.close()


class GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport over :class:`_GuardedBackend`; each request gets a guard.

    ``deadline_s`` bounds one whole request (connect, send, and the full answer).
    """

    def __init__(
        self, *, deadline_s: float, limits: httpx.Limits, clock: Clock = time.monotonic
    ) -> None:
        # No super().__init__(): it would build a pool (and an SSL context) only to drop it.
        self.deadline_s = deadline_s
        self._clock = clock
        # httpx builds its pool without a way to pass a network backend; this is the same
        # pool over ours (no proxy here: proxies from the environment mount their own).
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_GuardedBackend(),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        guard = Guard(
            min(self.deadline_s, CLEANUP_DEADLINE_S) if _CLEANUP.get() else self.deadline_s,
            self._clock,
            cleanup=_CLEANUP.get(),
        )
        guard.check(httpcore.ConnectTimeout)
        token = _GUARD.set(guard)
        try:
            response = super().handle_request(request)
        finally:
            _GUARD.reset(token)
        assert isinstance(response.stream, httpx.SyncByteStream)
        response.stream = _GuardedBody(response.stream, guard)
        return response
