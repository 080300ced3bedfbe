"""A fake Runway API on 127.0.0.1, following docs/api-contracts.md.

Tasks are created by ``POST /v1/text_to_image`` and ``/v1/image_to_video``, go
``PENDING`` -> ``RUNNING`` -> ``SUCCEEDED`` over ``polls_to_finish`` status polls, and
their output URLs point back at this server. A still is a PNG in the colour of its
prompt; a clip is an MP4 in the colour of the still it was made from (decoded from the
``promptImage`` data URI), lasting the requested ``duration``.

Faults on demand: prompts containing a word in ``throttle_words`` stay ``THROTTLED``
forever; ``fail_words`` maps a word to a ``(failureCode, failure)`` the task ends with;
``expire_next`` makes the next output download answer 404 once (as an expired link
does) while a fresh status poll hands out a new link. ``cancelled`` lists task ids the
client cancelled with ``DELETE``.
"""

from __future__ import annotations

import base64
import itertools
import re
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from tests.fakes.server import FakeServer, Recorded, Reply
from tests.fakes.visual_media import colour_for, mp4, png, small_size

STILL_RATIOS = {"1920:1080", "1080:1920", "1280:720", "720:1280", "1024:1024"}
CLIP_RATIOS = {"1280:720", "720:1280", "1104:832", "832:1104", "960:960", "1584:672"}
RUNWAY_KEY = "key_runway_test_0123456789abcdef"


@dataclass
class Task:
    id: str
    kind: str
    body: dict[str, Any]
    polls: int = 0
    status: str = "PENDING"
    output: bytes = b""
    suffix: str = ".png"
    link_version: int = 0
    failure: tuple[str, str] | None = None
    throttled: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _decode_data_uri(uri: str) -> np.ndarray | None:
    match = re.match(r"data:image/[a-z]+;base64,(.*)$", uri, re.S)
    if not match:
        return None
    data = base64.b64decode(match.group(1))
    picture = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    return None if picture is None else cv2.cvtColor(picture, cv2.COLOR_BGR2RGB)


