"""YouTube's resumable upload: a session, chunks with Content-Range, resume after faults.

The protocol (docs/api-contracts.md): POST the video resource to get a session URI, PUT
the bytes in chunks that are multiples of 256 KiB, read ``308`` + ``Range: bytes=0-N`` as
"continue at N+1" (no Range: nothing arrived). After a 5xx or a dropped connection the
server may hold part of a chunk, so we ask it (``Content-Range: bytes */TOTAL``) instead
of guessing; a 404 means the session expired and the upload starts over. Progress counts
the bytes the server confirmed, so the bar never runs ahead of YouTube.

A session outlives the program: ``on_checkpoint`` hears the session URI and every byte
count YouTube confirms, so whoever keeps them (the studio keeps them in the project)
can pass the URI back as ``session`` after a restart; the upload then asks YouTube how
much it holds and sends only the rest.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from app.engine.jobs.progress import Progress
from app.engine.net.http import retry_after_s
from app.engine.publish.errors import PublishError
from app.engine.publish.http import RETRY_STATUS, Backoff, failure
from app.engine.publish.oauth import Credentials
from app.engine.publish.settings import CHUNK_UNIT
from app.engine.secrets import redact

log = logging.getLogger(__name__)

_RANGE = re.compile(r"bytes=0-(\d+)")
MAX_RESTARTS = 3
"""Fresh sessions after a 404 before giving up (an expired session is rare; a loop is a bug)."""


@dataclass(frozen=True)
class UploadCheckpoint:
    """Where an upload stands: enough to pick it up again after the program restarts."""

    session_url: str
    confirmed: int
    """Bytes YouTube said it holds."""
    total: int


@dataclass
class UploadResult:
    """The created video resource, and what it took to get there."""

    video: dict[str, Any]
    bytes_sent: int
    faults: int
    restarts: int

    @property
    def video_id(self) -> str:
        return str(self.video.get("id") or "")


def confirmed_bytes(response: httpx.Response) -> int:
    """How many bytes a 308 says the server holds (its Range header, else none)."""
    match = _RANGE.search(response.headers.get("range", ""))
    return int(match.group(1)) + 1 if match else 0


class ResumableUpload:
    """Uploads one file; :meth:`run` returns the created video resource."""

    def __init__(
        self,
        client: httpx.Client,
        credentials: Credentials,
        upload_url: str,
        path: Path,
        resource: dict[str, Any],
        *,
        chunk_bytes: int,
        backoff: Backoff,
        progress: Progress,
        content_type: str = "video/mp4",
        session: str | None = None,
        on_checkpoint: Callable[[UploadCheckpoint], None] | None = None,
    ) -> None:
        if chunk_bytes <= 0 or chunk_bytes % CHUNK_UNIT:
            raise ValueError(f"chunk size {chunk_bytes} is not a multiple of 256 KiB")
        self.client = client
        self.credentials = credentials
        self.upload_url = upload_url
        self.path = path
        self.resource = resource
        self.chunk_bytes = chunk_bytes
        self.backoff = backoff
        self.progress = progress
        self.content_type = content_type
        self.total = path.stat().st_size
        self.session: str | None = session
        """A session URI from an earlier run resumes that upload; None starts a new one."""
        self.on_checkpoint = on_checkpoint
        self.restarts = 0
        self.bytes_sent = 0
        self._refreshed = False

    # -- steps -----------------------------------------------------------------------
    def _auth(self) -> dict[str, str]:
        return self.credentials.headers()

    def _unauthorized(self) -> bool:
        """Refresh the login once per upload after a 401; False when already tried."""
        if self._refreshed:
            return False
        self._refreshed = True
        self.credentials.refresh()
        return True

    def _start(self) -> str | None:
        """POST the resource; the session URI, or None after a retryable fault."""
        headers = {
            **self._auth(),
            "X-Upload-Content-Length": str(self.total),
            "X-Upload-Content-Type": self.content_type,
        }
        url = f"{self.upload_url}/videos"
        try:
            response = self.client.post(
                url,
                params={"uploadType": "resumable", "part": "snippet,status"},
                json=self.resource,
                headers=headers,
            )
        except httpx.TransportError as exc:
            self.backoff.failed(f"starting the upload: {redact(str(exc)) or type(exc).__name__}")
            return None
        if response.status_code in RETRY_STATUS:
            self.backoff.failed(
                f"starting the upload: HTTP {response.status_code}", retry_after_s(response.headers)
            )
            return None
        if response.status_code == 401 and self._unauthorized():
            return None
        if response.status_code not in (200, 201) or not response.headers.get("location"):
            raise failure(response, "starting the upload")
        self.backoff.succeeded()
        return str(response.url.join(response.headers["location"]))

    def _put(self, offset: int, data: bytes | None) -> httpx.Response | None:
        """One chunk (or, with ``data`` None, a status query); None after a retryable fault."""
        assert self.session is not None
        if data is None:
            headers = {"Content-Range": f"bytes */{self.total}", "Content-Length": "0"}
            body = b""
        else:
            last = offset + len(data) - 1
            headers = {
                "Content-Range": f"bytes {offset}-{last}/{self.total}",
                "Content-Type": self.content_type,
            }
            body = data
        headers.update(self._auth())
        try:
            response = self.client.put(self.session, content=body, headers=headers)
        except httpx.TransportError as exc:
            self.backoff.failed(f"connection lost: {redact(str(exc)) or type(exc).__name__}")
            return None
        if response.status_code in RETRY_STATUS:
            self.backoff.failed(f"HTTP {response.status_code}", retry_after_s(response.headers))
            return None
        return response

    def _read(self, offset: int) -> bytes:
        with self.path.open("rb") as f:
            f.seek(offset)
            return f.read(self.chunk_bytes)

    def _checkpoint(self, confirmed: int) -> None:
        if self.on_checkpoint is not None and self.session is not None:
            self.on_checkpoint(UploadCheckpoint(self.session, confirmed, self.total))

    # -- the loop --------------------------------------------------------------------
    def run(self) -> UploadResult:
        self.progress.set_total(self.total)
        offset = 0
        need_status = self.session is not None  # resuming: ask what YouTube already holds
        if need_status:
            self.progress.update(0, message="resuming the upload")
        while True:
            self.progress.check()
            if self.session is None:
                self.session = self._start()
                offset, need_status = 0, False
                if self.session is None:
                    continue
                self._checkpoint(0)
                self.progress.update(0, message="uploading")
            data = None if need_status else self._read(offset)
            if data is not None:
                self.bytes_sent += len(data)  # counted when sent: a lost chunk cost bandwidth too
            response = self._put(offset, data)
            if response is None:
                need_status = True
                continue
            status = response.status_code
            if status in (200, 201):
                self.progress.update(self.total, message="uploaded")
                try:
                    video = response.json()
                except ValueError as exc:
                    raise PublishError(
                        "YouTube finished the upload but its answer is not JSON"
                    ) from exc
                return UploadResult(
                    video if isinstance(video, dict) else {},
                    self.bytes_sent,
                    self.backoff.total_failures,
                    self.restarts,
                )
            if status == 308:
                held = confirmed_bytes(response)
                if held > self.total:
                    raise PublishError(
                        f"YouTube says it holds {held} bytes of a {self.total}-byte file; upload again"
                    )
                if data is not None and held <= offset:
                    # The server took none of this chunk without a fault: ask, then go on.
                    self.backoff.failed(f"YouTube kept nothing of the chunk at byte {offset}")
                else:
                    self.backoff.succeeded()
                offset, need_status = held, False
                self._checkpoint(offset)
                self.progress.update(offset, message="uploading")
                continue
            if status == 404:
                self.restarts += 1
                if self.restarts > MAX_RESTARTS:
                    raise PublishError(
                        f"YouTube lost the upload session {self.restarts} times; try again later"
                    )
                log.info("upload session expired (404); starting a new one")
                self.session = None
                continue
            if status == 401 and self._unauthorized():
                need_status = True
                continue
            raise failure(response, "uploading the video")
