"""An upload outlives the program: its session resumes with only the missing bytes sent."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.engine.jobs.progress import Cancelled, Progress, ProgressState
from app.engine.publish import (
    PublishOptions,
    PublishSettings,
    VideoMetadata,
    metadata_from_video,
    publish_video,
)
from app.engine.publish.metadata import (
    CATEGORIES,
    FIELDS,
    TITLE_MAX_CHARS,
    chapters_block,
    rendered_chapters,
    with_chapters,
)
from app.engine.publish.upload import UploadCheckpoint
from tests.engine.publish.conftest import Rendered
from tests.fakes.youtube import UNIT, FakeYouTube

pytestmark = pytest.mark.usefixtures("logged_in")


def _puts(youtube: FakeYouTube) -> list[tuple[str, str]]:
    return [
        (r.query["upload_id"], r.headers["content-range"])
        for r in youtube.requests_to("/videos")
        if r.method == "PUT"
    ]


def _stopped_after_first_chunk(
    rendered: Rendered, settings: PublishSettings, options: PublishOptions
) -> list[UploadCheckpoint]:
    """Start an upload and stop it once YouTube confirmed the first chunk (a closed studio)."""
    checkpoints: list[UploadCheckpoint] = []
    progress = Progress()

    def stop(state: ProgressState) -> None:
        if state.done >= UNIT and not state.cancelled:
            progress.cancel()

    progress.subscribe(stop)
    with pytest.raises(Cancelled):
        publish_video(
            rendered.video,
            metadata_from_video(rendered.video),
            settings,
            options=options,
            progress=progress,
            on_checkpoint=checkpoints.append,
        )
    return checkpoints


def test_a_stopped_upload_resumes_from_its_session_sending_only_the_rest(
    rendered: Rendered, youtube: FakeYouTube, settings: PublishSettings, options: PublishOptions
) -> None:
    checkpoints = _stopped_after_first_chunk(rendered, settings, options)
    total = rendered.video.stat().st_size
    assert [c.confirmed for c in checkpoints] == [0, UNIT]
    assert {c.total for c in checkpoints} == {total}
    session = checkpoints[-1].session_url
    assert youtube.videos == {}
    before = len(_puts(youtube))

    later: list[UploadCheckpoint] = []
    result = publish_video(
        rendered.video,
        metadata_from_video(rendered.video),
        settings,
        options=options,
        session=session,
        on_checkpoint=later.append,
    )

    assert youtube.files[result.video_id] == rendered.video.read_bytes()
    starts = [r for r in youtube.requests_to("/videos") if r.method == "POST"]
    assert len(starts) == 1  # the same session, no second video resource
    resumed = _puts(youtube)[before:]
    upload_id = session.rsplit("upload_id=", 1)[1]
    assert {u for u, _ in resumed} == {upload_id}
    assert resumed[0][1] == f"bytes */{total}"  # asked first
    assert resumed[1][1].startswith(f"bytes {UNIT}-")  # then only what was missing
    sent = sum(
        int(r.split()[1].split("/")[0].split("-")[1]) - int(r.split()[1].split("-")[0]) + 1
        for _, r in resumed[1:]
    )
    assert sent == total - UNIT and result.bytes_uploaded == total - UNIT
    assert later[0] == UploadCheckpoint(session, UNIT, total)
    assert all(c.session_url == session for c in later)


def test_resuming_an_expired_session_starts_a_new_upload(
    rendered: Rendered, youtube: FakeYouTube, settings: PublishSettings, options: PublishOptions
) -> None:
    checkpoints = _stopped_after_first_chunk(rendered, settings, options)
    youtube.expire_next = True
    later: list[UploadCheckpoint] = []
    result = publish_video(
        rendered.video,
        metadata_from_video(rendered.video),
        settings,
        options=options,
        session=checkpoints[-1].session_url,
        on_checkpoint=later.append,
    )
    assert youtube.files[result.video_id] == rendered.video.read_bytes()
    assert result.restarts == 1
    assert later[0].session_url != checkpoints[-1].session_url and later[0].confirmed == 0


def test_resuming_a_session_youtube_already_finished_returns_the_video(
    rendered: Rendered, youtube: FakeYouTube, settings: PublishSettings, options: PublishOptions
) -> None:
    checkpoints: list[UploadCheckpoint] = []
    first = publish_video(
        rendered.video,
        metadata_from_video(rendered.video),
        settings,
        options=PublishOptions(
            thumbnail=False, captions=False, policy=options.policy, sleep=options.sleep
        ),
        on_checkpoint=checkpoints.append,
    )
    puts = len(_puts(youtube))
    again = publish_video(
        rendered.video,
        metadata_from_video(rendered.video),
        settings,
        options=options,
        session=checkpoints[-1].session_url,
    )
    assert again.video_id == first.video_id and len(youtube.videos) == 1
    assert _puts(youtube)[puts:] == [
        (checkpoints[-1].session_url.rsplit("=", 1)[1], f"bytes */{rendered.video.stat().st_size}")
    ]
    assert again.bytes_uploaded == 0


def test_problems_name_the_field_to_fix() -> None:
    meta = VideoMetadata(
        title="x" * (TITLE_MAX_CHARS + 1),
        description="a <b>",
        tags=["ok", ""],
        category_id="sci",
        privacy="friends",
        publish_at=datetime(2000, 1, 1, tzinfo=UTC),
    )
    found = meta.problems_by_field()
    assert set(found) == set(FIELDS)
    assert "101 characters" in found["title"][0]
    assert "'<' and '>'" in found["description"][0]
    assert found["tags"] == ["tag 2 is empty"]
    assert len(found["publish_at"]) == 2
    assert meta.problems() == [p for f in FIELDS for p in found[f]]
    assert VideoMetadata(title="Fine").problems_by_field() == {}


def test_details_round_trip_through_plain_json() -> None:
    meta = VideoMetadata(
        title="Pipes",
        description="About pipes",
        tags=["shell", "bash basics"],
        category_id="27",
        privacy="private",
        made_for_kids=True,
        synthetic_media=False,
        publish_at=datetime(2099, 6, 1, 7, 30, tzinfo=UTC),
        language="en",
    )
    import json

    assert VideoMetadata.from_dict(json.loads(json.dumps(meta.as_dict()))) == meta
    assert CATEGORIES[meta.category_id] == "Education" and CATEGORIES["28"]


def test_chapters_come_from_the_render_and_follow_the_writers_description(tmp_path: Path) -> None:
    video = tmp_path / "talk.mp4"
    (tmp_path / "talk.chapters.txt").write_text(
        "About the talk.\n\nChapters:\n0:00 Intro\n0:12 Pipes\n0:31 Redirects\n", encoding="utf-8"
    )
    block = rendered_chapters(video)
    assert block == "Chapters:\n0:00 Intro\n0:12 Pipes\n0:31 Redirects"
    assert with_chapters("  My own words.\n", block) == f"My own words.\n\n{block}"
    assert with_chapters("", block) == block and with_chapters("Words", "") == "Words"
    assert chapters_block("no heading here") == ""
    (tmp_path / "talk.chapters.txt").write_text(
        "No chapters: YouTube needs at least three.\n", encoding="utf-8"
    )
    assert rendered_chapters(video) == ""
    assert rendered_chapters(tmp_path / "missing.mp4") == ""
