"""Export presets: what each kind of output file is, down to the encoder options.

This is the one codec table: the timeline render and the terminal export both read it,
and the encoder only turns its rules into numbers for a frame rate. ``youtube-1080p`` is
exactly docs/youtube-delivery.md: H.264 High, CABAC, two consecutive B-frames, a closed
GOP of half the frame rate, yuv420p BT.709 limited range, AAC-LC stereo 48 kHz 384 kbps,
MP4 with the moov atom first, no edit list, and both streams starting at 0.

Every preset is made known with :func:`register` (the built-in ones below, a plugin's
from a module named in ``CASTLINE_PLUGINS``), and every list of preset names (the command
line's ``--preset`` choices, the studio's export and publish dialogs) is read from
:func:`registered_presets`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from types import MappingProxyType

from app.engine.plugins import Registry

DEFAULT_PRESET = "youtube-1080p"


@dataclass(frozen=True)
class ColourTags:
    """H.273 codes written into the stream; the RGB to YUV conversion follows the same
    matrix and range, so a player that honours the tags shows the colours drawn."""

    primaries: int = 1
    transfer: int = 1
    matrix: int = 1
    """1 is BT.709 for all three."""
    range: int = 1
    """1 is limited (TV, 16 to 235), 2 full."""


BT709_LIMITED = ColourTags()


@dataclass(frozen=True)
class Gop:
    """Where keyframes go: a closed GOP every ``seconds``, ``b_frames`` B-frames in a row."""

    seconds: Fraction = Fraction(1, 2)
    b_frames: int = 2

    def frames(self, fps: Fraction) -> int:
        """The GOP length in frames at ``fps`` (15 at 30 fps)."""
        return max(1, round(fps * self.seconds))


def _frozen(options: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(options))


MP4_OPTIONS = _frozen(
    {
        # The index first, so playback and upload processing start before the download ends.
        "movflags": "+faststart+negative_cts_offsets",
        # No edit list (YouTube's rule). Negative composition offsets let the first GOP's
        # reference frames decode before their presentation time instead of pushing every
        # picture one frame later: the video starts at 0, as the audio does.
        "use_editlist": "0",
    }
)
"""libavformat options for the MP4 and MOV muxers."""

X264_PARAMS = (
    "scenecut=0",
    "open-gop=0",
    "b-adapt=0",
    "b-pyramid=none",
    "cabac=1",
)
"""x264 settings beside the GOP and rate ones the encoder works out for a frame rate:
``scenecut=0`` puts keyframes only where the GOP says, ``open-gop=0`` closes each GOP,
``b-adapt=0`` makes every run of B-frames as long as the GOP allows, ``cabac=1`` is High
profile's entropy coder (the default, stated for the probe)."""


NVENC_OPTIONS = _frozen(
    {
        "preset": "p5",
        "tune": "hq",
        "profile": "high",
        "coder": "cabac",
        # Constant quality (about x264's crf 18), capped by the VBV rate the encoder adds.
        "rc": "vbr",
        "cq": "19",
        "rc-lookahead": "20",
        "spatial-aq": "1",
        # The GOP rules x264 gets from X264_PARAMS: an IDR at each GOP start and nowhere
        # else, every run of B-frames as long as the GOP allows, no B-frame references.
        "forced-idr": "1",
        "strict_gop": "1",
        "no-scenecut": "1",
        "b_adapt": "0",
        "b_ref_mode": "disabled",
    }
)
"""h264_nvenc's private options for the delivery presets' ``-nvenc`` twins."""


AAC_OPTIONS = _frozen({"aac_coder": "fast"})
"""FFmpeg's AAC encoder options. Its ``fast`` coder picks scale factors by a cheaper
search than the default ``twoloop``: at high rates such as 384 kbps it sounds as good or
better (FFmpeg's own AAC maintainer made it the default for that reason in 2018) and it
costs under half the CPU time, 8 s instead of 19 s for five minutes of sound."""


def _x264(speed: str, crf: int) -> Mapping[str, str]:
    return _frozen(
        {"preset": speed, "crf": str(crf), "forced-idr": "1", "x264-params": ":".join(X264_PARAMS)}
    )


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
    """The libavcodec encoder name."""
    pix_fmt: str
    video_options: Mapping[str, str]
    """The encoder's private options, as ``ffmpeg -c:v ... -opt value`` takes them."""
    profile: str | None = None
    gop: Gop | None = None
    """None for intra-only codecs, where every frame stands alone."""
    colour: ColourTags = BT709_LIMITED
    container_options: Mapping[str, str] = field(default_factory=lambda: _frozen({}))
    """libavformat options for the muxer."""
    alpha: bool = False
    """True when the file keeps the compositor's alpha (the background is left transparent)."""
    mbps_30: float | None = None
    """Peak video bit rate at up to 30 fps, Mbit/s (60 fps gets 1.5 times this), enforced
    on top of the constant quality; None for no cap."""
    codec_threads: int | None = None
    """Threads the codec itself may use, when the preset fixes them; None for the render's
    ``jobs``. x264's rate cap reads the sizes of frames (or slices) other threads are still
    encoding, so with more than one the same frames come out differently from run to run."""
    audio_codec: str = "aac"
    audio_bitrate: int = 384_000
    audio_options: Mapping[str, str] = field(default_factory=lambda: AAC_OPTIONS)
    """The audio encoder's private options."""
    description: str = ""
    fallback: str | None = None
    """The preset that encodes instead where this one's codec cannot open (no GPU for a
    hardware encoder); see :func:`app.engine.render.hardware.usable_preset`."""

    @property
    def x264(self) -> bool:
        """True for the H.264 presets that follow youtube-delivery.md's GOP and colour rules."""
        return self.video_codec == "libx264" and self.gop is not None

    @property
    def reorder_frames(self) -> int:
        """How far decoding runs ahead of showing, in frames: one with B-frames (never in
        a pyramid, so a B-frame refers only to its two neighbours), else none."""
        return 1 if self.gop is not None and self.gop.b_frames > 0 else 0

    @property
    def intra_only(self) -> bool:
        """Every frame is a keyframe, so a repeated frame can repeat its encoded packet."""
        return self.gop is None

    def video_bitrate(self, fps: Fraction) -> int:
        """YouTube's recommended rate for this size: 8 Mbps at 1080p30, 12 at 60 fps."""
        scale = 1.5 if fps > 31 else 1.0
        return int((self.mbps_30 or 0) * scale * 1_000_000)


