"""The work behind "Export and publish": after the render, upload it and record it.

Qt-free, run by the jobs manager in a worker. The upload is recorded in the project
before its first byte leaves, and every session address and byte count YouTube confirms
is kept there, so a studio closed mid-upload picks it up again from the project (only
the missing bytes are sent). The render is identified by its path and sha256, so a
resume never sends the rest of a different file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from app.engine.files import write_bytes
from app.engine.hashing import sha256_file
from app.engine.jobs.progress import Progress
from app.engine.net.retry import RetryPolicy, Sleep
from app.engine.publish import (
    PublishError,
    PublishOptions,
    PublishResult,
    VideoMetadata,
    load_settings,
    publish_video,
)
from app.engine.publish.http import DEFAULT_POLICY
from app.engine.publish.metadata import rendered_chapters, with_chapters
from app.engine.render import RenderResult, sidecar_paths
from app.engine.store import Store, UploadRecord
from app.ui.publish.thumbnails import Thumbnail


@dataclass(frozen=True)
class Network:
    """How patient the upload is (the tests make the backoff instant)."""

    policy: RetryPolicy = DEFAULT_POLICY
    sleep: Sleep | None = None


@dataclass(frozen=True)
class PublishPlan:
    """What the dialog says, captured when "Export and publish" is pressed."""

    project_id: str
    metadata: VideoMetadata
    """The description is the writer's own; the chapters are added from the render."""
    add_chapters: bool = True
    captions: bool = True
    caption_language: str = "en"
    thumbnail: Thumbnail | None = None
    """The picture YouTube gets (written over the render's ``.jpg``); None keeps the render's."""
    preset: str = "youtube-1080p"
    network: Network = field(default_factory=Network)


@dataclass(frozen=True)
class Published:
    """A finished upload: the project's record and what the engine reported."""

    record: UploadRecord
    result: PublishResult


def final_metadata(plan: PublishPlan, video: Path) -> VideoMetadata:
    """The details as sent: the chapter times are those of the render just made."""
    description = plan.metadata.description
    if plan.add_chapters:
        description = with_chapters(description, rendered_chapters(video))
    return replace(plan.metadata, description=description)


def _options(details: dict[str, Any], network: Network) -> PublishOptions:
    return PublishOptions(
        thumbnail=True,
        captions=bool(details.get("captions", True)),
        caption_language=str(details.get("caption_language") or "en"),
        policy=network.policy,
        sleep=network.sleep,
    )


def _outcome(result: PublishResult) -> dict[str, Any]:
    return {
        "url": result.url,
        "privacy": result.privacy,
        "faults": result.faults,
        "restarts": result.restarts,
        "quota_units": result.quota_units,
        "thumbnail": bool(result.thumbnail),
        "captions": bool(result.captions),
        "notes": list(result.notes),
    }


def _send(
    store: Store,
    record: UploadRecord,
    metadata: VideoMetadata,
    network: Network,
    progress: Progress,
) -> Published:
    """Upload (or resume) ``record``; the project keeps the session as YouTube confirms bytes."""
    settings = load_settings()

    def keep(checkpoint: Any) -> None:
        store.checkpoint_upload(record.id, checkpoint.session_url, checkpoint.confirmed)

    try:
        result = publish_video(
            record.video_path,
            metadata,
            settings,
            options=_options(record.details, network),
            progress=progress,
            # A resumed session's details were checked (and sent) when it began; a
            # scheduled time that has passed since must not stop its last bytes.
            now=record.started_at if record.session_url else None,
            session=record.session_url,
            on_checkpoint=keep,
        )
    except BaseException:
        current = store.get_upload(record.id)
        if current is not None and current.session_url is None:
            store.forget_upload(record.id)  # YouTube holds nothing of it: nothing to resume
        raise
    return Published(store.finish_upload(record.id, result.video_id, _outcome(result)), result)


def upload_work(
    store: Store, plan: PublishPlan, render: RenderResult
) -> Callable[[Progress], Published]:
    """The upload job that follows the render: thumbnail, chapters, record, upload."""

    def work(progress: Progress) -> Published:
        video = render.output
        metadata = final_metadata(plan, video)
        metadata.validate()
        if plan.thumbnail is not None:
            write_bytes(sidecar_paths(video)["thumbnail"], plan.thumbnail.jpeg(metadata.title))
        progress.update(0, message="checking the rendered file")
        record = store.start_upload(
            plan.project_id,
            video,
            video_sha256=sha256_file(str(video)),
            video_bytes=video.stat().st_size,
            preset=render.preset,
            details={
                "metadata": metadata.as_dict(),
                "captions": plan.captions,
                "caption_language": plan.caption_language,
                "thumbnail": str(sidecar_paths(video)["thumbnail"]),
            },
        )
        return _send(store, record, metadata, plan.network, progress)

    return work


def resume_work(
    store: Store, record: UploadRecord, network: Network
) -> Callable[[Progress], Published]:
    """The job that finishes an upload an earlier session of the studio began."""

    def work(progress: Progress) -> Published:
        video = record.video_path
        progress.update(0, message="checking the rendered file")
        if not video.is_file():
            raise PublishError(
                f"{video} is gone, so its upload cannot be finished; discard it and publish again"
            )
        if (
            video.stat().st_size != record.video_bytes
            or sha256_file(str(video)) != record.video_sha256
        ):
            raise PublishError(
                f"{video} changed since its upload began (it was rendered again); "
                "discard the unfinished upload and publish again"
            )
        metadata = VideoMetadata.from_dict(record.details.get("metadata") or {})
        return _send(store, record, metadata, network, progress)

    return work
