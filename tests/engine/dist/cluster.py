"""A real Redis and real Castline workers as child processes, for the tests and the bench.

Each waits on what its process prints (Redis's "Ready to accept connections", Celery's
"ready."), never on a clock. Redis keeps an append-only file in its folder, so a
restart on the same port finds its queues and results again.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import av

ROOT = Path(__file__).resolve().parents[3]
REDIS_SERVER = shutil.which("redis-server")
FIXTURES = ROOT / "tests" / "fixtures" / "dist"
BATCH_FLAGS = ["--offline", "--preset", "preview", "--jobs", "1"]
"""Quick renders: the local voice, procedural pictures, the smallest preset."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Output:
    """Reads a child's merged output in a thread, so a test can wait for a line of it."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._ended = False
        self._changed = threading.Condition()
        threading.Thread(target=self._read, args=(proc,), daemon=True).start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        with proc.stdout:  # closed at the end of the output, not left to the collector
            for line in proc.stdout:
                with self._changed:
                    self.lines.append(line)
                    self._changed.notify_all()
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    def wait_for(self, marker: str) -> bool:
        """Block until a line contains ``marker`` (True) or the output ends (False)."""
        with self._changed:
            self._changed.wait_for(
                lambda: self._ended or any(marker in line for line in self.lines)
            )
            return any(marker in line for line in self.lines)

    def text(self) -> str:
        return "".join(self.lines)


@dataclass
class RedisProcess:
    folder: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisProcess:
        assert REDIS_SERVER is not None
        self.folder.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        out = _Output(self.proc)
        assert out.wait_for("Ready to accept connections"), f"redis-server failed:\n{out.text()}"
        return self

    def stop(self) -> None:
        """A clean shutdown (SIGTERM): Redis flushes its append-only file and exits."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()

    def restart(self) -> None:
        self.stop()
        self.start()


@dataclass
class WorkerProcess:
    """``castline worker`` in its own session (so a kill takes its pool children too)."""

    name: str
    broker: str
    home: Path
    visibility_timeout: int = 3600
    shared_dir: Path | None = None
    proc: subprocess.Popen[str] | None = None
    output: _Output | None = None

    def start(self) -> WorkerProcess:
        env = dict(os.environ)
        for var, sub in (("DATA", "data"), ("CACHE", "cache"), ("CONFIG", "config")):
            env[f"CASTLINE_{var}_DIR"] = str(self.home / sub)
        env["QT_QPA_PLATFORM"] = "offscreen"
        env.pop("CASTLINE_ASSETS_DIR", None)
        args = [sys.executable, "main.py", "worker", "--broker", self.broker, "--name", self.name,
                "--concurrency", "1", "--visibility-timeout", str(self.visibility_timeout)]  # fmt: skip
        if self.shared_dir is not None:
            args += ["--shared-dir", str(self.shared_dir)]
        self.proc = subprocess.Popen(
            args, cwd=ROOT, env=env, start_new_session=True, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.output = _Output(self.proc)
        assert self.output.wait_for(" ready."), f"worker {self.name} failed:\n{self.output.text()}"
        return self

    @property
    def hostname(self) -> str:
        return f"{self.name}@{socket.gethostname()}"

    def kill(self) -> None:
        """SIGKILL to the worker and its pool: the machine is gone, nothing is acknowledged."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)  # clean-up only: a warm shutdown ends the current task
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


@contextmanager
def cluster(
    folder: Path,
    *,
    workers: int = 2,
    visibility_timeout: int = 3600,
    shared_dir: Path | None = None,
) -> Iterator[tuple[RedisProcess, list[WorkerProcess]]]:
    """A Redis and ``workers`` workers, stopped on exit."""
    redis = RedisProcess(folder / "redis").start()
    started: list[WorkerProcess] = []
    try:
        for n in range(1, workers + 1):
            started.append(
                WorkerProcess(
                    f"w{n}", redis.url, folder / f"w{n}", visibility_timeout, shared_dir
                ).start()
            )
        yield redis, started
    finally:
        for worker in started:
            worker.stop()
        redis.stop()


@dataclass
class Probed:
    video_codec: str
    audio_codec: str
    duration_ms: int
    frames: int
    """Frames decoded."""
    expected_frames: int
    """Frames the file's index lists."""
    fps: int

    def complete(self, duration_ms: int) -> bool:
        """Every listed frame decodes, and the video lasts ``duration_ms`` (to a frame)."""
        return (
            0 < self.frames == self.expected_frames
            and abs(self.frames * 1000 // self.fps - duration_ms) <= 1000 // self.fps + 1
        )


def probe_video(path: Path) -> Probed:
    """Streams, duration and every video frame decoded: a half-written file fails here."""
    with av.open(str(path)) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        fps = round(float(v.average_rate or 0))
        duration_ms = round(float(c.duration or 0) / av.time_base * 1000)
        frames = sum(1 for _ in c.decode(video=0))
        return Probed(
            v.codec_context.name, a.codec_context.name, duration_ms, frames, v.frames, fps
        )  # fmt: skip
