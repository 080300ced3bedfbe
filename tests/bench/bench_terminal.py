"""Terminal renderer speed: one full 80x24 frame at 1080p from cached glyphs, and export fps."""

from __future__ import annotations

import os
import random
import tempfile
import time
from fractions import Fraction
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from app.engine.model import BlockOptions, TerminalBeat, TerminalLine
from app.engine.render.terminal_export import export_animation, frame_count
from app.engine.terminal import animate_session, build_animation
from app.engine.terminal.session import Event, Session
from tests.bench.common import Figure, cpu_median, time_call

CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789 {}()[]<>=+-*/.,;:"


def _full_screen() -> Session:
    rng = random.Random(1)
    rows = ["".join(rng.choice(CHARS) for _ in range(80)) for _ in range(24)]
    data = "\x1b[H" + "\r\n".join(
        f"\x1b[{30 + y % 8};{1 if y % 3 == 0 else 22}m{r}" for y, r in enumerate(rows)
    )
    return Session(80, 24, events=[Event(0, data=data)], duration_ms=1000, cursor_blink=False)


def _long_recording() -> Session:
    """A minute of dense output: 6000 events of coloured text and newlines."""
    rng = random.Random(2)
    events = []
    for i in range(6000):
        text = "".join(rng.choice(CHARS) for _ in range(rng.randint(1, 30)))
        events.append(Event(10 * i, data=f"\x1b[3{i % 8}m{text}" + ("\r\n" if i % 3 == 0 else "")))
    return Session(80, 24, events=events, duration_ms=60_500)


def _demo_beat() -> TerminalBeat:
    lines = [TerminalLine(kind="command", text="curl -s https://example.com/api/status | jq .")]
    lines += [
        TerminalLine(kind="output", text=f'  "service-{i}": {{"ok": true, "latency_ms": {i * 7}}},')
        for i in range(12)
    ]
    lines.append(TerminalLine(kind="command", text="echo done"))
    lines.append(TerminalLine(kind="output", text="done"))
    return TerminalBeat(
        line=1,
        commands=["curl", "echo done"],
        lines=lines,
        options=BlockOptions(speed=30),
        info="terminal",
    )


def run() -> list[Figure]:
    figures: list[Figure] = []
    anim = animate_session(_full_screen(), width=1920, height=1080, theme="dracula")
    anim.frame_at(0)  # glyphs and tiles cached
    painter = anim.painter(80, 24)
    grid = anim.state_at(0).grid

    def full_frame() -> None:
        painter._last_grid = None  # force every row to be redrawn
        painter.frame(grid, (10, 5), "block")

    font = ImageFont.truetype(
        painter.atlas.font_for("M").path, painter.atlas.px, layout_engine=ImageFont.Layout.BASIC
    )
    text_rows = anim.text_at(0)
    L = painter.layout

    def pillow_frame() -> None:
        img = Image.new("RGBA", (1920, 1080), (40, 42, 54, 255))
        d = ImageDraw.Draw(img)
        for y, row in enumerate(text_rows):
            d.text((L.text_x, L.text_y + y * L.cell_h), row, font=font, fill=(248, 248, 242, 255))

    t_full = time_call(full_frame, repeat=40) * 1000
    t_pil = time_call(pillow_frame, repeat=10) * 1000
    figures.append(
        Figure(
            "full 80x24 frame at 1080p, glyphs cached",
            t_full,
            "ms",
            t_pil,
            "Pillow draws the same text",
            "< 4 ms",
        )
    )
    cpu_full = cpu_median(full_frame, 40) * 1000
    cpu_pil = cpu_median(pillow_frame, 10) * 1000
    figures.append(
        Figure(
            "  same, CPU time (robust to a loaded machine)",
            cpu_full,
            "ms",
            cpu_pil,
            "Pillow, CPU time",
            "< 4 ms",
        )
    )

    typing = build_animation(_demo_beat(), width=1920, height=1080)
    typing.frame_at(0)
    times = list(range(0, typing.duration_ms, 33))
    t0 = time.perf_counter()
    for t in times:
        typing.frame_at(t)
    per = (time.perf_counter() - t0) / len(times) * 1000
    figures.append(
        Figure(
            "frame_at during a typed session, 1080p (avg)",
            per,
            "ms",
            1000 / 30,
            "one frame of real time at 30 fps",
        )
    )

    rec = _long_recording()
    scrub = animate_session(rec, width=1920, height=1080)
    scrub.frame_at(scrub.duration_ms)  # played through once, as the studio does on load
    rng = random.Random(5)
    seeks = [rng.randrange(scrub.duration_ms) for _ in range(40)]
    t0 = time.perf_counter()
    for ms in seeks:
        scrub.frame_at(ms)
    per_seek = (time.perf_counter() - t0) / len(seeks) * 1000
    figures.append(
        Figure(
            f"scrub to a random time, {len(rec.events)}-event recording",
            per_seek,
            "ms",
            1000 / 30,
            "one frame at 30 fps",
        )
    )

    fps = Fraction(30)
    clip = build_animation(_demo_beat(), width=1920, height=1080).retimed(3000)
    n = frame_count(clip, fps)
    with tempfile.TemporaryDirectory() as tmp:
        for suffix, label in (
            (".mp4", "H.264 .mp4"),
            (".mov", "ProRes 4444 .mov"),
            (".webm", "VP9+alpha .webm"),
        ):
            fresh = build_animation(
                _demo_beat(), width=1920, height=1080, transparent=suffix != ".mp4"
            ).retimed(3000)
            t0 = time.perf_counter()
            export_animation(fresh, Path(tmp) / f"bench{suffix}", fps=fps)
            elapsed = time.perf_counter() - t0
            figures.append(
                Figure(
                    f"export {label} 1080p30 ({n} frames)", n / elapsed, "fps", 30.0, "real time"
                )
            )
    figures.append(
        Figure(
            "1-minute load average while measuring",
            os.getloadavg()[0],
            f"(on {os.cpu_count()} cores)",
        )
    )
    return figures
