"""What a viewer sees, measured on rendered files: text row heights and the longest silence.

The shipped examples, the Short fixture and (when beside the checkout) the shared corpus
are rendered offline at full size; the terminal and code windows' row pitch is read back
from decoded frames with OCR, and the longest silence outside written pauses is measured
on the decoded audio (the same helpers the tests use).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from app.engine.model.script import PauseBeat
from app.engine.model.time import frames_to_ms
from app.engine.motion.stage import Stage
from app.engine.render.project import render_script
from app.engine.script import parse_file
from app.engine.store import Store
from app.engine.timeline import TerminalSource
from tests.bench.common import Figure
from tests.viewer import frames_at, ocr_words, row_pitch, silences

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = [
    ROOT / "resources" / "examples" / "how-ssh-works" / "script.md",
    ROOT / "resources" / "examples" / "on-screen-text" / "script.md",
    ROOT / "tests" / "fixtures" / "motion" / "short.md",
]
CORPUS = ROOT.parent / "shared" / "corpus"


def _scripts() -> list[Path]:
    found = list(SCRIPTS)
    if CORPUS.is_dir():
        found += [p for p in sorted(CORPUS.glob("*.md")) if not parse_file(p).has_errors]
    return found


def run() -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="castline-bench-motion-") as tmp_name:
        tmp = Path(tmp_name)
        store = Store.open(f"sqlite:///{tmp / 'castline.db'}", assets_dir=tmp / "assets")
        try:
            for path in _scripts():
                name = f"{path.parent.name}/{path.name}" if path.name == "script.md" else path.name
                done = render_script(
                    path, tmp / f"{path.parent.name}-{path.stem}.mp4", offline=True, store=store
                )
                tl = done.timeline
                views = [
                    c
                    for c in tl.tracks_of("terminal")[0].clips
                    if isinstance(c.source, TerminalSource)
                ]
                if views:
                    area = Stage(tl.width, tl.height).view_area
                    times = [frames_to_ms(c.end, tl.fps) / 1000 - 0.45 for c in views]
                    frames = frames_at(done.render.output, times)
                    pitches = [
                        row_pitch(ocr_words(frames[t][area.y : area.bottom, area.x : area.right]))
                        for t in times
                    ]
                    goal = ">= 40 px (Short)" if tl.height > tl.width else ">= 36 px at 1080p"
                    figures.append(
                        Figure(
                            f"{name}: smallest terminal/code row (OCR)",
                            min(pitches),
                            "px",
                            baseline=max(pitches),
                            baseline_label="largest",
                            goal=goal,
                        )
                    )
                found = silences(done.render.output, tl, parse_file(path))
                written = sum(b.duration_ms for b in done_script_pauses(path)) / 1000
                figures.append(
                    Figure(
                        f"{name}: longest silence not written as [pause]",
                        max((s.unasked for s in found), default=0.0),
                        "s",
                        baseline=max((s.length for s in found), default=0.0),
                        baseline_label=f"longest silence, written pauses ({written:g} s) in",
                        goal="<= 1.5",
                    )
                )
        finally:
            store.close()
    return figures


def done_script_pauses(path: Path) -> list[PauseBeat]:
    return [b for b in parse_file(path).beats() if isinstance(b, PauseBeat)]
