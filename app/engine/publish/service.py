"""Publish a rendered video: check the details, upload, then thumbnail and captions.

The video is the promise; the thumbnail and captions are extras. Once the upload has
succeeded, a refused thumbnail (unverified channels may not set one) or caption track
becomes a note in the result, never a failure that hides the new video's address.
"""

from __future__ import annotations

import io
import json
import logging
import mimetypes
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
from PIL import Image, ImageOps, UnidentifiedImageError

from app.engine.jobs.progress import Progress
from app.engine.net.retry import RetryPolicy
from app.engine.publish.errors import PublishError
from app.engine.publish.http import DEFAULT_POLICY, Backoff, Sleep, failure, new_client, send
from app.engine.publish.metadata import VideoMetadata
from app.engine.publish.oauth import Credentials
from app.engine.publish.settings import PublishSettings
from app.engine.publish.upload import ResumableUpload, UploadCheckpoint

log = logging.getLogger(__name__)

THUMB_MAX_BYTES = 2 * 1024 * 1024
THUMB_SIZE = (1280, 720)
THUMBNAIL_QUOTA_UNITS = 50
CAPTIONS_QUOTA_UNITS = 400


@dataclass
class PublishOptions:
    """What to send besides the video, and how patient to be."""

    thumbnail: bool = True
    captions: bool = True
    caption_language: str = "en"
    policy: RetryPolicy = DEFAULT_POLICY
    sleep: Sleep | None = None
    """Backoff waits go here (tests pass a recorder); None sleeps for real, waking on cancel."""


@dataclass
class PublishResult:
    """The new video and what went with it."""

    video_id: str
    privacy: str
    bytes_uploaded: int
    faults: int
    restarts: int
    quota_units: int
    thumbnail: Path | None = None
    captions: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"https://youtu.be/{self.video_id}"

    @property
    def studio_url(self) -> str:
        return f"https://studio.youtube.com/video/{self.video_id}/edit"


def video_type(path: Path) -> str:
    """The upload's ``video/*`` type from the file name (MP4 when unknown)."""
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed if guessed and guessed.startswith("video/") else "video/mp4"


def sidecar(video: Path, suffix: str) -> Path:
    """``OUT.jpg`` / ``OUT.srt`` beside ``OUT.mp4``, as ``render`` writes them."""
    return video.with_suffix(suffix)


def thumbnail_bytes(path: Path) -> tuple[bytes, str, str | None]:
    """(bytes, MIME type, note) ready for YouTube: a JPEG or PNG of 1280x720 under 2 MB.

    A file that already fits is sent untouched; any other image is fitted (cropped to
    16:9, scaled to 1280x720) and saved as a JPEG small enough, and the note says so.
    """
    data = path.read_bytes()
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, size = image.format, image.size
            if kind in ("JPEG", "PNG") and size == THUMB_SIZE and len(data) < THUMB_MAX_BYTES:
                return data, "image/jpeg" if kind == "JPEG" else "image/png", None
            fitted = ImageOps.fit(image.convert("RGB"), THUMB_SIZE, Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, OSError) as exc:
        raise PublishError(f"{path} is not a readable image ({exc})") from exc
    for quality in (92, 85, 75, 60, 45):
        buffer = io.BytesIO()
        fitted.save(buffer, "JPEG", quality=quality, optimize=True)
        if buffer.tell() < THUMB_MAX_BYTES:
            note = f"the thumbnail ({kind} {size[0]}x{size[1]}, {len(data) / 1e6:.1f} MB) was fitted to a 1280x720 JPEG"
            return buffer.getvalue(), "image/jpeg", note
    raise PublishError(f"{path} cannot be made smaller than 2 MB as a JPEG")


def _multipart_related(
    metadata: dict[str, object], payload: bytes, content_type: str
) -> tuple[bytes, str]:
    """Google's ``uploadType=multipart`` body: JSON metadata, then the media."""
    boundary = f"castline-{uuid.uuid4().hex}"
    head = (
        f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{json.dumps(metadata)}\r\n"
        f"--{boundary}\r\nContent-Type: {content_type}\r\n\r\n"
    ).encode()
    return (
        head + payload + f"\r\n--{boundary}--\r\n".encode(),
        f"multipart/related; boundary={boundary}",
    )


