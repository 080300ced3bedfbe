"""Publishing figures: resumable-upload throughput and what a dropped connection costs.

Both run against the fake YouTube on 127.0.0.1 (no network), so they measure the
client's own overhead. Baselines measured in the same run: the same file sent as one
single request (no chunking), and, for a connection dropped half-way, the bytes a
client that restarts from zero would send again.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from tests.bench.common import Figure

SIZE = 48 * 1024 * 1024


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="castline-bench-publish-") as tmp:
        for name in ("DATA", "CACHE", "CONFIG"):
            os.environ[f"CASTLINE_{name}_DIR"] = str(Path(tmp) / name.lower())
        return _measure(Path(tmp))


def _measure(tmp: Path) -> list[Figure]:
    from app.engine.jobs.progress import Progress
    from app.engine.net.retry import RetryPolicy
    from app.engine.publish import (
        Credentials,
        PublishOptions,
        PublishSettings,
        Tokens,
        VideoMetadata,
        publish_video,
    )
    from tests.fakes.youtube import UNIT, UPLOAD_SCOPE, FakeYouTube

    video = tmp / "bench.mp4"
    video.write_bytes(os.urandom(SIZE))
    fake = FakeYouTube({"ya29.bench-token": {UPLOAD_SCOPE}})
    fake.start()
    try:
        base = PublishSettings(
            upload_url=f"{fake.url}/upload/youtube/v3",
            api_url=f"{fake.url}/youtube/v3",
            client_id="bench",
        )
        creds = Credentials(base, Tokens("ya29.bench-token", None, time.time() + 3600))
        options = PublishOptions(
            thumbnail=False,
            captions=False,
            policy=RetryPolicy(attempts=5, base_delay_s=0.001),
            sleep=lambda s: None,
        )
        meta = VideoMetadata(title="Bench")

        def upload(chunk: int) -> tuple[float, int]:
            fake.sessions.clear()
            fake.files.clear()
            fake.videos.clear()
            t0 = time.perf_counter()
            result = publish_video(
                video,
                meta,
                replace(base, chunk_bytes=chunk),
                credentials=creds,
                options=options,
                progress=Progress(),
            )
            return time.perf_counter() - t0, result.bytes_uploaded

        whole = -(-SIZE // UNIT) * UNIT
        upload(4 * 1024 * 1024)  # warm up
        single_s, _ = upload(whole)
        chunked_s, _ = upload(16 * UNIT)
        fake.drop_chunks[fake.chunks_seen + 6] = 1024 * 1024  # half-way through a 12-chunk upload
        _, sent_after_drop = upload(16 * UNIT)
    finally:
        fake.stop()
    mib = SIZE / (1024 * 1024)
    return [
        Figure(
            "upload throughput, 4 MiB chunks (48 MiB, localhost)",
            mib / chunked_s,
            "MiB/s",
            mib / single_s,
            "one request, no chunks",
        ),
        Figure(
            "bytes re-sent after a drop half-way",
            (sent_after_drop - SIZE) / (1024 * 1024),
            "MiB",
            SIZE / 2 / (1024 * 1024),
            "restart from zero",
            goal="under one chunk (4 MiB)",
        ),
    ]
