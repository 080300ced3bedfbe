"""Fake fal.ai queue, OpenAI Images and Stability servers on 127.0.0.1 (docs/api-contracts.md).

Each answers with a real picture (PNG) or clip (MP4) in the colour of its prompt, at the
requested shape. A prompt containing ``forbidden`` is refused the way each service
refuses: fal with a 422 ``detail`` naming its content policy, OpenAI with 400
``moderation_blocked``, Stability with ``finish_reason: CONTENT_FILTERED``.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import itertools
import re
import threading
from typing import Any

from tests.fakes.server import FakeServer, Recorded, Reply
from tests.fakes.visual_media import colour_for, mp4, png, small_size

FAL_KEY = "fal-key-test-0123456789:secret"
OPENAI_KEY = "sk-openai-images-test-0123456789"
STABILITY_KEY = "sk-stability-test-0123456789"
BLOCKED = "forbidden"


class FakeFal(FakeServer):
    """The queue: submit, status (202 until done), result, cancel; files under ``/cdn``."""

    serves = "fal"

    def __init__(self, *, polls_to_finish: int = 2) -> None:
        super().__init__()
        self.polls_to_finish = polls_to_finish
        self.stuck_words: set[str] = set()
        self.cancelled: list[str] = []
        self.requests_made: dict[str, dict[str, Any]] = {}
        self._polls: dict[str, int] = {}
        self._files: dict[str, tuple[bytes, str]] = {}
        self._ids = itertools.count(1)
        self._lock_q = threading.Lock()

    def handle(self, request: Recorded) -> Reply:
        if request.path.startswith("/cdn/"):
            with self._lock_q:
                found = self._files.get(request.path)
            if found is None:
                return Reply.json(404, {"detail": "not found"})
            return Reply(200, found[0], content_type=found[1])
        if request.headers.get("authorization") != f"Key {FAL_KEY}":
            return Reply.json(401, {"detail": "Invalid key"})
        match = re.fullmatch(r"/(fal-ai/[\w./-]+?)/requests/(\w+)(/status|/cancel)?", request.path)
        if match:
            return self._request_route(
                match.group(1), match.group(2), match.group(3) or "", request
            )
        if request.method == "POST":
            return self._submit(request.path.strip("/"), request)
        return Reply.json(404, {"detail": "not found"})

    def _submit(self, app: str, request: Recorded) -> Reply:
        body = request.body if isinstance(request.body, dict) else {}
        if not isinstance(body.get("prompt"), str):
            return Reply.json(
                422, {"detail": [{"loc": ["body", "prompt"], "msg": "field required"}]}
            )
        if app.endswith("text-to-video") and body.get("duration") not in (5, 10):
            return Reply.json(
                422, {"detail": [{"loc": ["body", "duration"], "msg": "must be 5 or 10"}]}
            )
        request_id = f"req{next(self._ids)}"
        with self._lock_q:
            self.requests_made[request_id] = {"app": app, "body": body}
            self._polls[request_id] = 0
        base = f"{self.url}/{app}/requests/{request_id}"
        return Reply.json(
            200,
            {
                "request_id": request_id,
                "response_url": base,
                "status_url": f"{base}/status",
                "cancel_url": f"{base}/cancel",
                "queue_position": 0,
            },
        )

    def _request_route(self, app: str, request_id: str, tail: str, request: Recorded) -> Reply:
        with self._lock_q:
            made = self.requests_made.get(request_id)
            if made is None:
                return Reply.json(404, {"detail": "Request not found"})
            if tail == "/cancel" and request.method == "PUT":
                self.cancelled.append(request_id)
                made["cancelled"] = True
                return Reply.json(202, {"status": "CANCELLATION_REQUESTED"})
            if tail == "/status":
                self._polls[request_id] += 1
                stuck = any(w in made["body"]["prompt"] for w in self.stuck_words)
                if stuck or self._polls[request_id] < self.polls_to_finish:
                    return Reply.json(
                        202, {"status": "IN_QUEUE" if stuck else "IN_PROGRESS", "queue_position": 3}
                    )
                return Reply.json(
                    200,
                    {
                        "status": "COMPLETED",
                        "response_url": f"{self.url}/{app}/requests/{request_id}",
                    },
                )
        body = made["body"]
        if BLOCKED in body["prompt"]:
            return Reply.json(
                422, {"detail": "The prompt was flagged by the content policy checker"}
            )
        colour = colour_for(body["prompt"])
        path = f"/cdn/{request_id}"
        if app.endswith("text-to-video"):
            w, h = small_size(*((720, 1280) if body.get("aspect_ratio") == "9:16" else (1280, 720)))
            with self._lock_q:
                self._files[path + ".mp4"] = (
                    mp4(colour, w, h, seconds=float(body["duration"]), fps=5),
                    "video/mp4",
                )
            return Reply.json(
                200, {"video": {"url": f"{self.url}{path}.mp4", "content_type": "video/mp4"}}
            )
        w, h = small_size(
            *((576, 1024) if body.get("image_size") == "portrait_16_9" else (1024, 576))
        )
        with self._lock_q:
            self._files[path + ".png"] = (png(colour, w, h), "image/png")
        return Reply.json(
            200,
            {
                "images": [
                    {
                        "url": f"{self.url}{path}.png",
                        "width": w,
                        "height": h,
                        "content_type": "image/png",
                    }
                ],
                "seed": body.get("seed", 7),
                "has_nsfw_concepts": [False],
            },
        )


class FakeOpenAIImages(FakeServer):
    """``POST /v1/images/generations`` answering base64 PNGs."""

    serves = "openai"

    SIZES = frozenset({"1536x1024", "1024x1536", "1024x1024", "auto"})

    def handle(self, request: Recorded) -> Reply:
        if request.headers.get("authorization") != f"Bearer {OPENAI_KEY}":
            return Reply.json(
                401,
                {
                    "error": {
                        "message": "Incorrect API key provided",
                        "type": "invalid_request_error",
                        "code": "invalid_api_key",
                    }
                },
            )
        if request.method != "POST" or request.path != "/v1/images/generations":
            return Reply.json(404, {"error": {"message": "not found"}})
        body = request.body if isinstance(request.body, dict) else {}
        prompt = body.get("prompt")
        if not isinstance(prompt, str) or body.get("size") not in self.SIZES or body.get("n") != 1:
            return Reply.json(400, {"error": {"message": "bad request", "code": "invalid_value"}})
        if BLOCKED in prompt:
            return Reply.json(
                400,
                {
                    "error": {
                        "message": "Your request was rejected by the safety system.",
                        "type": "image_generation_user_error",
                        "code": "moderation_blocked",
                    }
                },
            )
        w, h = (int(x) for x in str(body["size"]).split("x"))
        picture = png(colour_for(prompt), *small_size(w, h))
        return Reply.json(
            200,
            {
                "created": 1,
                "data": [{"b64_json": base64.b64encode(picture).decode()}],
                "usage": {"total_tokens": 100},
            },
        )


def multipart_fields(request: Recorded) -> dict[str, str]:
    """The form fields of a ``multipart/form-data`` body."""
    head = f"Content-Type: {request.headers.get('content-type', '')}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.raw_body)
    fields: dict[str, str] = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        fields[str(name)] = (
            part.get_content().strip()
            if isinstance(part.get_content(), str)
            else part.get_content().decode()
        )
    return fields


class FakeStability(FakeServer):
    """``POST /v2beta/stable-image/generate/{core,ultra}`` with multipart fields."""

    serves = "stability"

    RATIOS = frozenset({"16:9", "9:16", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:21"})

    def handle(self, request: Recorded) -> Reply:
        if request.headers.get("authorization") != f"Bearer {STABILITY_KEY}":
            return Reply.json(
                401, {"name": "unauthorized", "errors": ["authorization: invalid or missing key"]}
            )
        if request.method != "POST" or not re.fullmatch(
            r"/v2beta/stable-image/generate/(core|ultra)", request.path
        ):
            return Reply.json(404, {"name": "not_found", "errors": ["not found"]})
        if request.headers.get("accept") != "application/json":
            return Reply(200, b"\x89PNG raw bytes", content_type="image/png")
        fields = multipart_fields(request)
        if not fields.get("prompt") or fields.get("aspect_ratio") not in self.RATIOS:
            return Reply.json(
                400, {"name": "bad_request", "errors": ["prompt and aspect_ratio are required"]}
            )
        seed = int(fields.get("seed") or 42)
        if BLOCKED in fields["prompt"]:
            return Reply.json(200, {"image": "", "finish_reason": "CONTENT_FILTERED", "seed": seed})
        w, h = (1344, 768) if fields["aspect_ratio"] == "16:9" else (768, 1344)
        picture = png(colour_for(fields["prompt"]), *small_size(w, h), seed=seed)
        return Reply.json(
            200,
            {"image": base64.b64encode(picture).decode(), "finish_reason": "SUCCESS", "seed": seed},
        )
