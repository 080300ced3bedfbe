"""``make package-test``: the bundle from ``make package``, installed elsewhere and run like a user would.

The bundle folder is copied to a temporary folder and run from there, with a clean
environment (no PYTHONPATH, no virtual environment or source tree on PATH, the working
directory elsewhere), and must:

1. print ``--version`` (the version in app/__init__.py);
2. render the example offline with the preview preset to an MP4 that decodes as H.264
   video and AAC audio, whose streams last the duration the render reported, with every
   line voiced by the bundled Piper voice and captions inside the video;
3. open the studio offscreen (``studio --smoke-test``), which prints "window shown".

Only the checking of the rendered file uses this script's Python (PyAV to decode it);
the app itself runs from the bundle alone. Nothing is written to the source tree.

Usage: ``python build/package_test.py [BUNDLE_DIR]`` (default dist/castline); exit 0 when
every check passes.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "resources" / "examples" / "how-ssh-works"
PRESET = ("preview", 960, 540)
RUN_LIMIT_S = 900
"""A hung bundle fails the check instead of blocking ``make`` for ever."""


class CheckFailed(Exception):
    """One check did not hold; the message says what the user would have seen."""


def source_version() -> str:
    text = (ROOT / "app" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.M)
    if not match:
        raise CheckFailed("app/__init__.py has no __version__")
    return match.group(1)


def executable(bundle: Path) -> Path:
    exe = bundle / ("castline.exe" if sys.platform == "win32" else "castline")
    if not exe.is_file():
        raise CheckFailed(f"{exe} is missing: run `make package` first")
    return exe


def clean_env(scratch: Path) -> dict[str, str]:
    """The environment of a user who installed the app: no Python of ours anywhere on it."""
    keep = ("SYSTEMROOT", "WINDIR", "COMSPEC", "PATHEXT", "LANG", "LC_ALL", "TZ", "USER")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    banned = [Path(sys.prefix).resolve(), ROOT.resolve()]
    if os.environ.get("VIRTUAL_ENV"):
        banned.append(Path(os.environ["VIRTUAL_ENV"]).resolve())
    path = [
        p
        for p in os.environ.get("PATH", os.defpath).split(os.pathsep)
        if p and not any(Path(p).resolve().is_relative_to(b) for b in banned)
    ]
    home = scratch / "home"
    home.mkdir()
    env.update(
        PATH=os.pathsep.join(path),
        HOME=str(home),
        USERPROFILE=str(home),
        TMPDIR=str(scratch),
        CASTLINE_DATA_DIR=str(scratch / "data"),
        CASTLINE_CACHE_DIR=str(scratch / "cache"),
        CASTLINE_CONFIG_DIR=str(scratch / "config"),
    )
    return env


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(
            args, cwd=cwd, env=env, capture_output=True, text=True, timeout=RUN_LIMIT_S
        )
    except subprocess.TimeoutExpired as exc:
        raise CheckFailed(f"`{' '.join(args[1:])}` still running after {RUN_LIMIT_S} s") from exc
    if done.returncode != 0:
        raise CheckFailed(
            f"`{' '.join(args[1:])}` exited {done.returncode}\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    return done


def check_version(exe: Path, cwd: Path, env: dict[str, str]) -> str:
    out = run([str(exe), "--version"], cwd, env).stdout.strip()
    want = f"Castline {source_version()}"
    if out != want:
        raise CheckFailed(f"--version printed {out!r}, expected {want!r}")
    return out


@dataclass
class Probed:
    video_codec: str
    audio_codec: str
    size: tuple[int, int]
    fps: Fraction
    frames: int
    video_s: float
    audio_s: float
    container_s: float
    audio_rms: float


def probe(path: Path) -> Probed:
    """Decode every frame and sample of ``path`` (PyAV of this script's Python)."""
    import av
    import numpy as np

    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0]
        fps = Fraction(video.average_rate or 0)
        frames = sum(1 for _ in container.decode(video))
        container.seek(0)
        decoded = list(container.decode(audio))
        rate = decoded[0].sample_rate if decoded else 1
        channels = [f.to_ndarray().astype(np.float64).ravel() for f in decoded]
        pcm = np.concatenate(channels) if channels else np.zeros(0)
        return Probed(
            video_codec=video.codec_context.name,
            audio_codec=audio.codec_context.name,
            size=(video.codec_context.width, video.codec_context.height),
            fps=fps,
            frames=frames,
            video_s=float(frames / fps) if fps else 0.0,
            audio_s=sum(f.samples for f in decoded) / rate,
            container_s=(container.duration or 0) / 1_000_000,
            audio_rms=float(np.sqrt(np.mean(pcm**2))) if pcm.size else 0.0,
        )


