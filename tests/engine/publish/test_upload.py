"""The resumable upload against the fake YouTube: chunks, faults, resume, extras, quota."""

from __future__ import annotations

import io
import json
import logging
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.engine.jobs.progress import Cancelled, Progress, ProgressState
from app.engine.publish import (
    MetadataError,
    PublishError,
    PublishOptions,
    PublishSettings,
    QuotaExceeded,
    Tokens,
    load_settings,
    metadata_from_video,
    publish_video,
)
from app.engine.publish.settings import settings_path
from tests.engine.publish.conftest import DESCRIPTION, TAGS, TITLE, Rendered
from tests.engine.voice.conftest import MemoryKeyring, Sleeps
from tests.fakes.server import Fault, Reply
from tests.fakes.youtube import UNIT, FakeYouTube, yt_error

pytestmark = pytest.mark.usefixtures("logged_in")


def chunk_ranges(youtube: FakeYouTube) -> list[str]:
    return [r.headers["content-range"] for r in youtube.requests_to("/videos") if r.method == "PUT"]


def test_metadata_defaults_come_from_the_rendered_file(rendered: Rendered) -> None:
    meta = metadata_from_video(rendered.video)
    assert (meta.title, meta.description, meta.tags) == (TITLE, DESCRIPTION, TAGS)
    assert (
        meta.privacy == "private" and meta.synthetic_media is True and meta.made_for_kids is False
    )
    resource = meta.resource()
    assert (
        resource["status"]["containsSyntheticMedia"] is True
        and resource["snippet"]["categoryId"] == "28"
    )


