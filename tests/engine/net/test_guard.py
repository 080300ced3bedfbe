"""Every request stops when its job, or the process, is cancelled, and never outlives its
deadline, however a server stalls (issue: Ctrl+C did not stop cloud synthesis)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.engine.jobs import Cancelled, Progress, reset_shutdown, shut_down
from app.engine.net import make_client
from app.engine.net.guard import cleanup
from tests.fakes.stall import StallServer

ROOT = Path(__file__).resolve().parents[3]
HANG_GUARD_S = 60.0
"""Only so a broken build fails instead of hanging; every wait ends long before it."""


@pytest.fixture
def silent() -> Iterator[StallServer]:
    server = StallServer().start()
    yield server
    server.stop()


@pytest.fixture
def trickling() -> Iterator[StallServer]:
    server = StallServer(trickle_s=0.2).start()
    yield server
    server.stop()


def _request_in_thread(url: str, job: Progress | None) -> tuple[threading.Thread, list[object]]:
    outcome: list[object] = []

    def run() -> None:
        client = make_client(url, timeout_s=120.0)
        try:
            if job is not None:
                with job.working():
                    client.get("/v1/text-to-speech")
            else:
                client.get("/v1/text-to-speech")
            outcome.append("answered")
        except BaseException as exc:
            outcome.append(exc)
        finally:
            client.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_a_trickled_answer_is_cut_at_the_request_deadline(trickling: StallServer) -> None:
    # One byte every 0.2 s never trips the 5 s read timeout: only an overall deadline ends it.
    with (
        make_client(trickling.url, timeout_s=5.0, deadline_s=1.0) as client,
        pytest.raises(httpx.ReadTimeout, match="within 1 s"),
    ):
        client.get("/slow")
    assert 0 < trickling.bytes_sent < 1_000_000


def test_cancelling_a_job_stops_its_request_in_flight(silent: StallServer) -> None:
    job = Progress()
    thread, outcome = _request_in_thread(silent.url, job)
    assert silent.first_request.wait(HANG_GUARD_S)
    job.cancel()
    thread.join(HANG_GUARD_S)
    assert not thread.is_alive(), "the request kept waiting after its job was cancelled"
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)


def test_another_jobs_cancel_leaves_a_request_alone(trickling: StallServer) -> None:
    mine, other = Progress(), Progress()
    other.cancel()
    with (
        make_client(trickling.url, timeout_s=5.0, deadline_s=0.6) as client,
        mine.working(),
        pytest.raises(httpx.ReadTimeout),  # its own deadline, not the other's cancel
    ):
        client.get("/slow")


def test_shutting_down_stops_requests_in_every_thread(silent: StallServer) -> None:
    threads = [_request_in_thread(silent.url, None) for _ in range(3)]
    deadline = time.monotonic() + HANG_GUARD_S
    while len(silent.arrivals) < 3 and time.monotonic() < deadline:
        silent.first_request.wait(0.05)
    try:
        shut_down()
        for thread, _ in threads:
            thread.join(HANG_GUARD_S)
        assert all(not t.is_alive() for t, _ in threads)
        assert all(isinstance(o[0], Cancelled) for _, o in threads)
        # While stopping, new requests are refused before they connect...
        before = len(silent.arrivals)
        with make_client(silent.url, timeout_s=5.0) as client, pytest.raises(Cancelled):
            client.get("/more")
        assert len(silent.arrivals) == before
        # ...except a clean-up (cancelling a paid remote task), which gets a short deadline.
        with (
            make_client(silent.url, timeout_s=5.0) as client,
            cleanup(),
            pytest.raises(httpx.ReadTimeout),
        ):
            client.delete("/v1/tasks/1")
        assert len(silent.arrivals) == before + 1
    finally:
        reset_shutdown()


STALLED_SCRIPT = """---
title: Stalled
characters:
  ALICE: { voice: elevenlabs/21m00Tcm4TlvDq8ikWAM }
---

## One

ALICE: The first line waits on a server that never answers.

ALICE: So does the second one.

ALICE: And the third.
"""


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_cloud_synthesis_at_once(
    tmp_path: Path, trickling: StallServer, sig: signal.Signals, code: int
) -> None:
    script = tmp_path / "stalled.md"
    script.write_text(STALLED_SCRIPT)
    env = dict(
        os.environ,
        CASTLINE_DATA_DIR=str(tmp_path / "data"),
        CASTLINE_CACHE_DIR=str(tmp_path / "cache"),
        CASTLINE_CONFIG_DIR=str(tmp_path / "config"),
        CASTLINE_ELEVENLABS_URL=trickling.url,
        ELEVENLABS_API_KEY="sk_stalled_test_key_0001",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    proc = subprocess.Popen(
        [sys.executable, "main.py", "synth", str(script)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert trickling.first_request.wait(HANG_GUARD_S), "no request reached the server"
        stopped_at = time.monotonic()
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=HANG_GUARD_S)
        exited_after = time.monotonic() - stopped_at
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    text = err.decode(errors="replace")
    assert proc.returncode == code, text[-800:]
    assert "Traceback" not in text
    assert trickling.requests_after(stopped_at + 0.5) == 0, "requests went out after the stop"
    print(f"exited {exited_after:.2f} s after {sig.name}")  # the figure for the closing note


@pytest.mark.parametrize("after_s", [0.0, 0.15, 0.35, 0.7])
def test_ctrl_c_while_the_app_loads_is_quiet(tmp_path: Path, after_s: float) -> None:
    """Ctrl+C at any moment of start-up: no traceback, and 130 once Python is running."""
    env = dict(os.environ, CASTLINE_DATA_DIR=str(tmp_path / "data"))
    proc = subprocess.Popen(
        [sys.executable, "main.py", "render", "no-such.md", "-o", str(tmp_path / "v.mp4")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(after_s)  # the moment of the key press, not a wait for anything
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=HANG_GUARD_S)
    assert b"Traceback" not in err, err.decode(errors="replace")
    # Killed by the signal before Python took it over (-2), or stopped by Castline (130);
    # a command that finished first reports its own error (1).
    assert proc.returncode in (-signal.SIGINT, 130, 1)
