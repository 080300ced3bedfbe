"""A render in its own process that stops at a named step, for the publishing tests.

``python -m tests.engine.render.publish_child OUT STEP`` renders a small timeline to
``OUT``; when the render reports the progress message ``STEP`` it prints ``paused`` and
waits for a line on stdin, so the test can look at the folder, send a signal or start
a second render while this one is held at a known point. SIGTERM is handled as the
command line handles it; the exit code is the command line's (0, 1, 130 or 143).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from app.cli import EXIT_ERROR, EXIT_TERMINATED, Terminated, stop_on_sigterm
from app.engine.jobs.progress import Progress, ProgressState
from app.engine.render import RenderError, render_timeline
from tests.engine.render.conftest import small_timeline


def main(out: Path, step: str) -> int:
    stop_on_sigterm()
    paused = False

    def hold(state: ProgressState) -> None:
        nonlocal paused
        if state.message == step and not paused:
            paused = True
            print("paused", flush=True)
            sys.stdin.readline()

    progress = Progress()
    progress.subscribe(hold)
    with tempfile.TemporaryDirectory() as audio:
        timeline = small_timeline(Path(audio), seconds=2)
        try:
            render_timeline(timeline, out, preset="preview", progress=progress)
        except Terminated:
            return EXIT_TERMINATED
        except RenderError as exc:
            print(exc, file=sys.stderr)
            return EXIT_ERROR
    print("wrote", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2]))
