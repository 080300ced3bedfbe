"""A fake Google Cloud Text-to-Speech API on 127.0.0.1, following docs/api-contracts.md.

``POST /v1/text:synthesize?key=...`` answers ``{"audioContent": base64 LINEAR16 WAV}``;
a key not in ``valid_keys`` gets Google's 400 ``API_KEY_INVALID``; an unknown voice
name gets 400 ``INVALID_ARGUMENT``.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from scipy.io import wavfile

from tests.fakes.server import FakeServer, Recorded, Reply, speechlike

VOICES = [
    {
        "languageCodes": ["ja-JP"],
        "name": "ja-JP-Neural2-B",
        "ssmlGender": "FEMALE",
        "naturalSampleRateHertz": 24000,
    },
    {
        "languageCodes": ["en-US"],
        "name": "en-US-Neural2-F",
        "ssmlGender": "FEMALE",
        "naturalSampleRateHertz": 24000,
    },
    {
        "languageCodes": ["en-US"],
        "name": "en-US-Neural2-D",
        "ssmlGender": "MALE",
        "naturalSampleRateHertz": 24000,
    },
    {
        "languageCodes": ["en-US"],
        "name": "en-US-Standard-B",
        "ssmlGender": "MALE",
        "naturalSampleRateHertz": 24000,
    },
]


def google_error(status: int, code: str, message: str, reason: str = "") -> Reply:
    error: dict[str, object] = {"code": status, "message": message, "status": code}
    if reason:
        error["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason}]
    return Reply.json(status, {"error": error})


class FakeGoogleTTS(FakeServer):
    serves = "google"
    url_env = "CASTLINE_GOOGLE_TTS_URL"
    voice = str(VOICES[0]["name"])

    def __init__(self, *, valid_keys: set[str] | None = None) -> None:
        super().__init__()
        self.valid_keys = valid_keys if valid_keys is not None else {"AIzaTestGoogleKey0123456789"}

    def handle(self, request: Recorded) -> Reply:
        key = request.query.get("key") or request.headers.get("x-goog-api-key")
        bearer = request.headers.get("authorization", "")
        if key not in self.valid_keys and bearer.removeprefix("Bearer ") not in self.valid_keys:
            return google_error(
                400,
                "INVALID_ARGUMENT",
                "API key not valid. Please pass a valid API key.",
                "API_KEY_INVALID",
            )
        if request.method == "GET" and request.path == "/v1/voices":
            wanted = request.query.get("languageCode")
            return Reply.json(
                200, {"voices": [v for v in VOICES if not wanted or wanted in v["languageCodes"]]}
            )
        if request.method == "POST" and request.path == "/v1/text:synthesize":
            return self._synthesize(request)
        return google_error(404, "NOT_FOUND", f"Method not found: {request.path}")

    def _synthesize(self, request: Recorded) -> Reply:
        body = request.body if isinstance(request.body, dict) else {}
        source = body.get("input") or {}
        voice = body.get("voice") or {}
        config = body.get("audioConfig") or {}
        if ("text" in source) == ("ssml" in source):
            return google_error(
                400, "INVALID_ARGUMENT", "Exactly one of input.text or input.ssml must be set."
            )
        text = str(source.get("text") or source.get("ssml"))
        if len(text.encode()) > 5000:
            return google_error(
                400, "INVALID_ARGUMENT", "input.text is longer than the limit of 5000 bytes."
            )
        if not voice.get("languageCode"):
            return google_error(400, "INVALID_ARGUMENT", "voice.languageCode is required.")
        if voice.get("name") and voice["name"] not in {v["name"] for v in VOICES}:
            return google_error(400, "INVALID_ARGUMENT", f"Voice '{voice['name']}' does not exist.")
        if config.get("audioEncoding") != "LINEAR16":
            return google_error(400, "INVALID_ARGUMENT", "This fake only speaks LINEAR16.")
        rate = int(config.get("sampleRateHertz") or 24000)
        samples = speechlike(
            text, rate, seconds_per_letter=0.055 / float(config.get("speakingRate") or 1.0)
        )
        buffer = io.BytesIO()
        wavfile.write(buffer, rate, (np.clip(samples, -1, 1) * 32767).astype(np.int16))
        return Reply.json(200, {"audioContent": base64.b64encode(buffer.getvalue()).decode()})
