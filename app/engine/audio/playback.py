"""Preview playback through sounddevice, failing with a message rather than a crash.

sounddevice needs the PortAudio library and an output device; a headless server has
neither, so every failure becomes :class:`PlaybackUnavailable` with a sentence a user
can act on.
"""

from __future__ import annotations

import numpy as np

from app.engine.audio.dsp import SAMPLE_RATE


class PlaybackUnavailable(Exception):
    """No way to play sound here (no PortAudio, no output device, device busy)."""


def _sounddevice():  # type: ignore[no-untyped-def]
    try:
        import sounddevice
    except OSError as exc:  # PortAudio library missing
        raise PlaybackUnavailable(
            "audio preview needs the PortAudio library (Debian/Ubuntu: apt install libportaudio2)"
        ) from exc
    return sounddevice


def output_device_name() -> str:
    """The default output device's name; raises :class:`PlaybackUnavailable` when none."""
    sd = _sounddevice()
    try:
        info = sd.query_devices(kind="output")
    except Exception as exc:  # PortAudioError or ValueError when there is no device
        raise PlaybackUnavailable(f"no audio output device is available ({exc})") from exc
    return str(info.get("name", "default output")) if isinstance(info, dict) else "default output"


def play(audio: np.ndarray, rate: int = SAMPLE_RATE, *, blocking: bool = True) -> None:
    """Play a mono float clip on the default output device."""
    sd = _sounddevice()
    output_device_name()
    try:
        sd.play(np.asarray(audio, dtype=np.float32), rate, blocking=blocking)
    except Exception as exc:
        raise PlaybackUnavailable(f"audio could not be played ({exc})") from exc


def stop() -> None:
    """Stop whatever preview is playing (a no-op when playback is unavailable)."""
    try:
        _sounddevice().stop()
    except Exception:  # nothing to stop where nothing can play
        return
