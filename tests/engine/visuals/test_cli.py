"""``python main.py visuals``: progress, what was made, the cost; estimates spend nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from app.engine import paths
from tests.engine.visuals.conftest import write_script
from tests.fakes.runway import RUNWAY_KEY, FakeRunway
from tests.fakes.stock import PEXELS_KEY, FakePexels

BODY = """\
## Fire

> visual: a rocket engine igniting

The rocket engine fires on the launch pad.

## Orbit

> visual (pexels): a satellite

The satellite reaches orbit above the earth.
"""


def test_visuals_reports_what_was_made_and_what_it_cost(
    tmp_path: Path, runway: FakeRunway, pexels: FakePexels, capsys: pytest.CaptureFixture[str]
) -> None:
    script = write_script(tmp_path, BODY, "visuals: [runway, pexels]\n")
    path = str(script.path)
    assert main(["visuals", path, "--estimate"]) == 0
    out = capsys.readouterr().out
    assert "would cost about $0.08" in out and "runway" in out
    assert runway.requests == [] and pexels.requests == []

    assert main(["visuals", path, "--budget", "2", "--lines"]) == 0
    captured = capsys.readouterr()
    assert "2 visuals" in captured.out and "fetched or generated: 2" in captured.out
    assert "runway 1" in captured.out and "pexels 1" in captured.out
    assert "$0.0800 this run" in captured.out and "of a $2.00 budget" in captured.out
    assert "stock credits:        1" in captured.out
    assert "visuals [" in captured.err  # the progress bar

    assert main(["visuals", path]) == 0
    again = capsys.readouterr().out
    assert "cache hits:           2" in again and "$0.0000 this run" in again

    database = Path(paths.data_dir()) / "castline.db"
    for stored in [database, *Path(paths.data_dir()).rglob("*.db-wal")]:
        data = stored.read_bytes()
        assert RUNWAY_KEY.encode() not in data and PEXELS_KEY.encode() not in data
    assert RUNWAY_KEY not in captured.out + captured.err


def test_provider_flag_offline_and_bad_input(
    tmp_path: Path, runway: FakeRunway, pexels: FakePexels, capsys: pytest.CaptureFixture[str]
) -> None:
    script = write_script(tmp_path, BODY)
    path = str(script.path)
    assert main(["visuals", path, "--offline"]) == 0
    assert "drawn at render time: 2" in capsys.readouterr().out and runway.requests == []
    assert main(["visuals", path, "--provider", "runway"]) == 0
    out = capsys.readouterr().out
    assert "runway 1" in out and "pexels 1" in out  # the line's own provider still goes first
    assert main(["visuals", path, "--provider", "nonesuch"]) == 2
    assert main(["visuals", path, "--budget", "-1"]) == 1
    assert "cannot be negative" in capsys.readouterr().err
    assert main(["visuals", str(tmp_path / "missing.md")]) == 1
    assert main(["visuals", "--providers"]) == 0
    listed = capsys.readouterr().out
    assert "runway" in listed and "ready (key from keyring)" in listed and "procedural" in listed
