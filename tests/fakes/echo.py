"""Faults that repeat the caller's keys, the way some services echo a bad key back.

Each :data:`FAULTS` entry answers every request with an error carrying the keys: as a
401 or 403 body, a 500 body (retried at once, then given up), response headers, and
bodies that put a key across the point where clients cut error text short. Keys come
from :func:`planted_key`; :func:`leaks` finds any of them, whole or cut short.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from tests.fakes.server import Fault


def planted_key(user: str) -> str:
    """A key unlike any other, new for each test (so no test relies on a key an earlier
    one taught the filter), starting with 16 random hex digits (so a key cut short still
    shows: see :func:`leaks`) and holding the characters real keys hold (fal's ``id:secret``,
    base64's ``+/=``) which change when a server URL-encodes what it echoes."""
    return f"{os.urandom(8).hex()}:{user}/planted+key="


def echo(keys: list[str]) -> str:
    """Each key as sent and as a server URL-encodes it back."""
    return "; ".join(f"Invalid API key {k} (you sent {quote(k, safe='')})" for k in keys)


def echo_body(keys: list[str]) -> dict[str, object]:
    """An error body repeating every key, in the shapes services use."""
    said = echo(keys)
    return {"error": {"message": said, "code": "invalid_api_key"}, "detail": said, "message": said}


CUT = 300
"""Where clients cut a server's error text short; a key straddling it must not half-show."""


def straddling(keys: list[str]) -> str:
    """The keys, the first beginning 20 characters before :data:`CUT`."""
    return "x" * (CUT - 20) + " ".join(keys) + " " + echo(keys)


FAULTS: dict[str, Callable[[list[str]], Fault]] = {
    "401": lambda keys: Fault(status=401, error=echo_body(keys), times=10_000),
    "403": lambda keys: Fault(status=403, error=echo_body(keys), times=10_000),
    "500": lambda keys: Fault(
        status=500, error=echo_body(keys), headers={"Retry-After": "0"}, times=10_000
    ),
    "header": lambda keys: Fault(
        status=401,
        error={"error": "unauthorized"},
        headers={
            "WWW-Authenticate": f'Bearer error="invalid_token", error_description="{echo(keys)}"',
            "X-Echo-Key": " ".join(keys),
        },
        times=10_000,
    ),
    "cut-text": lambda keys: Fault(status=401, text=straddling(keys), times=10_000),
    "cut-json": lambda keys: Fault(
        status=401, error={"detail": straddling(keys)[len("{'detail': '") :]}, times=10_000
    ),
}
"""Each way a service repeats a key, by name."""


def leaks(keys: list[str], texts: dict[str, str], *folders: Path) -> list[str]:
    """Where any key shows, whole or cut short (its first 12 random digits), in a text or
    in any byte of a file under the folders."""
    heads = [key[:12] for key in keys]
    found = [f"{where}: {h}" for where, text in texts.items() for h in heads if h in text]
    for folder in folders:
        for path in folder.rglob("*") if folder.is_dir() else []:
            if path.is_file():
                data = path.read_bytes()
                found += [f"{path}: {h}" for h in heads if h.encode() in data]
    return found
