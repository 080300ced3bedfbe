"""Regenerate the example script's media: two images, a short clip and a music loop.

The generated files are committed beside the script, so nothing needs to run this;
it is here so the media can be rebuilt or changed. Deterministic: same bytes of
pixels and samples every run (the encoders' containers may differ in metadata).

    .venv/bin/python resources/examples/make_example_media.py
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

HERE = Path(__file__).resolve().parent / "how-ssh-works"
W, H = 1280, 720
TEAL = np.array([18, 120, 130], dtype=np.float32)
NIGHT = np.array([8, 14, 28], dtype=np.float32)
ORANGE = (255, 156, 64)


def _gradient(w: int, h: int, top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """A vertical gradient with a soft radial glow in the middle, as float RGB."""
    y = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    img = top * (1 - y) + bottom * y
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r = np.hypot((xx - w / 2) / (w / 2), (yy - h / 2) / (h / 2))
    glow = np.clip(1.0 - r, 0.0, 1.0)[..., None] ** 2
    return img * (1 - glow * 0.5) + np.array([40, 170, 180], np.float32) * glow * 0.5


def _to_image(rgb: np.ndarray) -> Image.Image:
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")


def _key(
    draw: ImageDraw.ImageDraw, x: float, y: float, scale: float, color: tuple[int, ...]
) -> None:
    """A simple key: a ring bow and a toothed blade."""
    r = 48 * scale
    draw.ellipse((x - r, y - r, x + r, y + r), outline=color, width=int(12 * scale))
    blade = (x + r, y - 8 * scale, x + r + 190 * scale, y + 8 * scale)
    draw.rectangle(blade, fill=color)
    for i in range(3):
        tx = x + r + (110 + i * 28) * scale
        draw.rectangle(
            (tx, y + 8 * scale, tx + 14 * scale, y + (30 + 8 * (i % 2)) * scale), fill=color
        )


def key_exchange_image() -> Image.Image:
    """Two keys facing each other across a beam of light: the key exchange."""
    base = _to_image(_gradient(W, H, NIGHT, TEAL * 0.6))
    glow = Image.new("RGB", (W, H), (0, 0, 0))
    gd = ImageDraw.Draw(glow)
    gd.rectangle((330, H // 2 - 6, W - 330, H // 2 + 6), fill=ORANGE)
    for i in range(9):
        x = 360 + i * 70
        gd.ellipse((x - 10, H // 2 - 10, x + 10, H // 2 + 10), fill=(255, 210, 150))
    glow = glow.filter(ImageFilter.GaussianBlur(14))
    img = Image.fromarray(
        np.clip(np.asarray(base, np.int16) + np.asarray(glow, np.int16), 0, 255).astype(np.uint8)
    )
    draw = ImageDraw.Draw(img)
    _key(draw, 200, H / 2, 1.0, (235, 245, 245))
    # The right key mirrored: draw it on a scratch layer and flip.
    layer = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    _key(ImageDraw.Draw(layer), 200, H / 2, 1.0, (255, 190, 120, 255))
    img.paste(
        layer.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
        (0, 0),
        layer.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    )
    return img


def server_rack_image() -> Image.Image:
    """Rows of server lights in the dark: a thumbnail-friendly backdrop."""
    img = _to_image(_gradient(W, H, NIGHT, NIGHT * 2.2))
    draw = ImageDraw.Draw(img)
    rng = np.random.default_rng(7)
    for rack in range(5):
        x0 = 140 + rack * 210
        draw.rectangle((x0, 90, x0 + 160, 640), fill=(16, 24, 36), outline=(40, 70, 80), width=3)
        for row in range(14):
            y = 110 + row * 37
            draw.rectangle((x0 + 12, y, x0 + 148, y + 26), fill=(24, 34, 48))
            for led in range(4):
                on = rng.random() < 0.6
                color = (
                    (60, 230, 200)
                    if on and led % 2 == 0
                    else (255, 170, 70)
                    if on
                    else (40, 50, 60)
                )
                cx = x0 + 110 + led * 9
                draw.ellipse((cx - 3, y + 10, cx + 3, y + 16), fill=color)
    return img


def write_png(img: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.png")
    img.save(tmp, optimize=True)
    tmp.replace(path)


def tunnel_frames(n: int, w: int, h: int) -> list[np.ndarray]:
    """Packets of light travelling down a tunnel of rings, looping cleanly."""
    frames = []
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = w / 2, h / 2
    r = np.hypot(xx - cx, (yy - cy) * 1.4) + 1.0
    angle = np.arctan2(yy - cy, xx - cx)
    depth = 200.0 / r
    for i in range(n):
        t = i / n
        rings = 0.5 + 0.5 * np.cos((depth - t * 4.0) * 2 * math.pi)
        stripes = 0.5 + 0.5 * np.cos(angle * 8)
        packets = np.exp(-((((depth * 2 - t * 8.0) % 2.0) - 1.0) ** 2) * 40) * (stripes > 0.85)
        fade = np.clip(r / (w * 0.35), 0, 1)
        rgb = (
            NIGHT[None, None, :] * (1 - fade[..., None])
            + TEAL[None, None, :] * (rings * fade * 0.8)[..., None]
            + np.array(ORANGE, np.float32)[None, None, :] * (packets * fade)[..., None]
        )
        frames.append(np.clip(rgb, 0, 255).astype(np.uint8))
    return frames


def write_clip(path: Path, seconds: float = 3.5, fps: int = 30, w: int = 640, h: int = 360) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.mp4")
    with av.open(str(tmp), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"crf": "30", "preset": "slow"}
        for frame in tunnel_frames(round(seconds * fps), w, h):
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    tmp.replace(path)


def music_loop(seconds: int = 32, rate: int = 48_000) -> np.ndarray:
    """A calm pad, Cmaj7 - Am7 - Fmaj7 - G6, that loops without a click (float32 mono)."""
    n = seconds * rate
    t = np.arange(n, dtype=np.float64) / rate
    chords = [[48, 55, 64, 71], [45, 52, 60, 67], [41, 48, 57, 64], [43, 50, 59, 64]]
    seg = seconds / len(chords)
    out = np.zeros(n)
    for k, notes in enumerate(chords):
        # A raised-cosine window two segments wide, wrapped around: the windows sum to 1.
        centre = (k + 0.5) * seg
        d = (t - centre + seconds / 2) % seconds - seconds / 2
        window = np.where(np.abs(d) < seg, 0.5 + 0.5 * np.cos(np.pi * d / seg), 0.0)
        for j, note in enumerate(notes):
            f = 440.0 * 2 ** ((note - 69) / 12)
            # Whole cycles per loop keep every partial seamless at the wrap.
            f = round(f * seconds) / seconds
            tone = np.sin(2 * np.pi * f * t) + 0.25 * np.sin(2 * np.pi * 2 * f * t + j)
            out += window * tone * (0.9 - 0.12 * j)
    shimmer = 0.5 + 0.5 * np.sin(2 * np.pi * t * (4 / seconds))
    out *= 0.8 + 0.2 * shimmer
    out /= np.max(np.abs(out))
    return (out * 0.35).astype(np.float32)


def write_music(path: Path, rate: int = 48_000) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.m4a")
    samples = music_loop(rate=rate)
    with av.open(str(tmp), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=rate)
        stream.layout = "mono"
        stream.bit_rate = 64_000
        block = 1024
        for start in range(0, len(samples), block):
            chunk = samples[start : start + block][None, :]
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(chunk), format="flt", layout="mono"
            )
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    tmp.replace(path)


def main() -> None:
    write_png(key_exchange_image(), HERE / "images" / "key-exchange.png")
    write_png(server_rack_image(), HERE / "images" / "server-rack.png")
    write_clip(HERE / "media" / "tunnel.mp4")
    write_music(HERE / "music" / "calm-loop.m4a")
    for p in sorted(HERE.rglob("*")):
        if p.is_file() and p.suffix != ".md":
            print(f"{p.relative_to(HERE)}: {p.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