def test_upload_in_several_chunks_delivers_the_exact_file(
    rendered: Rendered, youtube: FakeYouTube, settings: PublishSettings, options: PublishOptions
) -> None:
    states: list[ProgressState] = []
    progress = Progress()
    progress.subscribe(states.append)
    result = publish_video(
        rendered.video,
        metadata_from_video(rendered.video),
        settings,
        options=options,
        progress=progress,
    )

    data = rendered.video.read_bytes()
    assert len(data) > 3 * UNIT
    assert youtube.files[result.video_id] == data
    ranges = chunk_ranges(youtube)
    assert len(ranges) == -(-len(data) // UNIT)
    assert ranges[0] == f"bytes 0-{UNIT - 1}/{len(data)}" and ranges[-1].endswith(
        f"-{len(data) - 1}/{len(data)}"
    )
    start = youtube.requests_to("/videos")[0]
    assert start.method == "POST" and start.query == {
        "uploadType": "resumable",
        "part": "snippet,status",
    }
    assert (
        start.headers["x-upload-content-length"] == str(len(data))
        and start.headers["x-upload-content-type"] == "video/mp4"
    )
    assert (
        start.body["snippet"]["title"] == TITLE
        and start.body["status"]["containsSyntheticMedia"] is True
    )
    done = [s.done for s in states]
    assert done == sorted(done) and done[-1] == len(data) == states[-1].total
    assert (
        result.faults == 0
        and result.restarts == 0
        and result.url == f"https://youtu.be/{result.video_id}"
    )


def test_a_connection_dropped_mid_chunk_resumes_from_the_servers_range(
    rendered: Rendered,
    youtube: FakeYouTube,
    settings: PublishSettings,
    options: PublishOptions,
    sleeps: Sleeps,
) -> None:
    youtube.drop_chunks[2] = (
        100_000  # the fake keeps 100,000 bytes of the second chunk, then hangs up
    )
    result = publish_video(
        rendered.video, metadata_from_video(rendered.video), settings, options=options
    )

    data = rendered.video.read_bytes()
    assert youtube.files[result.video_id] == data
    ranges = chunk_ranges(youtube)
    assert ranges[2] == f"bytes */{len(data)}"  # asked what arrived instead of guessing
    resumed = UNIT + 100_000
    assert ranges[3].startswith(f"bytes {resumed}-")
    assert result.faults == 1 and len(sleeps.delays_ms) == 1


def test_a_503_is_retried_after_a_backoff(
    rendered: Rendered,
    youtube: FakeYouTube,
    settings: PublishSettings,
    options: PublishOptions,
    sleeps: Sleeps,
) -> None:
    youtube.chunk_statuses[2] = yt_error(503, "backendError", "Backend Error")
    result = publish_video(
        rendered.video, metadata_from_video(rendered.video), settings, options=options
    )
    assert youtube.files[result.video_id] == rendered.video.read_bytes()
    assert chunk_ranges(youtube)[2] == f"bytes */{rendered.video.stat().st_size}"
    assert result.faults == 1 and len(sleeps.delays_ms) == 1 and 0 < sleeps.delays_ms[0] <= 50


def test_retry_after_is_honoured(
    rendered: Rendered,
    youtube: FakeYouTube,
    settings: PublishSettings,
    options: PublishOptions,
    sleeps: Sleeps,
) -> None:
    youtube.chunk_statuses[1] = Reply.json(503, {}, {"Retry-After": "3"})
    publish_video(rendered.video, metadata_from_video(rendered.video), settings, options=options)
    assert sleeps.delays_ms == [3000]


def test_an_expired_session_starts_a_new_upload(
    rendered: Rendered, youtube: FakeYouTube, settings: PublishSettings, options: PublishOptions
) -> None:
    youtube.chunk_statuses[3] = yt_error(
        404, "notFound", "The upload session was not found or has expired."
    )
    result = publish_video(
        rendered.video, metadata_from_video(rendered.video), settings, options=options
    )
    starts = [r for r in youtube.requests_to("/videos") if r.method == "POST"]
    assert len(starts) == 2 and result.restarts == 1
    assert youtube.files[result.video_id] == rendered.video.read_bytes()
    assert chunk_ranges(youtube)[3].startswith("bytes 0-")


def test_quota_exceeded_is_final_with_a_clear_message_and_no_retries(
    rendered: Rendered,
    youtube: FakeYouTube,
    settings: PublishSettings,
    options: PublishOptions,
    sleeps: Sleeps,
) -> None:
    quota = {
        "error": {
            "code": 403,
            "message": "The request cannot be completed because you have exceeded your quota.",
            "errors": [{"reason": "quotaExceeded", "domain": "youtube.quota"}],
        }
    }
    youtube.inject(
        Fault(status=403, error=quota, path_contains="/upload/youtube/v3/videos", times=20)
    )
    with pytest.raises(QuotaExceeded, match="quota is used up"):
        publish_video(
            rendered.video, metadata_from_video(rendered.video), settings, options=options
        )
    assert len(youtube.requests) == 1 and sleeps.delays_ms == []


def test_other_4xx_are_final_and_quote_youtube(
    rendered: Rendered,
    youtube: FakeYouTube,
    settings: PublishSettings,
    options: PublishOptions,
    sleeps: Sleeps,
) -> None:
    youtube.chunk_statuses[1] = yt_error(400, "badContent", "The media type is not supported.")
    with pytest.raises(
        PublishError, match=r"HTTP 400\): The media type is not supported. \(badContent\)"
    ):
        publish_video(
            rendered.video, metadata_from_video(rendered.video), settings, options=options
        )
    assert sleeps.delays_ms == [] and youtube.videos == {}


def test_a_server_that_keeps_failing_is_given_up_on(
    rendered: Rendered,
    youtube: FakeYouTube,
    settings: PublishSettings,
    options: PublishOptions,
    sleeps: Sleeps,
) -> None:
    youtube.inject(Fault(status=503, error={}, path_contains="/upload/youtube/v3/videos", times=50))
    with pytest.raises(PublishError, match="failed 5 times in a row"):
        publish_video(
            rendered.video, metadata_from_video(rendered.video), settings, options=options
        )
    assert len(youtube.requests) == 5 and len(sleeps.delays_ms) == 4
    assert sleeps.delays_ms[0] <= 10 <= sleeps.delays_ms[-1]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": "x" * 101}, "101 characters; YouTube allows at most 100"),
        ({"title": ""}, "the title is empty"),
        ({"description": "é" * 2501}, "5,002 bytes"),
        ({"description": "use <pipe>"}, "the description contains '<' and '>'"),
        ({"tags": ["long tag words"] * 40}, "the tags take 679 characters"),
        ({"category_id": 28}, "the category id must be a number written as a string"),
        ({"privacy": "friends"}, "privacy 'friends' is not one of private, unlisted, public"),
    ],
)
def test_metadata_youtube_would_refuse_is_stopped_before_any_request(
    rendered: Rendered,
    youtube: FakeYouTube,
    settings: PublishSettings,
    options: PublishOptions,
    change: dict[str, object],
    message: str,
) -> None:
    meta = replace(metadata_from_video(rendered.video), **change)  # type: ignore[arg-type]
    with pytest.raises(MetadataError, match=message):
        publish_video(rendered.video, meta, settings, options=options)
    assert youtube.requests == []


