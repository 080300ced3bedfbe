"""Reading a rendered MP4 back the way ffprobe would, to check youtube-delivery.md line by line."""

from __future__ import annotations

import math
import struct
import warnings
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pyloudnorm
from av.video.reformatter import ColorRange, Colorspace
from scipy.signal import resample_poly


def top_level_atoms(path: Path) -> list[str]:
    """The MP4's top-level box types in file order, read from the bytes."""
    data = path.read_bytes()
    out: list[str] = []
    pos = 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
        elif size == 0:
            size = len(data) - pos
        out.append(kind.decode("latin-1"))
        pos += max(8, size)
    return out


_CONTAINER_BOXES = {"moov", "trak", "edts", "mdia", "minf", "stbl"}


def box_paths(path: Path) -> list[str]:
    """Every box down the MP4's track tree as a path such as ``moov/trak/edts/elst``."""
    data = path.read_bytes()
    out: list[str] = []

    def walk(start: int, end: int, parent: str) -> None:
        pos = start
        while pos + 8 <= end:
            size, kind = struct.unpack(">I4s", data[pos : pos + 8])
            header = 8
            if size == 1:
                size, header = struct.unpack(">Q", data[pos + 8 : pos + 16])[0], 16
            elif size == 0:
                size = end - pos
            name = f"{parent}{kind.decode('latin-1')}"
            out.append(name)
            if kind.decode("latin-1") in _CONTAINER_BOXES:
                walk(pos + header, pos + size, name + "/")
            pos += max(8, size)

    walk(0, len(data), "")
    return out


@dataclass(frozen=True)
class Starts:
    """Where each stream begins, in seconds, as a player reads the file."""

    video: Fraction
    """The video stream's start time (its first picture's presentation time)."""
    first_frame: Fraction
    """The first decoded frame's presentation time."""
    audio: Fraction | None
    edit_lists: int
    """``elst`` boxes in the file: YouTube's delivery rule wants none."""


def starts(path: Path) -> Starts:
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        video = Fraction(v.start_time or 0) * v.time_base
        first = next(iter(c.decode(v)))
        assert first.pts is not None and first.time_base is not None
        first_frame = first.pts * first.time_base
        audio = None
        if c.streams.audio:
            a = c.streams.audio[0]
            audio = Fraction(a.start_time or 0) * a.time_base
    edits = sum(1 for b in box_paths(path) if b.endswith("/elst"))
    return Starts(video, first_frame, audio, edits)


def esds_bitrates(path: Path) -> tuple[int, int]:
    """(max, average) bit rate from the AAC track's esds DecoderConfigDescriptor."""
    data = path.read_bytes()
    i = data.find(b"esds")
    if i < 0:
        return 0, 0
    box = data[i : i + 80]
    # DecoderConfigDescriptor: tag 0x04, size, objectType 0x40 (AAC), streamType 0x15 (audio).
    j = box.find(b"\x40\x15")
    return struct.unpack(">I", box[j + 5 : j + 9])[0], struct.unpack(">I", box[j + 9 : j + 13])[0]