class FakeRunway(FakeServer):
    serves = "runway"

    def __init__(self, *, valid_keys: set[str] | None = None, polls_to_finish: int = 2) -> None:
        super().__init__()
        self.valid_keys = valid_keys if valid_keys is not None else {RUNWAY_KEY}
        self.polls_to_finish = polls_to_finish
        self.tasks: dict[str, Task] = {}
        self.cancelled: list[str] = []
        self.throttle_words: set[str] = set()
        self.fail_words: dict[str, tuple[str, str]] = {}
        self.throttle_first = 0
        """Every task sits in ``THROTTLED`` for this many polls before it runs."""
        self.expire_next = 0
        self.corrupt_clips = False
        """Clips come back as bytes no decoder can read (an unusable format)."""
        self._lock_tasks = threading.Lock()
        self._ids = itertools.count(1)

    def billed_usd(self) -> float:
        """What Runway would charge for the tasks that succeeded, by its published prices
        (docs/api-contracts.md): 1 credit is $0.01; gen4_image 8 credits at 1080p, 5 below;
        gen4_turbo 5 credits a second. Failed and cancelled tasks cost nothing."""
        credits = 0
        with self._lock_tasks:
            for task in self.tasks.values():
                if task.status != "SUCCEEDED":
                    continue
                if task.kind == "still":
                    w, h = (int(x) for x in str(task.body["ratio"]).split(":"))
                    credits += 8 if min(w, h) >= 1080 else 5
                else:
                    credits += 5 * int(task.body["duration"])
        return credits / 100

    def created(self, kind: str | None = None) -> list[Task]:
        with self._lock_tasks:
            return [t for t in self.tasks.values() if kind is None or t.kind == kind]

    # -- serving ---------------------------------------------------------------------
    def handle(self, request: Recorded) -> Reply:
        if request.path.startswith("/files/"):
            return self._file(request)
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.valid_keys:
            return Reply.json(401, {"error": "Invalid API key"})
        if request.headers.get("x-runway-version") != "2024-11-06":
            return Reply.json(400, {"error": "X-Runway-Version header is required"})
        if request.method == "POST" and request.path == "/v1/text_to_image":
            return self._create("still", request)
        if request.method == "POST" and request.path == "/v1/image_to_video":
            return self._create("clip", request)
        match = re.fullmatch(r"/v1/tasks/([\w-]+)", request.path)
        if match and request.method == "GET":
            return self._status(match.group(1))
        if match and request.method == "DELETE":
            with self._lock_tasks:
                task = self.tasks.get(match.group(1))
                if task is None:
                    return Reply.json(404, {"error": "Task not found"})
                self.cancelled.append(task.id)
                task.status = "CANCELLED"
            return Reply(204, b"")
        return Reply.json(404, {"error": f"no route {request.method} {request.path}"})

    def _create(self, kind: str, request: Recorded) -> Reply:
        body = request.body if isinstance(request.body, dict) else {}
        prompt = body.get("promptText")
        ratio = str(body.get("ratio") or "")
        if kind == "still":
            if not isinstance(prompt, str) or not prompt.strip():
                return Reply.json(400, {"error": "promptText is required"})
            if ratio not in STILL_RATIOS:
                return Reply.json(400, {"error": f"ratio {ratio} is not supported"})
        else:
            if ratio not in CLIP_RATIOS:
                return Reply.json(400, {"error": f"ratio {ratio} is not supported for gen4_turbo"})
            duration = body.get("duration")
            if not isinstance(duration, int) or not 2 <= duration <= 10:
                return Reply.json(400, {"error": "duration must be 2 to 10 seconds"})
            if _decode_data_uri(str(body.get("promptImage") or "")) is None:
                return Reply.json(400, {"error": "promptImage must be an image data URI"})
        if isinstance(prompt, str) and len(prompt) > 1000:
            return Reply.json(400, {"error": "promptText is longer than 1000 characters"})
        task = Task(id=str(uuid.UUID(int=next(self._ids))), kind=kind, body=body)
        text = str(prompt or "")
        for word, failure in self.fail_words.items():
            if word in text:
                task.failure = failure
        task.throttled = any(word in text for word in self.throttle_words)
        with self._lock_tasks:
            self.tasks[task.id] = task
        return Reply.json(200, {"id": task.id})

    def _status(self, task_id: str) -> Reply:
        with self._lock_tasks:
            task = self.tasks.get(task_id)
            if task is None:
                return Reply.json(404, {"error": "Task not found"})
            if task.status not in ("CANCELLED", "SUCCEEDED", "FAILED"):
                task.polls += 1
                if task.throttled or task.polls <= self.throttle_first:
                    task.status = "THROTTLED"
                elif task.polls >= self.polls_to_finish + self.throttle_first:
                    if task.failure is not None:
                        task.status = "FAILED"
                    else:
                        self._finish(task)
                else:
                    task.status = "RUNNING"
            elif task.status == "SUCCEEDED":
                task.link_version += 1  # every poll signs a fresh link
            answer: dict[str, Any] = {
                "id": task.id,
                "createdAt": "2025-01-01T00:00:00Z",
                "status": task.status,
            }
            if task.status == "RUNNING":
                answer["progress"] = 0.5
            if task.status == "SUCCEEDED":
                answer["output"] = [f"{self.url}/files/{task.id}/v{task.link_version}{task.suffix}"]
            if task.status == "FAILED" and task.failure is not None:
                answer["failureCode"], answer["failure"] = task.failure
        return Reply.json(200, answer)

    def _finish(self, task: Task) -> None:
        task.status = "SUCCEEDED"
        w, h = (int(x) for x in str(task.body["ratio"]).split(":"))
        width, height = small_size(w, h)
        if task.kind == "still":
            prompt = str(task.body["promptText"]).split(", in the look of @")[0]
            task.output = png(colour_for(prompt), width, height)
            task.suffix = ".png"
        else:
            still = _decode_data_uri(str(task.body["promptImage"]))
            assert still is not None
            colour = tuple(int(c) for c in still[still.shape[0] // 2, still.shape[1] // 2])
            task.output = (
                b"\x00\x00\x00\x18notavideo" * 20
                if self.corrupt_clips
                else mp4(
                    colour,
                    width,
                    height,
                    seconds=float(task.body["duration"]),
                    fps=5,  # type: ignore[arg-type]
                )
            )
            task.suffix = ".mp4"

    def _file(self, request: Recorded) -> Reply:
        match = re.fullmatch(r"/files/([\w-]+)/v(\d+)\.\w+", request.path)
        with self._lock_tasks:
            task = self.tasks.get(match.group(1)) if match else None
            if task is None or task.status != "SUCCEEDED":
                return Reply.json(404, {"error": "no such file"})
            if self.expire_next > 0:
                self.expire_next -= 1
                return Reply(
                    403,
                    b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
                    content_type="application/xml",
                )
            data = task.output
        return Reply(200, data, content_type="video/mp4" if task.suffix == ".mp4" else "image/png")
