"""Export presets: what each kind of output file is, down to the encoder options.

``youtube-1080p`` is exactly docs/youtube-delivery.md: H.264 High, CABAC, two
consecutive B-frames, a closed GOP of half the frame rate, yuv420p BT.709 limited
range, AAC-LC stereo 48 kHz 384 kbps, MP4 with the moov atom first and no edit list.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction

DEFAULT_PRESET = "youtube-1080p"


@dataclass(frozen=True)
class Preset:
    """One export target. Sizes are for 16:9; :func:`for_aspect` turns them for 9:16."""

    name: str
    width: int
    height: int
    suffix: str
    """File extension, with the dot."""
    container: str
    """The libavformat muxer name."""
    video_codec: str
    pix_fmt: str
    alpha: bool = False
    """True when the file keeps the compositor's alpha (the background is left transparent)."""
    x264: bool = False
    """True for the H.264 presets that follow youtube-delivery.md's GOP and colour rules."""
    speed: str = "superfast"
    """x264 preset (or the codec's speed knob); faster renders trade a little size."""
    crf: int = 18
    """Constant quality; the VBV cap below keeps busy scenes at YouTube's recommended rate."""
    mbps_30: float = 8.0
    """Peak video bit rate at up to 30 fps, Mbit/s; 60 fps gets 1.5 times this."""
    audio_codec: str = "aac"
    audio_bitrate: int = 384_000
    description: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def video_bitrate(self, fps: Fraction) -> int:
        """YouTube's recommended rate for this size: 8 Mbps at 1080p30, 12 at 60 fps."""
        scale = 1.5 if fps > 31 else 1.0
        return int(self.mbps_30 * scale * 1_000_000)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "youtube-1080p",
            1920,
            1080,
            ".mp4",
            "mp4",
            "libx264",
            "yuv420p",
            x264=True,
            description="YouTube upload: H.264 High 1080p, AAC 384 kbps, -14 LUFS",
        ),
        Preset(
            "youtube-4k",
            3840,
            2160,
            ".mp4",
            "mp4",
            "libx264",
            "yuv420p",
            x264=True,
            mbps_30=40.0,
            speed="faster",
            description="YouTube upload at 2160p (40 Mbps)",
        ),
        Preset(
            "shorts",
            1080,
            1920,
            ".mp4",
            "mp4",
            "libx264",
            "yuv420p",
            x264=True,
            description="YouTube Shorts: vertical 1080x1920",
        ),
        Preset(
            "prores-4444",
            1920,
            1080,
            ".mov",
            "mov",
            "prores_ks",
            "yuva444p10le",
            alpha=True,
            audio_codec="pcm_s16le",
            audio_bitrate=0,
            description="ProRes 4444 with alpha, for editing in another tool",
        ),
        Preset(
            "webm-vp9",
            1920,
            1080,
            ".webm",
            "webm",
            "libvpx-vp9",
            "yuva420p",
            alpha=True,
            audio_codec="libopus",
            audio_bitrate=192_000,
            crf=32,
            description="VP9 with alpha in WebM, for the web and overlays",
        ),
        Preset(
            "preview",
            960,
            540,
            ".mp4",
            "mp4",
            "libx264",
            "yuv420p",
            x264=True,
            speed="ultrafast",
            crf=26,
            mbps_30=2.5,
            audio_bitrate=128_000,
            description="Fast 540p check of timing and layout",
        ),
    )
}


def get_preset(name: str) -> Preset:
    """The preset called ``name``; raises ``KeyError`` naming the choices."""
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}") from None


def for_aspect(preset: Preset, aspect: str) -> Preset:
    """The preset turned for a script's aspect: a 9:16 script renders vertical.

    A 16:9 preset asked for a 9:16 script becomes ``shorts`` when it is the YouTube
    default; other presets keep their codec and swap width and height.
    """
    vertical = aspect == "9:16"
    if vertical == (preset.height > preset.width):
        return preset
    if vertical and preset.name == DEFAULT_PRESET:
        return PRESETS["shorts"]
    return replace(preset, width=preset.height, height=preset.width)