def test_publish_at_needs_private_and_every_problem_is_listed(
    rendered: Rendered, youtube: FakeYouTube, settings: PublishSettings, options: PublishOptions
) -> None:
    from app.engine.publish import parse_publish_at

    meta = replace(
        metadata_from_video(rendered.video),
        title="t" * 120,
        privacy="public",
        publish_at=parse_publish_at("2000-01-01T10:00Z"),
    )
    with pytest.raises(MetadataError) as caught:
        publish_video(rendered.video, meta, settings, options=options)
    assert len(caught.value.problems) == 3
    text = str(caught.value)
    assert (
        "needs privacy 'private'" in text and "is in the past" in text and "120 characters" in text
    )
    assert youtube.requests == []


def test_a_scheduled_private_video_carries_publish_at(
    rendered: Rendered, youtube: FakeYouTube, settings: PublishSettings, options: PublishOptions
) -> None:
    from app.engine.publish import parse_publish_at

    meta = replace(
        metadata_from_video(rendered.video),
        publish_at=parse_publish_at("2099-06-01T09:30:00+02:00"),
    )
    result = publish_video(rendered.video, meta, settings, options=options)
    assert youtube.videos[result.video_id]["status"]["publishAt"] == "2099-06-01T07:30:00Z"


def test_thumbnail_and_captions_follow_the_upload_and_quota_is_reported(
    rendered: Rendered, youtube: FakeYouTube, settings: PublishSettings, options: PublishOptions
) -> None:
    result = publish_video(
        rendered.video, metadata_from_video(rendered.video), settings, options=options
    )
    kind, image = youtube.thumbnails[result.video_id]
    assert kind == "image/jpeg" and image == rendered.thumbnail.read_bytes()
    [(snippet, track)] = youtube.captions.values()
    assert snippet["videoId"] == result.video_id and snippet["language"] == "en"
    assert track == rendered.captions.read_bytes()
    assert result.thumbnail == rendered.thumbnail and result.captions == rendered.captions
    assert result.quota_units == 1600 + 50 + 400 and result.notes == []


def test_the_upload_quota_cost_is_a_setting(
    rendered: Rendered, youtube: FakeYouTube, client_env: MemoryKeyring, options: PublishOptions
) -> None:
    settings_path().write_text(
        json.dumps({"upload_quota_units": 100, "chunk_bytes": UNIT}), encoding="utf-8"
    )
    settings = load_settings()
    result = publish_video(
        rendered.video,
        metadata_from_video(rendered.video),
        settings,
        options=PublishOptions(
            thumbnail=False, captions=False, policy=options.policy, sleep=options.sleep
        ),
    )
    assert result.quota_units == 100 and youtube.thumbnails == {} and youtube.captions == {}


def test_a_refused_thumbnail_is_a_note_not_a_failure(
    rendered: Rendered, youtube: FakeYouTube, settings: PublishSettings, options: PublishOptions
) -> None:
    youtube.inject(
        Fault(
            status=403,
            error={
                "error": {
                    "code": 403,
                    "message": "The authenticated user doesn't have permissions to upload and set custom video thumbnails.",
                    "errors": [{"reason": "forbidden"}],
                }
            },
            path_contains="/thumbnails/set",
        )
    )
    result = publish_video(
        rendered.video, metadata_from_video(rendered.video), settings, options=options
    )
    assert result.video_id in youtube.files and result.thumbnail is None
    assert any(
        "thumbnail not set" in note and "custom video thumbnails" in note for note in result.notes
    )
    assert result.captions == rendered.captions