def _nvenc(base: Preset) -> Preset:
    """``base`` encoded by NVENC: the same size, GOP, colour, rate cap and container, with
    ``base`` itself as the fallback where there is no NVIDIA GPU."""
    return replace(
        base,
        name=f"{base.name}-nvenc",
        video_codec="h264_nvenc",
        video_options=NVENC_OPTIONS,
        description=f"{base.description}; on an NVIDIA GPU (NVENC), else as {base.name}",
        fallback=base.name,
    )


def _delivery(
    name: str,
    width: int,
    height: int,
    speed: str,
    crf: int,
    mbps_30: float,
    description: str,
    audio_bitrate: int = 384_000,
) -> Preset:
    """A youtube-delivery.md preset: H.264 High in MP4 with the closed half-second GOP."""
    return Preset(
        name,
        width,
        height,
        ".mp4",
        "mp4",
        "libx264",
        "yuv420p",
        video_options=_x264(speed, crf),
        profile="High",
        gop=Gop(),
        container_options=MP4_OPTIONS,
        mbps_30=mbps_30,
        codec_threads=1,
        audio_bitrate=audio_bitrate,
        description=description,
    )


_REGISTRY = Registry[Preset]()
"""The built-in presets below, then any a module named in ``CASTLINE_PLUGINS`` adds."""


def register(preset: Preset) -> Preset:
    """Make a preset known by its name (a later one of the same name replaces it)."""
    if not preset.name:
        raise ValueError("a preset needs a name")
    return _REGISTRY.add(preset.name, preset)


def unregister(name: str) -> None:
    """Forget a preset (a plugin taken away)."""
    _REGISTRY.remove(name)


def registered_presets() -> Mapping[str, Preset]:
    """Every preset by name, built-in ones first, then in the order they registered."""
    return MappingProxyType(_REGISTRY.all())


def preset_names() -> list[str]:
    """Every preset's name, in :func:`registered_presets` order."""
    return list(registered_presets())


for _builtin in (
    _delivery(
        "youtube-1080p",
        1920,
        1080,
        "superfast",
        18,
        8.0,
        "YouTube upload: H.264 High 1080p, AAC 384 kbps, -14 LUFS",
    ),
    _delivery(
        "youtube-4k",
        3840,
        2160,
        "superfast",
        18,
        40.0,
        "YouTube upload at 2160p (40 Mbps)",
    ),
    _delivery("shorts", 1080, 1920, "superfast", 18, 8.0, "YouTube Shorts: vertical 1080x1920"),
    Preset(
        "prores-4444",
        1920,
        1080,
        ".mov",
        "mov",
        "prores_ks",
        "yuva444p10le",
        video_options=_frozen({"profile": "4444", "vendor": "apl0", "alpha_bits": "16"}),
        container_options=MP4_OPTIONS,
        alpha=True,
        audio_codec="pcm_s16le",
        audio_options=_frozen({}),
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
        video_options=_frozen(
            {
                "crf": "32",
                "b": "0",
                "deadline": "good",
                "cpu-used": "5",
                "row-mt": "1",
                # libvpx keeps alpha only without alternate reference frames.
                "auto-alt-ref": "0",
            }
        ),
        gop=Gop(b_frames=0),
        alpha=True,
        audio_codec="libopus",
        audio_options=_frozen({}),
        audio_bitrate=192_000,
        description="VP9 with alpha in WebM, for the web and overlays",
    ),
    _delivery(
        "preview",
        960,
        540,
        "ultrafast",
        26,
        2.5,
        "Fast 540p check of timing and layout",
        audio_bitrate=128_000,
    ),
):
    register(_builtin)
for _base in ("youtube-1080p", "youtube-4k", "shorts"):
    register(_nvenc(registered_presets()[_base]))


def get_preset(name: str) -> Preset:
    """The preset called ``name``; raises ``KeyError`` naming the choices."""
    known = registered_presets()
    try:
        return known[name]
    except KeyError:
        raise KeyError(f"unknown preset {name!r}; choose one of: {', '.join(known)}") from None


def preset_for_suffix(suffix: str) -> Preset:
    """The preset that writes files ending in ``suffix``: the default one when it does,
    else the first such (``.mov`` is ProRes 4444, ``.webm`` VP9); ``KeyError`` if none."""
    suffix = suffix.lower()
    default = get_preset(DEFAULT_PRESET)
    if default.suffix == suffix:
        return default
    for preset in registered_presets().values():
        if preset.suffix == suffix:
            return preset
    raise KeyError(f"no preset writes {suffix!r} files")


def for_aspect(preset: Preset, aspect: str) -> Preset:
    """The preset turned for a script's aspect: a 9:16 script renders vertical.

    A 16:9 preset asked for a 9:16 script becomes ``shorts`` when it is the YouTube
    default; other presets keep their codec and swap width and height.
    """
    vertical = aspect == "9:16"
    if vertical == (preset.height > preset.width):
        return preset
    if vertical and preset.name == DEFAULT_PRESET:
        return get_preset("shorts")
    return replace(preset, width=preset.height, height=preset.width)