def last_caption_end_s(srt: Path) -> float:
    ends = re.findall(r"--> (\d+):(\d+):(\d+),(\d+)", srt.read_text(encoding="utf-8"))
    if not ends:
        raise CheckFailed(f"{srt.name} has no captions")
    h, m, s, ms = (int(x) for x in ends[-1])
    return h * 3600 + m * 60 + s + ms / 1000


def check_render(exe: Path, work: Path, env: dict[str, str]) -> str:
    shutil.copytree(EXAMPLE, work / EXAMPLE.name)
    out = work / "out" / "how-ssh-works.mp4"
    done = run(
        [
            str(exe),
            "render",
            f"{EXAMPLE.name}/script.md",
            "-o",
            str(out),
            "--offline",
            "--preset",
            PRESET[0],
        ],
        work,
        env,
    )
    wrote = re.search(r"wrote .* \((\d+)x(\d+), ([0-9.]+) s, ", done.stdout)
    voices = re.search(r"voices: (\d+) lines, (\d+) synthesized", done.stdout)
    if not wrote or not voices or not out.is_file():
        raise CheckFailed(f"render did not report a video:\n{done.stdout}{done.stderr}")
    reported_s = float(wrote.group(3))
    lines, synthesized = int(voices.group(1)), int(voices.group(2))
    if lines == 0 or synthesized != lines:
        raise CheckFailed(f"the bundled voice spoke {synthesized} of {lines} lines")
    p = probe(out)
    frame_s = float(1 / p.fps) if p.fps else 1.0
    problems = []
    if (p.video_codec, p.audio_codec) != ("h264", "aac"):
        problems.append(f"codecs are {p.video_codec}+{p.audio_codec}, not h264+aac")
    if p.size != PRESET[1:]:
        problems.append(f"picture is {p.size[0]}x{p.size[1]}, not {PRESET[1]}x{PRESET[2]}")
    if abs(p.video_s - reported_s) > frame_s + 0.05:
        problems.append(f"video lasts {p.video_s:.2f} s, the render reported {reported_s:.1f} s")
    if abs(p.audio_s - p.video_s) > 0.05:
        problems.append(f"audio lasts {p.audio_s:.3f} s, video {p.video_s:.3f} s")
    if abs(p.container_s - p.video_s) > 0.05:
        problems.append(f"the file says {p.container_s:.3f} s, its video {p.video_s:.3f} s")
    if p.audio_rms < 0.01:
        problems.append(f"the audio is silent (RMS {p.audio_rms:.4f})")
    captions_end = last_caption_end_s(out.with_suffix(".srt"))
    if not p.video_s / 2 < captions_end <= p.video_s + 0.05:
        problems.append(f"captions end at {captions_end:.2f} s of a {p.video_s:.2f} s video")
    if problems:
        raise CheckFailed("the rendered video is wrong: " + "; ".join(problems))
    return (
        f"{p.video_codec}+{p.audio_codec} {p.size[0]}x{p.size[1]} {p.frames} frames, "
        f"video {p.video_s:.2f} s, audio {p.audio_s:.3f} s, {lines} lines voiced"
    )


def check_studio(exe: Path, work: Path, env: dict[str, str]) -> str:
    studio_env = dict(env, QT_QPA_PLATFORM="offscreen")
    script = work / EXAMPLE.name / "script.md"
    done = run([str(exe), "studio", str(script), "--smoke-test"], work, studio_env)
    if "window shown" not in done.stdout.splitlines():
        raise CheckFailed(f"the studio never showed its window:\n{done.stdout}{done.stderr}")
    return "window shown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("bundle", nargs="?", type=Path, default=ROOT / "dist" / "castline")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="castline-package-test-") as tmp:
        scratch = Path(tmp)
        failures = 0
        try:
            installed = scratch / "castline"
            print(f"installing {args.bundle} to {installed}", flush=True)
            shutil.copytree(args.bundle, installed, symlinks=True)
            exe = executable(installed)
        except (CheckFailed, OSError) as exc:
            print(f"FAIL install: {exc}", file=sys.stderr)
            return 1
        work = scratch / "work"
        work.mkdir()
        env = clean_env(scratch)
        for name, check in (
            ("--version", check_version),
            ("render", check_render),
            ("studio", check_studio),
        ):
            start = time.perf_counter()
            try:
                result = check(exe, work, env)
            except CheckFailed as exc:
                failures += 1
                print(f"FAIL {name}: {exc}", file=sys.stderr, flush=True)
                continue
            print(f"ok   {name}: {result} ({time.perf_counter() - start:.1f} s)", flush=True)
    print("package test passed" if not failures else f"package test: {failures} check(s) failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
