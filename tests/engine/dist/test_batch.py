"""``castline batch`` in this process: every script gets its row, and money is checked first."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.cli import main
from tests.engine.dist.cluster import BATCH_FLAGS, FIXTURES, free_port, probe_video
from tests.fakes.elevenlabs import FakeElevenLabs
from tests.fakes.memory_keyring import MemoryKeyring


def seconds_ms(cell: str) -> int:
    """``"3.2 s"`` -> 3200."""
    return round(float(cell.removesuffix(" s")) * 1000)


def table_rows(out: str) -> dict[str, list[str]]:
    """The summary table's rows by file name, split into its columns."""
    rows = [re.split(r"\s{2,}", line.strip()) for line in out.splitlines() if line.strip()]
    assert rows[0] == ["file", "duration", "cost", "time", "status"], out
    return {row[0]: row for row in rows[1:]}


@pytest.mark.slow
def test_in_process_batch_renders_the_good_and_names_the_broken(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scripts = [FIXTURES / "broken.md", FIXTURES / "lighthouse.md"]
    assert main(["batch", *map(str, scripts), "-o", str(tmp_path / "out"), *BATCH_FLAGS]) == 1
    captured = capsys.readouterr()
    rows = table_rows(captured.out)
    assert rows["broken.md"][4].startswith("failed:") and "broken.md:8:32" in rows["broken.md"][4]
    assert "images/nope.png” does not exist" in captured.err
    assert rows["lighthouse.mp4"][4] == "ok"
    assert "1 of 2 rendered" in captured.err and "lighthouse.md [" in captured.err
    video = probe_video(tmp_path / "out" / "lighthouse.mp4")
    assert (video.video_codec, video.audio_codec) == ("h264", "aac")
    assert video.complete(seconds_ms(rows["lighthouse.mp4"][1])) and video.frames > 60
    assert not (tmp_path / "out" / "broken.mp4").exists()


def test_batch_over_budget_is_refused_before_any_request(
    tmp_path: Path,
    eleven: FakeElevenLabs,
    no_keys: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each script fits its $0.10 budget alone; the three together do not, so nothing is sent."""
    no_keys.set_password("castline", "elevenlabs", next(iter(eleven.valid_keys)))
    scripts = []
    for n in range(3):
        script = tmp_path / f"paid{n}.md"
        script.write_text(
            "---\ntitle: Paid\nbudget: 0.10\ncharacters:\n"
            "  NARRATOR: { voice: elevenlabs/21m00Tcm4TlvDq8ikWAM }\n---\n## Paid\n\n"
            + "A line that costs money to speak, said once more. " * 3
            + "\n"
        )
        scripts.append(str(script))
    assert main(["batch", *scripts, "-o", str(tmp_path / "out"), "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "the batch would cost about $0.1" in err and "$0.10 left in the budget of paid" in err
    assert "nothing was spent" in err
    assert eleven.requests == []
    assert list((tmp_path / "out").iterdir()) == []


def test_batch_without_redis_is_one_line_and_renders_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    args = [str(FIXTURES / "lighthouse.md"), "-o", str(tmp_path / "out"), "--workers", url]
    assert main(["batch", *args, *BATCH_FLAGS]) == 1
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("castline:")]
    assert len(lines) == 1 and f"cannot reach Redis at {url}" in lines[0], err
    assert list((tmp_path / "out").iterdir()) == []


def test_worker_without_redis_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    assert main(["worker", "--broker", url]) == 1
    assert (
        capsys.readouterr().err.strip().startswith(f"castline: error: cannot reach Redis at {url}")
    )
    assert main(["worker", "--broker", "amqp://elsewhere"]) == 1
    assert "is not a Redis address" in capsys.readouterr().err
