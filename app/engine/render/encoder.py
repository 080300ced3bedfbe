"""The encoder: composited frames and the finished mix into one file with PyAV.

Frames arrive as RGB(A) uint8 arrays. Converting them to the codec's YUV layout runs in
a worker thread and encoding in another (swscale and the encoders release the GIL), fed
by bounded queues: compositing the next frame overlaps converting this one and encoding
the one before, and memory stays flat whatever the video's length.
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import cast

import av
import numpy as np
from av.video.reformatter import ColorRange, Colorspace, Interpolation, VideoReformatter

from app.engine.audio.stream import SampleSource
from app.engine.model.time import SAMPLE_RATE, frames_to_samples
from app.engine.render.presets import Preset

AUDIO_CHUNK = 1024 * 8
"""Samples per audio frame handed to the encoder (AAC takes 1024 at a time internally)."""
AAC_PRIMING = 1024
"""Samples of encoder delay AAC puts before the sound. Without an edit list (YouTube's
rule) no player trims them, so the mix is fed that much early to keep speech on its frame."""
_REPEAT = object()
"""Queued in place of a picture: encode the previous frame again (nothing moved)."""


class _Pulled:
    """A mono :class:`SampleSource` seen as the (1, samples) array the muxer slices,
    ``skip`` samples in (AAC's priming)."""

    def __init__(self, source: SampleSource, skip: int) -> None:
        self.source, self.skip = source, skip
        self.shape = (1, max(0, source.samples - skip))

    def __getitem__(self, index: tuple[slice, slice]) -> np.ndarray:
        part = index[1]
        return self.source.read(part.start + self.skip, part.stop + self.skip)[None, :]


class _AudioAhead:
    """Encodes the soundtrack on a thread of its own, ahead of the pictures.

    AAC costs about a fifteenth of real time; on the codec's thread it held up x264, and in
    a join of segments it held up the copy. Here it runs beside both, a bounded number of
    chunks ahead (half a minute: more than a segment, so a join never waits for it), and the muxer takes each chunk's packets once the
    pictures reach its end, so the two streams stay interleaved.
    """

    AHEAD_CHUNKS = 30 * SAMPLE_RATE // AUDIO_CHUNK

    def __init__(self, stream: av.audio.stream.AudioStream, data: np.ndarray | _Pulled) -> None:
        self.stream, self.data = stream, data
        stream.codec_context.open()  # here, before the muxer's header looks at it
        self._queue: queue.Queue[tuple[int, list[av.Packet]] | None] = queue.Queue(
            maxsize=self.AHEAD_CHUNKS
        )
        self._stopping = threading.Event()
        self._error: BaseException | None = None
        self._waiting: tuple[int, list[av.Packet]] | None = None
        self._ended = False
        self._thread = threading.Thread(target=self._run, name="castline-audio", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            data, total, pos = self.data, self.data.shape[1], 0
            while pos < total and not self._stopping.is_set():
                stop = min(total, pos + AUDIO_CHUNK)
                piece = data[:, pos:stop]
                chunk = np.ascontiguousarray(
                    np.repeat(piece, 2, axis=0) if piece.shape[0] == 1 else piece
                )
                frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
                frame.sample_rate = SAMPLE_RATE
                frame.pts = pos
                frame.time_base = Fraction(1, SAMPLE_RATE)
                self._put((stop, list(self.stream.encode(frame))))
                pos = stop
            self._put((sys.maxsize, list(self.stream.encode(None))))
        except BaseException as exc:
            self._error = exc
        finally:
            self._put(None)

    def _put(self, item: tuple[int, list[av.Packet]] | None) -> None:
        while not self._stopping.is_set():
            try:
                self._queue.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def packets_until(self, sample: int) -> Iterator[av.Packet]:
        """The packets of every chunk that ends by ``sample`` (all that is left at the end)."""
        while not self._ended:
            if self._waiting is None:
                item = self._queue.get()
                if item is None:
                    self._ended = True
                    if self._error is not None:
                        raise EncodeError(f"encoding the sound failed: {self._error}")
                    return
                self._waiting = item
            stop, packets = self._waiting
            if stop > sample:
                return
            self._waiting = None
            yield from packets

    def close(self) -> None:
        """Stop the thread (an abort); safe to call at any time."""
        self._stopping.set()
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):
                self._queue.get_nowait()
            self._thread.join(timeout=0.2)


class EncodeError(Exception):
    """The encoder or the file under it failed (a full disk, a codec refusing a setting)."""


def x264_params(preset: Preset, fps: Fraction, threads: int = 2) -> str:
    """The preset's x264 settings plus its GOP and rate cap worked out for ``fps``.

    ``keyint=min-keyint`` places an IDR every GOP and nowhere else; the VBV cap keeps busy
    scenes at YouTube's recommended peak rate on top of the constant quality.
    """
    params = [p for p in preset.video_options.get("x264-params", "").split(":") if p]
    if preset.gop is not None:
        gop = preset.gop.frames(fps)
        params += [f"keyint={gop}", f"min-keyint={gop}", f"bframes={preset.gop.b_frames}"]
    rate = preset.video_bitrate(fps) // 1000
    if rate:
        params += [f"vbv-maxrate={rate}", f"vbv-bufsize={rate * 2}"]
    params.append(f"threads={max(1, threads)}")
    return ":".join(params)


def codec_options(preset: Preset, fps: Fraction, threads: int = 2) -> dict[str, str]:
    """The encoder's private options for ``preset`` at ``fps``: the preset's own, with the
    rules that depend on the frame rate filled in for the codecs that take them there."""
    options = dict(preset.video_options)
    if preset.video_codec == "libx264":
        options["x264-params"] = x264_params(preset, fps, threads)
    elif preset.video_codec == "h264_nvenc":
        # The GOP and B-frames are on the codec context; the same VBV cap as x264's.
        rate = preset.video_bitrate(fps)
        if rate:
            options |= {"maxrate": str(rate), "bufsize": str(rate * 2)}
    return options


QUEUE_PIXELS = 3 * 1920 * 1080
"""How many pictures wait for the encoder, in pixels: three at 1080p keep drawing and
encoding overlapped; one at 4K, where each waiting picture is 33 MB."""


class Encoder:
    """Writes one video file. Use as a context manager; :meth:`finish` completes the file.

    ``fps`` is the timeline's rational rate. Audio, when given to :meth:`set_audio`, is
    interleaved with the video as frames arrive, so the muxer never buffers minutes of it.
    ``threads`` (the render's ``jobs``) is the codec's own thread count unless the preset
    fixes it: the file is the same on any. Pictures are converted on one thread of their
    own, beside the codec's; slicing each over more threads cost more in hand-offs than it
    saved (a render 5% slower on two cores).
    """

    def __init__(
        self,
        path: Path,
        preset: Preset,
        *,
        fps: Fraction,
        width: int,
        height: int,
        metadata: Mapping[str, str] | None = None,
        queue_size: int | None = None,
        threads: int = 2,
        video_from: Path | None = None,
    ) -> None:
        self.path = path
        self.preset = preset
        self.fps = fps
        self.width = width
        self.height = height
        self.threads = threads
        self._container = av.open(
            str(path), mode="w", format=preset.container, options=dict(preset.container_options)
        )
        for key, value in (metadata or {}).items():
            if value:
                self._container.metadata[key] = value
        self._frame_tb = Fraction(1) / fps
        self._extradata: bytes | None = None
        self._copying = video_from is not None
        self._video = (
            self._add_video_stream() if video_from is None else self._copy_stream_of(video_from)
        )
        self._audio: av.audio.stream.AudioStream | None = None
        self._ahead: _AudioAhead | None = None
        self._frames_in = 0
        self._queue: queue.Queue[object] = queue.Queue(
            maxsize=max(1, QUEUE_PIXELS // (width * height)) if queue_size is None else queue_size
        )
        self._previous: av.VideoFrame | None = None
        self._scaler = VideoReformatter()
        self._held: bytes | None = None
        """The last intra-only packet, while it is the whole of the previous frame."""
        self._sent = self._received = 0
        self._aborting = False
        self._error: BaseException | None = None
        self._worker = threading.Thread(target=self._run, name="castline-encoder", daemon=True)
        # The codec runs on a thread of its own (x264 on one core, see the presets), beside
        # the worker's colour conversion.
        self._encoding = ThreadPoolExecutor(max_workers=1, thread_name_prefix="castline-codec")
        self._pending: deque[Future[None]] = deque()
        self._started = False
        self._closed = False

    # -- setup -----------------------------------------------------------------------
    def _add_video_stream(self) -> av.video.stream.VideoStream:
        p = self.preset
        stream = cast(
            av.video.stream.VideoStream, self._container.add_stream(p.video_codec, rate=self.fps)
        )
        stream.width = self.width
        stream.height = self.height
        stream.pix_fmt = p.pix_fmt
        stream.time_base = Fraction(1) / self.fps
        ctx = cast(av.video.codeccontext.VideoCodecContext, stream.codec_context)
        ctx.time_base = Fraction(1) / self.fps
        ctx.framerate = self.fps
        colour = p.colour
        ctx.color_primaries = colour.primaries
        ctx.color_trc = colour.transfer
        ctx.colorspace = colour.matrix
        ctx.color_range = colour.range
        ctx.bit_rate = 0  # constant quality; any cap is in the codec options
        if p.profile:
            ctx.profile = p.profile
        if p.gop is not None:
            ctx.gop_size = p.gop.frames(self.fps)
            ctx.max_b_frames = p.gop.b_frames
        threads = p.codec_threads or self.threads
        ctx.options = codec_options(p, self.fps, threads)
        ctx.thread_count = threads
        # An intra-only codec with slice threads returns each packet at once, which lets a
        # repeated frame repeat its packet.
        ctx.thread_type = "SLICE"
        return stream

    def _copy_stream_of(self, part: Path) -> av.video.stream.VideoStream:
        """A video stream that takes encoded packets as they are, set up like ``part``'s."""
        with av.open(str(part)) as source:
            template = source.streams.video[0]
            self._extradata = bytes(template.codec_context.extradata or b"")
            stream = self._container.add_stream_from_template(template)
        stream.time_base = self._frame_tb
        return cast(av.video.stream.VideoStream, stream)

    def set_audio(self, audio: np.ndarray | SampleSource) -> None:
        """The finished mix at 48 kHz: float32 (2, samples), or mono (samples,) for both
        channels (kept once, duplicated chunk by chunk), or a mono source read chunk by
        chunk as frames arrive (a long soundtrack never held whole); call before any frame."""
        if self._started:
            raise RuntimeError("set_audio must come before the first frame")
        p = self.preset
        stream = cast(
            av.audio.stream.AudioStream,
            self._container.add_stream(p.audio_codec, rate=SAMPLE_RATE, layout="stereo"),
        )
        if p.audio_bitrate:
            stream.bit_rate = p.audio_bitrate
        if p.audio_codec == "aac":
            stream.codec_context.profile = "LC"
        stream.codec_context.options = dict(p.audio_options)
        self._audio = stream
        data: np.ndarray | _Pulled
        if not isinstance(audio, np.ndarray):  # a soundtrack read a chunk at a time
            data = _Pulled(audio, AAC_PRIMING if p.audio_codec == "aac" else 0)
        else:
            data = np.asarray(audio, dtype=np.float32)
            data = data[None, :] if data.ndim == 1 else data
            if p.audio_codec == "aac":
                data = data[:, AAC_PRIMING:]
        self._ahead = _AudioAhead(stream, data)

    # -- feeding ---------------------------------------------------------------------
    def __enter__(self) -> Encoder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.finish()
        else:
            self.abort()

    def add_frame(self, image: np.ndarray) -> None:
        """Queue one RGB (or straight RGBA for alpha presets) uint8 frame; blocks when the queue is full."""
        self._put(image)

    def append_encoded(self, part: Path, start: int) -> int:
        """Copy the video of ``part`` (a segment encoded on its own from frame ``start``)
        after what is written, with the sound up to each picture muxed first; its frames.

        Segments begin with an IDR picture of a closed GOP, so they join without
        re-encoding; a segment whose codec set-up differs from the first (another encoder
        or setting on another worker) would not decode after it, and is refused.
        """
        if not self._copying:
            raise RuntimeError("append_encoded needs an Encoder made with video_from")
        self._started = True
        frames = 0
        with av.open(str(part)) as source:
            stream = source.streams.video[0]
            if bytes(stream.codec_context.extradata or b"") != self._extradata:
                raise EncodeError(
                    f"{part.name} was encoded with other codec settings than the first "
                    "segment; render it again on a machine set up like the others"
                )
            rate = (stream.time_base or self._frame_tb) * self.fps  # source ticks to frames
            delay = self.preset.reorder_frames
            for packet in source.demux(stream):
                if packet.pts is None:
                    continue  # the demuxer's end-of-stream marker
                # Decoding times are given again, one frame apart from the segment's start
                # less the preset's fixed reordering delay: MP4 stores a short segment's
                # differently (from 0, not -1), and the joined stream must keep one rhythm.
                pts = start + round(packet.pts * rate)
                dts = start + frames - delay
                if dts > pts:
                    raise EncodeError(
                        f"{part.name}: a picture comes more than {delay} frame(s) out of "
                        "order, which the preset does not allow"
                    )
                self._mux_audio_until(frames_to_samples(max(0, dts + 1), self.fps))
                packet.pts, packet.dts = pts, dts
                packet.duration = 1
                packet.time_base = self._frame_tb
                packet.stream = self._video
                self._container.mux(packet)
                frames += 1
        return frames

    def repeat_frame(self) -> None:
        """Encode the previous frame again: no compositing and no colour conversion."""
        self._put(_REPEAT)

    def _put(self, item: object) -> None:
        if not self._started:
            self._started = True
            self._worker.start()
        while True:
            self._raise_worker_error()
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def _raise_worker_error(self) -> None:
        if self._error is not None:
            raise EncodeError(f"encoding {self.path.name} failed: {self._error}") from self._error

    def _submit(self, fn: Callable[[av.VideoFrame], None], frame: av.VideoFrame) -> None:
        """Hand one picture to the encoding thread, keeping at most two waiting there."""
        self._pending.append(self._encoding.submit(fn, frame))
        while len(self._pending) > 2:
            self._pending.popleft().result()

    def _run(self) -> None:
        """Convert pictures here while the codec encodes the previous ones on its thread."""
        try:
            while True:
                item = self._queue.get()
                if item is None or self._aborting:
                    break
                if item is _REPEAT:
                    if self._previous is None:
                        raise RuntimeError("a repeated frame before any picture")
                    self._submit(self._repeat, self._previous)
                else:
                    assert isinstance(item, np.ndarray)
                    self._previous = self._to_video_frame(item)
                    self._submit(self._encode_frame, self._previous)
            while self._pending:
                self._pending.popleft().result()
            if not self._aborting:
                self._flush()
        except BaseException as exc:
            self._error = exc
            # Drain so a blocked producer wakes up and sees the error.
            while True:
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
        finally:
            self._encoding.shutdown(wait=True, cancel_futures=True)

    def _to_video_frame(self, image: np.ndarray) -> av.VideoFrame:
        """RGB(A) to the codec's YUV with the preset's matrix and range, inside the worker.

        The picture is read where it lies (a frame over the array's own memory: the
        compositor never changes a picture it has handed out), and one scaler serves the
        whole file. Copying each picture into a new frame and setting up a scaler for it
        cost more than the conversion itself: 3.3 of 6 ms a 1080p frame.
        """
        channels = image.shape[2]
        if image.strides[1:] != (channels, 1):
            image = np.ascontiguousarray(image)
        frame = av.VideoFrame.from_numpy_buffer(image, format="rgba" if channels == 4 else "rgb24")
        colour = self.preset.colour
        return self._scaler.reformat(
            frame,
            format=self.preset.pix_fmt,
            src_colorspace=Colorspace(colour.matrix),
            dst_colorspace=Colorspace(colour.matrix),
            src_color_range=ColorRange.JPEG,
            dst_color_range=ColorRange(colour.range),
            interpolation=Interpolation.FAST_BILINEAR,
            threads=1,  # the worker's own thread (see the class)
        )

    def _next_pts(self) -> int:
        """The next frame's presentation time (in frames, from 0), with the sound up to
        its end muxed first so the two stay interleaved."""
        pts = self._frames_in
        self._frames_in += 1
        self._mux_audio_until(frames_to_samples(self._frames_in, self.fps))
        return pts

    def _encode_frame(self, frame: av.VideoFrame) -> None:
        frame.pts = self._next_pts()
        frame.time_base = self._frame_tb
        frame.color_range = self.preset.colour.range
        packets = self._video.encode(frame)
        self._sent += 1
        self._received += len(packets)
        # An intra-only packet that came back for this very frame is the whole frame.
        self._held = (
            bytes(packets[-1])
            if self.preset.intra_only and packets and self._sent == self._received
            else None
        )
        for packet in packets:
            self._container.mux(packet)

    def _repeat(self, previous: av.VideoFrame) -> None:
        """The previous frame again: its packet once more for intra-only codecs, else the
        converted picture through the encoder."""
        if self._held is None:
            self._encode_frame(previous)
            return
        packet = av.Packet(self._held)
        packet.pts = packet.dts = self._next_pts()
        packet.duration = 1
        packet.time_base = self._frame_tb
        packet.is_keyframe = True
        packet.stream = self._video
        self._sent += 1
        self._received += 1
        self._container.mux(packet)

    def _mux_audio_until(self, sample: int) -> None:
        if self._ahead is not None:
            for packet in self._ahead.packets_until(sample):
                self._container.mux(packet)

    def _flush(self) -> None:
        self._mux_audio_until(sys.maxsize)
        if self._copying:
            return
        for packet in self._video.encode(None):
            self._container.mux(packet)

    # -- finishing -------------------------------------------------------------------
    def finish(self) -> None:
        """Flush the encoders and write the file's index (the moov atom, moved first)."""
        if self._closed:
            return
        if self._worker.ident is None:  # no picture came (or only copied ones)
            self._started = True
            self._worker.start()
        self._queue.put(None)
        self._worker.join()
        self._closed = True
        try:
            self._raise_worker_error()
        finally:
            self._container.close()

    def abort(self) -> None:
        """Stop without completing; the caller deletes the partial file."""
        if self._closed:
            return
        self._closed = True
        self._aborting = True
        if self._ahead is not None:
            self._ahead.close()
        if self._started:
            while self._worker.is_alive():
                try:
                    self._queue.put(None, timeout=0.2)
                except queue.Full:
                    with contextlib.suppress(queue.Empty):
                        self._queue.get_nowait()
                self._worker.join(timeout=0.2)
        # The caller deletes the file next; a close error there changes nothing.
        with contextlib.suppress(Exception):
            self._container.close()