def publish_video(
    path: Path,
    metadata: VideoMetadata,
    settings: PublishSettings,
    *,
    credentials: Credentials | None = None,
    options: PublishOptions | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
    session: str | None = None,
    on_checkpoint: Callable[[UploadCheckpoint], None] | None = None,
) -> PublishResult:
    """Upload ``path`` with ``metadata``; validation happens before any request is made.

    ``session`` resumes an upload an earlier run began (YouTube already has its details;
    only the missing bytes are sent); ``on_checkpoint`` hears the session and each byte
    count YouTube confirms, to keep for such a resume.
    """
    opts = options or PublishOptions()
    progress = progress or Progress()
    if not path.is_file():
        raise PublishError(
            f"{path}: no such video file; render one first (castline render SCRIPT.md -o {path.name})"
        )
    if path.stat().st_size == 0:
        raise PublishError(f"{path} is empty; render it again")
    metadata.validate(now=now)
    creds = credentials or Credentials(settings, policy=opts.policy, sleep=opts.sleep)
    notes: list[str] = []
    with new_client(settings.timeout_s) as client:
        upload = ResumableUpload(
            client,
            creds,
            settings.upload_url,
            path,
            metadata.resource(),
            chunk_bytes=settings.chunk_bytes,
            backoff=Backoff("uploading the video", opts.policy, opts.sleep, progress),
            progress=progress,
            content_type=video_type(path),
            session=session,
            on_checkpoint=on_checkpoint,
        )
        done = upload.run()
        if not done.video_id:
            raise PublishError("YouTube finished the upload but did not say the new video's id")
        result = PublishResult(
            video_id=done.video_id,
            privacy=str((done.video.get("status") or {}).get("privacyStatus") or metadata.privacy),
            bytes_uploaded=done.bytes_sent,
            faults=done.faults,
            restarts=done.restarts,
            quota_units=settings.upload_quota_units,
            notes=notes,
        )
        thumb = sidecar(path, ".jpg")
        if opts.thumbnail and thumb.is_file():
            try:
                data, kind, note = thumbnail_bytes(thumb)
                if note:
                    notes.append(note)
                response = _post_media(
                    client,
                    creds,
                    f"{settings.upload_url}/thumbnails/set",
                    data,
                    kind,
                    {"videoId": result.video_id, "uploadType": "media"},
                    Backoff("setting the thumbnail", opts.policy, opts.sleep, progress),
                )
                if response.status_code != 200:
                    raise failure(response, "setting the thumbnail")
                result.thumbnail = thumb
                result.quota_units += THUMBNAIL_QUOTA_UNITS
            except PublishError as exc:
                notes.append(f"thumbnail not set: {exc}")
        captions = sidecar(path, ".srt")
        if opts.captions and captions.is_file():
            try:
                body, content_type = _multipart_related(
                    {
                        "snippet": {
                            "videoId": result.video_id,
                            "language": opts.caption_language,
                            "name": "",
                            "isDraft": False,
                        }
                    },
                    captions.read_bytes(),
                    "application/x-subrip",
                )
                response = _post_media(
                    client,
                    creds,
                    f"{settings.upload_url}/captions",
                    body,
                    content_type,
                    {"part": "snippet", "uploadType": "multipart"},
                    Backoff("uploading the captions", opts.policy, opts.sleep, progress),
                )
                if response.status_code not in (200, 201):
                    raise failure(response, "uploading the captions")
                result.captions = captions
                result.quota_units += CAPTIONS_QUOTA_UNITS
            except PublishError as exc:
                notes.append(f"captions not uploaded: {exc}")
    return result


def _post_media(
    client: httpx.Client,
    creds: Credentials,
    url: str,
    data: bytes,
    content_type: str,
    params: dict[str, str],
    backoff: Backoff,
) -> httpx.Response:
    """POST a small media body with the current access token, retried like every call."""

    def headers() -> dict[str, str]:
        return {**creds.headers(), "Content-Type": content_type}

    return send(
        client,
        "POST",
        url,
        backoff,
        headers=headers,
        on_unauthorized=creds.refresh,
        params=params,
        content=data,
    )


def channel_title(
    settings: PublishSettings, credentials: Credentials, *, options: PublishOptions | None = None
) -> str | None:
    """The connected channel's name, to show after signing in (None when it has none)."""
    opts = options or PublishOptions()
    with new_client(settings.timeout_s) as client:
        response = send(
            client,
            "GET",
            f"{settings.api_url}/channels",
            Backoff("reading the channel", opts.policy, opts.sleep, None),
            headers=credentials.headers,
            on_unauthorized=credentials.refresh,
            params={"part": "snippet", "mine": "true"},
        )
    if response.status_code != 200:
        raise failure(response, "reading the channel")
    try:
        items = response.json().get("items") or []
    except (ValueError, AttributeError):
        return None
    if not items or not isinstance(items[0], dict):
        return None
    return str((items[0].get("snippet") or {}).get("title") or "") or None
