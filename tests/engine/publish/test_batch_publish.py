"""``castline batch --publish``: each finished video goes to (a fake) YouTube, the broken do not."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from app.engine.publish.oauth import Tokens
from tests.engine.dist.cluster import BATCH_FLAGS, FIXTURES
from tests.engine.dist.test_batch import table_rows
from tests.fakes.youtube import FakeYouTube


@pytest.mark.slow
def test_batch_publishes_what_it_rendered(
    tmp_path: Path, youtube: FakeYouTube, logged_in: Tokens, capsys: pytest.CaptureFixture[str]
) -> None:
    scripts = [str(FIXTURES / "lighthouse.md"), str(FIXTURES / "broken.md")]
    assert main(["batch", *scripts, "-o", str(tmp_path), "--publish", *BATCH_FLAGS]) == 1
    rows = table_rows(capsys.readouterr().out)
    [video] = youtube.videos.values()
    assert video["snippet"]["title"] == "Lighthouse"
    assert youtube.files[video["id"]] == (tmp_path / "lighthouse.mp4").read_bytes()
    assert rows["lighthouse.mp4"][4] == f"ok, published https://youtu.be/{video['id']}"
    assert rows["broken.md"][4].startswith("failed:")