class _Bits:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def bit(self) -> int:
        byte = self.data[self.pos // 8]
        value = (byte >> (7 - self.pos % 8)) & 1
        self.pos += 1
        return value

    def ue(self) -> int:
        zeros = 0
        while self.bit() == 0:
            zeros += 1
        value = 1
        for _ in range(zeros):
            value = (value << 1) | self.bit()
        return value - 1


def cabac_from_avcc(extradata: bytes) -> bool:
    """``entropy_coding_mode_flag`` of the first PPS in an avcC record (1 = CABAC)."""
    pos = 5
    num_sps = extradata[pos] & 0x1F
    pos += 1
    for _ in range(num_sps):
        length = struct.unpack(">H", extradata[pos : pos + 2])[0]
        pos += 2 + length
    pos += 1  # number of PPS
    length = struct.unpack(">H", extradata[pos : pos + 2])[0]
    pps = extradata[pos + 2 + 1 : pos + 2 + length]  # skip the NAL header byte
    bits = _Bits(pps)
    bits.ue()  # pic_parameter_set_id
    bits.ue()  # seq_parameter_set_id
    return bits.bit() == 1


def nal_types(packet: bytes) -> list[int]:
    """NAL unit types in a length-prefixed (AVCC) H.264 packet."""
    out, pos = [], 0
    while pos + 4 <= len(packet):
        length = struct.unpack(">I", packet[pos : pos + 4])[0]
        if pos + 4 < len(packet):
            out.append(packet[pos + 4] & 0x1F)
        pos += 4 + length
    return out


@dataclass
class Probe:
    """What a rendered file holds, measured from its bytes and its decoded streams."""

    atoms: list[str]
    container: str
    metadata: dict[str, str]
    width: int
    height: int
    codec: str
    profile: str | None
    pix_fmt: str
    color: tuple[int, int, int, int]
    """(primaries, transfer, matrix, range) as H.273 codes."""
    fps: Fraction
    frames: int
    keyframes: list[int]
    """Frame numbers (presentation order) of the keyframes."""
    idr_keyframes: bool
    leading_pictures: int
    """Packets after a keyframe (in decode order) shown before it: 0 for closed GOPs."""
    picture_types: str
    interlaced: bool
    cabac: bool
    video_bit_rate: int
    luma_range: tuple[float, float]
    audio_codec: str
    audio_profile: str | None
    channels: int
    sample_rate: int
    audio_max_bitrate: int
    loudness_lufs: float
    true_peak_dbtp: float
    starts: Starts
    audio: np.ndarray = field(repr=False)
    x264_options: str = ""


def probe(path: Path) -> Probe:
    atoms = top_level_atoms(path)
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        cc = v.codec_context
        fps = Fraction(v.average_rate) if v.average_rate else Fraction(30)
        tb = v.time_base
        packets = [(p.pts, p.is_keyframe, bytes(p)) for p in c.demux(v) if p.size]
    keyframes: list[int] = []
    idr = True
    leading = 0
    first_pts = min(p[0] for p in packets)
    x264 = ""
    for i, (pts, key, data) in enumerate(packets):
        if i == 0:
            start = data.find(b"options: ")
            if start >= 0:
                x264 = data[start : data.find(b"\x00", start)].decode("latin-1", "replace")
        if key:
            keyframes.append(round((pts - first_pts) * tb * fps))
            idr = idr and 5 in nal_types(data)
            leading += sum(1 for later in packets[i + 1 :] if later[0] < pts)
    types = []
    interlaced = False
    lo, hi = [], []
    with av.open(str(path)) as c:
        for n, f in enumerate(c.decode(video=0)):
            types.append({1: "I", 2: "P", 3: "B"}.get(int(f.pict_type), "?"))
            interlaced = interlaced or bool(f.interlaced_frame)
            if n % 10 == 0:
                y = f.to_ndarray(format="yuv420p")[: f.height]
                lo.append(float(np.percentile(y, 0.1)))
                hi.append(float(np.percentile(y, 99.9)))
        metadata = dict(c.metadata)
        seconds = float(c.duration or 0) / av.time_base
    audio = np.zeros((2, 0))
    a_codec, a_profile, channels, rate = "", None, 0, 0
    with av.open(str(path)) as c:
        if c.streams.audio:
            a = c.streams.audio[0]
            a_codec, a_profile, channels, rate = a.codec_context.name, a.profile, a.channels, a.rate
            audio = np.concatenate(
                [f.to_ndarray().astype(np.float64) for f in c.decode(audio=0)], axis=1
            )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lufs = (
            float(pyloudnorm.Meter(rate or 48000).integrated_loudness(audio.T))
            if audio.size
            else -math.inf
        )
    peak = max(float(np.abs(resample_poly(ch, 4, 1)).max()) for ch in audio) if audio.size else 0.0
    size_bits = sum(len(p[2]) for p in packets) * 8
    return Probe(
        atoms=atoms,
        container=path.suffix.lstrip("."),
        metadata=metadata,
        width=cc.width,
        height=cc.height,
        codec=cc.name,
        profile=v.profile,
        pix_fmt=cc.pix_fmt or "",
        color=(cc.color_primaries, cc.color_trc, cc.colorspace, cc.color_range),
        fps=fps,
        frames=len(types),
        keyframes=keyframes,
        idr_keyframes=idr,
        leading_pictures=leading,
        picture_types="".join(types),
        interlaced=interlaced,
        cabac=cabac_from_avcc(bytes(cc.extradata or b"")) if cc.name == "h264" else False,
        video_bit_rate=round(size_bits / max(seconds, 1e-6)),
        luma_range=(min(lo), max(hi)),
        audio_codec=a_codec,
        audio_profile=a_profile,
        channels=channels,
        sample_rate=rate,
        audio_max_bitrate=esds_bitrates(path)[0],
        loudness_lufs=lufs,
        true_peak_dbtp=20 * math.log10(peak) if peak > 0 else -math.inf,
        starts=starts(path),
        audio=audio,
        x264_options=x264,
    )


def longest_b_run(types: str) -> int:
    return max((len(run) for run in types.replace("I", " ").replace("P", " ").split()), default=0)


def delivery_problems(p: Probe, *, width: int = 1920, height: int = 1080) -> list[str]:
    """Every line of youtube-delivery.md that the probed file breaks (empty when it meets them all)."""
    problems: list[str] = []

    def need(ok: bool, what: str) -> None:
        if not ok:
            problems.append(what)

    need(
        "moov" in p.atoms and "mdat" in p.atoms and p.atoms.index("moov") < p.atoms.index("mdat"),
        f"moov before mdat: {p.atoms}",
    )
    need(p.codec == "h264" and p.profile == "High", f"H.264 High, got {p.codec} {p.profile}")
    need(not p.interlaced, "progressive")
    need(p.cabac, "CABAC")
    need(longest_b_run(p.picture_types) == 2, f"2 consecutive B-frames: {p.picture_types[:40]}")
    gop = round(p.fps / 2)
    need(
        p.keyframes == list(range(0, p.frames, gop)),
        f"a keyframe every {gop} frames: {p.keyframes[:10]}",
    )
    need(
        p.idr_keyframes and p.leading_pictures == 0,
        "closed GOPs (IDR keyframes, no leading pictures)",
    )
    need(
        p.starts.edit_lists == 0
        and p.starts.video == p.starts.first_frame == 0
        and p.starts.audio == 0,
        f"video and audio start at 0 without an edit list, got {p.starts}",
    )
    need(p.pix_fmt == "yuv420p", f"yuv420p, got {p.pix_fmt}")
    need(
        p.color == (1, 1, 1, 1),
        f"BT.709 primaries/transfer/matrix and limited range tags, got {p.color}",
    )
    # Limited range puts black at 16 and white at 235; the encoder's ringing around sharp
    # white text overshoots white by a few steps, while a full-range mistake reaches 255.
    need(
        p.luma_range[0] >= 12 and p.luma_range[1] <= 242, f"limited-range luma, got {p.luma_range}"
    )
    rate_cap = 12_500_000 if p.fps > 31 else 8_500_000
    if max(width, height) >= 2160:
        rate_cap = 46_000_000
    need(
        0 < p.video_bit_rate <= rate_cap,
        f"video bit rate at most about the target, got {p.video_bit_rate}",
    )
    need(
        p.audio_codec == "aac" and p.audio_profile == "LC",
        f"AAC-LC, got {p.audio_codec} {p.audio_profile}",
    )
    need(
        p.channels == 2 and p.sample_rate == 48000,
        f"stereo 48 kHz, got {p.channels} ch {p.sample_rate} Hz",
    )
    need(p.audio_max_bitrate == 384000, f"384 kbps AAC, got {p.audio_max_bitrate}")
    need(abs(p.loudness_lufs + 14) <= 1.0, f"-14 LUFS integrated, got {p.loudness_lufs:.2f}")
    need(p.true_peak_dbtp <= -1.0, f"true peak at most -1 dBTP, got {p.true_peak_dbtp:.2f}")
    need((p.width, p.height) == (width, height), f"{width}x{height}, got {p.width}x{p.height}")
    need(bool(p.metadata.get("title")), "a title in the file")
    need(
        bool(p.metadata.get("comment") or p.metadata.get("description")),
        "a description in the file",
    )
    need(bool(p.metadata.get("keywords")), "tags in the file")
    return problems


_MATRICES = {1: Colorspace.ITU709, 5: Colorspace.ITU601, 6: Colorspace.ITU601}


def decoded_rgb(path: Path) -> list[np.ndarray]:
    """Every frame as RGB the way a browser or mpv shows it: the stream's matrix and range
    tags honoured, and an untagged stream read as BT.709 limited range, as they assume."""
    frames: list[np.ndarray] = []
    with av.open(str(path)) as c:
        for f in c.decode(video=0):
            matrix = _MATRICES.get(int(f.colorspace), Colorspace.ITU709)
            full = int(f.color_range) == int(ColorRange.JPEG)
            rgb = f.reformat(
                format="rgb24",
                src_colorspace=matrix,
                dst_colorspace=matrix,
                src_color_range=ColorRange.JPEG if full else ColorRange.MPEG,
                dst_color_range=ColorRange.JPEG,
            )
            frames.append(rgb.to_ndarray())
    return frames


def colour_tags(path: Path) -> tuple[int, int, int, int]:
    """The video stream's (primaries, transfer, matrix, range) H.273 codes."""
    with av.open(str(path)) as c:
        cc = c.streams.video[0].codec_context
        return (cc.color_primaries, cc.color_trc, cc.colorspace, cc.color_range)
