"""``castline publish`` from the command line, against the fakes."""

from __future__ import annotations

import json
import threading
import webbrowser
from pathlib import Path

import httpx
import pytest

from app.cli import main
from app.engine.publish import Tokens
from tests.engine.publish.conftest import TITLE, Rendered
from tests.fakes.google_oauth import FakeGoogleOAuth
from tests.fakes.memory_keyring import MemoryKeyring
from tests.fakes.youtube import FakeYouTube


@pytest.fixture
def quick_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small chunks and no real waiting, set the way a user would: publish.json."""
    from app.engine.publish.settings import settings_path

    settings_path().write_text(json.dumps({"chunk_bytes": 256 * 1024}), encoding="utf-8")


def test_publish_needs_only_the_video(
    rendered: Rendered,
    youtube: FakeYouTube,
    logged_in: Tokens,
    quick_chunks: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        main(
            ["publish", str(rendered.video), "--privacy", "unlisted", "--caption-language", "en-GB"]
        )
        == 0
    )
    out, err = capsys.readouterr()
    [video] = youtube.videos.values()
    assert f"published pipes.mp4: https://youtu.be/{video['id']} (unlisted)" in out
    assert video["snippet"]["title"] == TITLE and video["status"]["privacyStatus"] == "unlisted"
    assert youtube.files[video["id"]] == rendered.video.read_bytes()
    [(snippet, _)] = youtube.captions.values()
    assert snippet["language"] == "en-GB"
    assert "quota:     about 2,050 of the 10,000 units" in out and "captions:" in out
    assert "upload [" in err and "100%" in err
    assert logged_in.access_token not in out + err


def test_publish_without_extras_and_with_a_new_title(
    rendered: Rendered,
    youtube: FakeYouTube,
    logged_in: Tokens,
    quick_chunks: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        main(
            [
                "publish",
                str(rendered.video),
                "--title",
                "Pipes, again",
                "--no-captions",
                "--no-thumbnail",
            ]
        )
        == 0
    )
    [video] = youtube.videos.values()
    assert video["snippet"]["title"] == "Pipes, again"
    assert youtube.thumbnails == {} and youtube.captions == {}
    assert "thumbnail: not set" in capsys.readouterr().out


def test_bad_details_are_one_message_and_nothing_is_sent(
    rendered: Rendered, youtube: FakeYouTube, logged_in: Tokens, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "publish",
            str(rendered.video),
            "--privacy",
            "public",
            "--publish-at",
            "2099-01-01T10:00:00Z",
            "--title",
            "a <b>",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert "needs privacy 'private'" in err and "the title contains '<' and '>'" in err
    assert youtube.requests == []


def test_a_bad_publish_time_and_a_missing_file_are_messages(
    rendered: Rendered, logged_in: Tokens, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["publish", str(rendered.video), "--publish-at", "next tuesday"]) == 1
    assert "is not an ISO time" in capsys.readouterr().err
    assert main(["publish", str(rendered.video.with_name("nope.mp4"))]) == 1
    assert "no such file; render one first" in capsys.readouterr().err


def test_publish_before_login_says_to_log_in(
    rendered: Rendered,
    youtube: FakeYouTube,
    client_env: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["publish", str(rendered.video)]) == 1
    assert "run `castline publish --login` first" in capsys.readouterr().err
    assert youtube.requests == []


def test_login_opens_the_browser_prints_the_address_and_logout_forgets(
    client_env: MemoryKeyring,
    google_oauth: FakeGoogleOAuth,
    youtube: FakeYouTube,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    visits: list[threading.Thread] = []

    def browser(url: str, *args: object, **kwargs: object) -> bool:
        visit = threading.Thread(
            target=lambda: httpx.get(url, follow_redirects=True, timeout=10), daemon=True
        )
        visit.start()
        visits.append(visit)
        return True

    monkeypatch.setattr(webbrowser, "open", browser)
    assert main(["publish", "--login"]) == 0
    out, err = capsys.readouterr()
    assert "connected to YouTube as Castline Test Channel" in out
    assert f"{google_oauth.url}/o/oauth2/v2/auth?" in err and "code_challenge_method=S256" in err
    saved = json.loads(client_env.passwords[("castline", "youtube")])
    assert saved["refresh_token"] in google_oauth.refresh_tokens
    assert saved["access_token"] not in out + err
    assert main(["publish", "--logout"]) == 0
    assert ("castline", "youtube") not in client_env.passwords
    assert "forgotten" in capsys.readouterr().out
    for visit in visits:
        visit.join(10)


def test_publish_wants_exactly_one_thing_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["publish"]) == 2
    assert "give a video to publish, or --login, or --logout" in capsys.readouterr().err


def test_a_file_that_is_not_a_video_is_a_message(
    tmp_path: Path, youtube: FakeYouTube, logged_in: Tokens, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes.mp4"
    notes.write_text("not a video", encoding="utf-8")
    assert main(["publish", str(notes)]) == 1
    err = capsys.readouterr().err
    assert f"{notes}: cannot be read as a video" in err and "Traceback" not in err
    assert youtube.requests == []