def test_an_expired_access_token_is_refreshed_and_the_refresh_token_kept(
    rendered: Rendered,
    youtube: FakeYouTube,
    settings: PublishSettings,
    options: PublishOptions,
    logged_in: Tokens,
    client_env: MemoryKeyring,
    access_tokens: dict[str, set[str]],
) -> None:
    access_tokens.pop(logged_in.access_token)  # Google forgot it early: the first call gets 401
    result = publish_video(
        rendered.video, metadata_from_video(rendered.video), settings, options=options
    )
    assert youtube.files[result.video_id] == rendered.video.read_bytes()
    saved = json.loads(client_env.passwords[("castline", "youtube")])
    assert (
        saved["access_token"] != logged_in.access_token
        and saved["refresh_token"] == logged_in.refresh_token
    )


def test_cancelling_stops_between_chunks_and_creates_no_video(
    rendered: Rendered, youtube: FakeYouTube, settings: PublishSettings, options: PublishOptions
) -> None:
    progress = Progress()

    def stop_after_first_chunk(state: ProgressState) -> None:
        if state.done >= UNIT and not state.cancelled:
            progress.cancel()

    progress.subscribe(stop_after_first_chunk)
    with pytest.raises(Cancelled):
        publish_video(
            rendered.video,
            metadata_from_video(rendered.video),
            settings,
            options=options,
            progress=progress,
        )
    assert len(chunk_ranges(youtube)) == 1 and youtube.videos == {}


def test_an_oversized_thumbnail_is_fitted_to_1280x720_under_2_mb(
    rendered: Rendered,
    youtube: FakeYouTube,
    settings: PublishSettings,
    options: PublishOptions,
    tmp_path: Path,
) -> None:
    video = tmp_path / "big.mp4"
    shutil.copyfile(rendered.video, video)
    noise = np.random.default_rng(3).integers(0, 256, (1080, 1920, 3), dtype=np.uint8)
    Image.fromarray(noise).save(tmp_path / "big.jpg", "JPEG", quality=100)
    assert (tmp_path / "big.jpg").stat().st_size > 2 * 1024 * 1024
    result = publish_video(video, metadata_from_video(video), settings, options=options)
    kind, sent = youtube.thumbnails[result.video_id]
    with Image.open(io.BytesIO(sent)) as image:
        assert (kind, image.format, image.size) == ("image/jpeg", "JPEG", (1280, 720))
    assert len(sent) < 2 * 1024 * 1024
    assert any("fitted to a 1280x720 JPEG" in note for note in result.notes)
    assert result.captions is None and youtube.captions == {}  # no big.srt beside it


def test_no_token_reaches_the_log_during_an_upload_with_faults_and_a_refresh(
    rendered: Rendered,
    youtube: FakeYouTube,
    settings: PublishSettings,
    options: PublishOptions,
    logged_in: Tokens,
    access_tokens: dict[str, set[str]],
    client_env: MemoryKeyring,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    access_tokens.pop(logged_in.access_token)
    youtube.drop_chunks[2] = 50_000
    publish_video(rendered.video, metadata_from_video(rendered.video), settings, options=options)
    fresh = json.loads(client_env.passwords[("castline", "youtube")])["access_token"]
    assert "HTTP Request: PUT" in caplog.text
    for token in (logged_in.access_token, logged_in.refresh_token, fresh):
        assert str(token) not in caplog.text


def test_without_a_keyring_a_refresh_token_in_the_environment_is_enough(
    rendered: Rendered,
    youtube: FakeYouTube,
    settings: PublishSettings,
    options: PublishOptions,
    logged_in: Tokens,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import keyring
    from keyring.backends import fail

    monkeypatch.setenv("CASTLINE_YOUTUBE_TOKEN", str(logged_in.refresh_token))
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        result = publish_video(
            rendered.video, metadata_from_video(rendered.video), settings, options=options
        )
    finally:
        keyring.set_keyring(previous)
    assert youtube.files[result.video_id] == rendered.video.read_bytes()
    assert "could not be saved" not in caplog.text
