"""A fake ElevenLabs API on 127.0.0.1, following docs/api-contracts.md.

Keys in ``valid_keys`` are accepted (``xi-api-key``); a subscription with a character
limit answers ``quota_exceeded`` once it is used up; unknown voices answer
``voice_not_found``. Synthesis returns real audio in the requested ``output_format``
(MP3 encoded with FFmpeg, or raw 16-bit PCM) with ``character-cost`` and ``request-id``.
"""

from __future__ import annotations

import base64
import io
import re
import threading
import uuid

import av
import numpy as np

from tests.fakes.server import FakeServer, Recorded, Reply, speechlike_with_spans

VOICES = [
    {
        "voice_id": "21m00Tcm4TlvDq8ikWAM",
        "name": "Rachel",
        "category": "premade",
        "labels": {"accent": "american", "gender": "female"},
    },
    {
        "voice_id": "AZnzlk1XvdvUeBnXmlld",
        "name": "Domi",
        "category": "premade",
        "labels": {"accent": "american", "gender": "female"},
    },
    {
        "voice_id": "ErXwobaYiN019PkySvjV",
        "name": "Antoni",
        "category": "premade",
        "labels": {"accent": "american", "gender": "male"},
    },
]


def encode_mp3(samples: np.ndarray, rate: int, bitrate: int = 128_000) -> bytes:
    """MP3 bytes from mono float samples, through FFmpeg's LAME encoder."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp3") as out:
        stream = out.add_stream("libmp3lame", rate=rate, layout="mono")
        stream.bit_rate = bitrate
        frame = av.AudioFrame.from_ndarray(
            samples.reshape(1, -1).astype(np.float32), format="flt", layout="mono"
        )
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()


def error(status: int, code: str, message: str) -> Reply:
    return Reply.json(status, {"detail": {"status": code, "message": message}})


class FakeElevenLabs(FakeServer):
    serves = "elevenlabs"
    url_env = "CASTLINE_ELEVENLABS_URL"
    voice = str(VOICES[0]["voice_id"])

    def __init__(
        self,
        *,
        valid_keys: set[str] | None = None,
        tier: str = "creator",
        character_limit: int = 100_000,
    ) -> None:
        super().__init__()
        self.valid_keys = valid_keys if valid_keys is not None else {"sk_test_eleven_0123456789"}
        self.tier = tier
        self.character_limit = character_limit
        self.character_count = 0
        self._count_lock = threading.Lock()

    def handle(self, request: Recorded) -> Reply:
        if request.headers.get("xi-api-key") not in self.valid_keys:
            return error(401, "invalid_api_key", "Invalid API key")
        if request.method == "GET" and request.path == "/v1/voices":
            return Reply.json(200, {"voices": VOICES})
        if request.method == "GET" and request.path == "/v1/user/subscription":
            return Reply.json(
                200,
                {
                    "tier": self.tier,
                    "character_count": self.character_count,
                    "character_limit": self.character_limit,
                    "status": "active",
                },
            )
        match = re.fullmatch(r"/v1/text-to-speech/([^/]+)(/with-timestamps)?", request.path)
        if request.method == "POST" and match:
            return self._speak(match.group(1), request, timestamps=bool(match.group(2)))
        return error(404, "not_found", f"no route {request.method} {request.path}")

    def _speak(self, voice_id: str, request: Recorded, *, timestamps: bool = False) -> Reply:
        body = request.body if isinstance(request.body, dict) else {}
        text = body.get("text")
        if not isinstance(text, str) or not text:
            return Reply.json(
                422,
                {
                    "detail": [
                        {
                            "loc": ["body", "text"],
                            "msg": "field required",
                            "type": "value_error.missing",
                        }
                    ]
                },
            )
        if voice_id not in {v["voice_id"] for v in VOICES}:
            return error(
                404, "voice_not_found", f"A voice with the voice_id {voice_id} was not found."
            )
        cost = len(text)
        with self._count_lock:
            if self.character_count + cost > self.character_limit:
                return error(
                    401,
                    "quota_exceeded",
                    f"This request exceeds your quota of {self.character_limit}. You have "
                    f"{self.character_limit - self.character_count} credits remaining, while {cost} credits are required.",
                )
            self.character_count += cost
        fmt = request.query.get("output_format", "mp3_44100_128")
        codec, rate_text = fmt.split("_")[:2]
        rate = int(rate_text)
        samples, spans = speechlike_with_spans(text, rate)
        headers = {"character-cost": str(cost), "request-id": uuid.uuid4().hex}
        if codec == "mp3":
            audio, content_type = encode_mp3(samples, rate), "audio/mpeg"
        elif codec == "pcm":
            audio, content_type = (
                (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes(),
                "audio/pcm",
            )
        else:
            return Reply.json(
                400,
                {
                    "detail": {
                        "status": "invalid_output_format",
                        "message": f"unknown output_format {fmt}",
                    }
                },
            )
        if not timestamps:
            return Reply(200, audio, headers, content_type=content_type)
        return Reply.json(
            200,
            {
                "audio_base64": base64.b64encode(audio).decode(),
                "alignment": alignment(text, spans, rate),
                "normalized_alignment": alignment(text, spans, rate),
            },
            headers,
        )


def alignment(text: str, spans: list[tuple[int, int]], rate: int) -> dict[str, list[object]]:
    """Character start/end times in seconds: a word's letters share its burst evenly,
    the spaces between words fill the gaps."""
    chars: list[object] = []
    starts: list[object] = []
    ends: list[object] = []
    words = iter(spans)
    i = 0
    previous_end = 0.0
    while i < len(text):
        if text[i].isspace():
            chars.append(text[i])
            starts.append(previous_end)
            ends.append(previous_end)
            i += 1
            continue
        j = i
        while j < len(text) and not text[j].isspace():
            j += 1
        a, b = next(words)
        step = (b - a) / (j - i)
        for k in range(i, j):
            chars.append(text[k])
            starts.append(round((a + (k - i) * step) / rate, 4))
            ends.append(round((a + (k - i + 1) * step) / rate, 4))
        previous_end = b / rate
        i = j
    return {
        "characters": chars,
        "character_start_times_seconds": starts,
        "character_end_times_seconds": ends,
    }
