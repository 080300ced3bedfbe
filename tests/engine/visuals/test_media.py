"""The user's own files as visuals: named on the line, or found by name; never outside the folder."""

from __future__ import annotations

from pathlib import Path

from app.engine.store import Store
from app.engine.visuals.generate import generate_visuals
from tests.engine.visuals.conftest import write_script
from tests.fakes.memory_keyring import MemoryKeyring
from tests.fakes.visual_media import mp4, png


def test_named_files_and_files_found_by_name(
    tmp_path: Path, no_keys: MemoryKeyring, store: Store
) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "rack.png").write_bytes(png((200, 20, 20), 64, 36))
    (tmp_path / "clips").mkdir()
    (tmp_path / "clips" / "harbour_boats-01.mp4").write_bytes(mp4((20, 20, 200), 64, 36))
    (tmp_path.parent / "outside.png").write_bytes(png((1, 2, 3), 8, 8))
    body = """\
## One

> visual (media): images/rack.png

A rack.

## Two

> visual (media, clip): boats in a harbour

The boats rock in the harbour.

## Three

> visual (media): boats again

More boats in the harbour.

## Four

> visual (media): ../outside.png

Nothing.
"""
    script = write_script(tmp_path, body)
    plan = generate_visuals(script, store=store)
    lines = sorted([*plan.visuals, *plan.drawn])
    rack, boats, again, outside = (plan.for_line(n) for n in lines)
    assert (
        rack is not None and rack.path == tmp_path / "images" / "rack.png" and rack.kind == "still"
    )
    assert rack.width == 64 and rack.height == 36
    assert boats is not None and boats.kind == "clip" and boats.path.name == "harbour_boats-01.mp4"
    assert boats.duration_ms == 1000
    assert again is None, "the same file of the user's was used twice"
    assert outside is None and any("no image or video" in n for n in plan.notes[lines[3]])
    assert store.ledger(plan.project_id) == []
