"""Runway: ``gen4_image`` stills, and ``gen4_turbo`` clips made from such a still.

Every call creates a task (``POST /v1/text_to_image`` or ``/v1/image_to_video``), polls
``GET /v1/tasks/{id}`` with jitter until it ends, and downloads the output at once (its
URLs expire). A task past its deadline, or of a cancelled job, is cancelled with
``DELETE /v1/tasks/{id}`` so nothing keeps running (and billing) on Runway's side.
``SAFETY.*`` failures are final and cost nothing; ``INTERNAL.*`` ones are retried.
Earlier stills of the video can be sent as ``referenceImages`` to keep one look.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
from typing import Any

import cv2
import numpy as np

from app.engine.net.guard import cleanup
from app.engine.visuals.providers.base import (
    Call,
    PermanentProviderError,
    SafetyRefused,
    TransientProviderError,
    VisualOutput,
    VisualRequest,
    register,
)
from app.engine.visuals.providers.http import ExpiredURL, HttpProvider, image_suffix

API_VERSION = "2024-11-06"
USD_PER_CREDIT = 0.01
STILL_CREDITS = {"gen4_image": 8, "gen4_image_turbo": 2}
"""Credits a 1080p still costs (api-contracts.md)."""
CLIP_CREDITS_PER_S = {"gen4_turbo": 5, "gen4.5": 12}
MAX_PROMPT = 1000
MAX_DATA_URI_BYTES = 5 * 1024 * 1024
REFERENCE_TAG = "look"


def clip_seconds(duration_ms: int) -> int:
    """5 s for a short scene, 10 s for a longer one (longer scenes loop the clip).

    Two lengths only, so an edit that changes a scene's length a little keeps the cache.
    """
    return 5 if duration_ms <= 5_000 else 10


def data_uri(image: bytes, *, max_side: int = 1280) -> str:
    """A JPEG data URI of ``image`` small enough for Runway's 5 MB limit."""
    decoded = cv2.imdecode(np.frombuffer(image, np.uint8), cv2.IMREAD_COLOR)
    if decoded is None:
        return "data:image/png;base64," + base64.b64encode(image).decode()
    h, w = decoded.shape[:2]
    scale = min(1.0, max_side / max(h, w))
    if scale < 1.0:
        decoded = cv2.resize(
            decoded, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA
        )
    for quality in (90, 80, 65, 50):
        ok, jpeg = cv2.imencode(".jpg", decoded, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok and len(jpeg) * 4 // 3 < MAX_DATA_URI_BYTES:
            return "data:image/jpeg;base64," + base64.b64encode(jpeg.tobytes()).decode()
    raise PermanentProviderError(
        "the still is too large to send to Runway", provider="runway", code="too_large"
    )


@register
class RunwayProvider(HttpProvider):
    """Generated stills and clips from Runway; needs ``RUNWAYML_API_SECRET`` or a keyring entry."""

    name = "runway"
    label = "Runway"
    key_name = "runway"
    url_env = "CASTLINE_RUNWAY_URL"
    default_url = "https://api.dev.runwayml.com"
    supports_references = True
    description = "generated stills (gen4_image) and clips (gen4_turbo from the still)"

    @property
    def still_model(self) -> str:
        return str(self.options.get("still_model", "gen4_image"))

    @property
    def clip_model(self) -> str:
        return str(self.options.get("clip_model", "gen4_turbo"))

    def concurrency(self) -> int:
        return int(self.options.get("concurrency", 2))

    def model_id(self, request: VisualRequest) -> str:
        if request.kind == "clip":
            return f"{self.still_model}+{self.clip_model}:{clip_seconds(request.duration_ms)}s"
        return self.still_model

    def estimate_cost(self, request: VisualRequest) -> float:
        cost = STILL_CREDITS.get(self.still_model, 8) * USD_PER_CREDIT
        if request.kind == "clip":
            cost += (
                CLIP_CREDITS_PER_S.get(self.clip_model, 5)
                * clip_seconds(request.duration_ms)
                * USD_PER_CREDIT
            )
        return cost

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.need_key()}", "X-Runway-Version": API_VERSION}

    # -- the work --------------------------------------------------------------------
    def generate(self, request: VisualRequest, call: Call) -> VisualOutput:
        prompt = request.prompt[:MAX_PROMPT]
        body: dict[str, Any] = {
            "model": self.still_model,
            "promptText": prompt,
            "ratio": "1080:1920" if request.target.portrait else "1920:1080",
        }
        if request.seed is not None:
            body["seed"] = request.seed
        reference = None
        if request.references:
            reference_bytes = request.references[0].read_bytes()
            body["referenceImages"] = [{"uri": data_uri(reference_bytes), "tag": REFERENCE_TAG}]
            body["promptText"] = f"{prompt[: MAX_PROMPT - 30]}, in the look of @{REFERENCE_TAG}"
            reference = hashlib.sha256(reference_bytes).hexdigest()
        still_cost = STILL_CREDITS.get(self.still_model, 8) * USD_PER_CREDIT
        task_id, still = self._run("/v1/text_to_image", body, call, spent=0.0)
        if request.kind == "still":
            return VisualOutput(
                kind="still",
                model=self.still_model,
                data=still,
                suffix=image_suffix(still),
                prompt_sent=body["promptText"],
                seed=request.seed,
                cost_usd=still_cost,
                billed_units=still_cost / USD_PER_CREDIT,
                request_id=task_id,
                reference=reference,
            )
        seconds = clip_seconds(request.duration_ms)
        clip_body: dict[str, Any] = {
            "model": self.clip_model,
            "promptImage": data_uri(still),
            "promptText": prompt,
            "ratio": "720:1280" if request.target.portrait else "1280:720",
            "duration": seconds,
        }
        if request.seed is not None:
            clip_body["seed"] = request.seed
        clip_id, clip = self._run("/v1/image_to_video", clip_body, call, spent=still_cost)
        cost = self.estimate_cost(request)
        return VisualOutput(
            kind="clip",
            model=f"{self.still_model}+{self.clip_model}",
            data=clip,
            suffix=".mp4",
            prompt_sent=prompt,
            seed=request.seed,
            cost_usd=cost,
            billed_units=cost / USD_PER_CREDIT,
            request_id=f"{task_id},{clip_id}",
            reference=reference,
        )

    def _run(
        self, path: str, body: dict[str, Any], call: Call, *, spent: float
    ) -> tuple[str, bytes]:
        """Create a task, wait for it, download its first output: (task id, bytes)."""
        call.check()
        created = self.json(
            self.request(
                "POST",
                path,
                f"{path.rsplit('/', 1)[-1]} request",
                json=body,
                headers=self._headers(),
            ),
            "task",
        )
        task_id = str(created.get("id") or "") if isinstance(created, dict) else ""
        if not task_id:
            raise TransientProviderError(
                "Runway answered without a task id", provider=self.name, code="no_task"
            )
        finished = False
        try:
            task = self._wait(task_id, call, spent)
            finished = True  # it ended on Runway's side: nothing left to cancel
        finally:
            if not finished:
                self._cancel(task_id)
        if task.get("status") == "FAILED":
            raise _failure(task, task_id, spent)
        if task.get("status") == "CANCELLED":
            raise PermanentProviderError(
                f"Runway task {task_id} was cancelled",
                provider=self.name,
                code="cancelled",
                cost_usd=spent,
            )
        cost_here = spent + self._task_cost(body)
        try:
            return task_id, self.download(_first_output(task, self.name), call, "output download")
        except ExpiredURL:
            fresh = self._status(task_id, call)  # a fresh signed link, once
            try:
                return task_id, self.download(
                    _first_output(fresh, self.name), call, "output download"
                )
            except ExpiredURL as exc:
                raise PermanentProviderError(
                    f"Runway task {task_id} finished but its output could not be downloaded ({exc})",
                    provider=self.name,
                    code="download_failed",
                    cost_usd=cost_here,
                ) from exc
        except TransientProviderError as exc:
            raise PermanentProviderError(
                f"Runway task {task_id} finished but its output could not be downloaded ({exc})",
                provider=self.name,
                code="download_failed",
                cost_usd=cost_here,
            ) from exc

    def _task_cost(self, body: dict[str, Any]) -> float:
        model = str(body.get("model"))
        if model in CLIP_CREDITS_PER_S:
            return CLIP_CREDITS_PER_S[model] * int(body.get("duration", 5)) * USD_PER_CREDIT
        return STILL_CREDITS.get(model, 8) * USD_PER_CREDIT

    def _status(self, task_id: str, call: Call) -> dict[str, Any]:
        response = self.with_retries(
            call,
            lambda: self.request(
                "GET", f"/v1/tasks/{task_id}", "task status", headers=self._headers()
            ),
        )
        data = self.json(response, "task status")
        if not isinstance(data, dict):
            raise TransientProviderError(
                "Runway's task status was not an object", provider=self.name, code="bad_json"
            )
        return data

    def _wait(self, task_id: str, call: Call, spent: float) -> dict[str, Any]:
        """Poll until the task ends (any final status); past the deadline it is given up
        (and cancelled by the caller)."""
        while True:
            call.check()
            task = self._status(task_id, call)
            status = str(task.get("status") or "")
            if status in ("SUCCEEDED", "FAILED", "CANCELLED"):
                return task
            if call.deadline.expired:
                raise PermanentProviderError(
                    f"Runway task {task_id} was still {status or 'pending'} after {call.deadline.seconds / 60:.0f} minutes; "
                    "it was cancelled",
                    provider=self.name,
                    code="deadline",
                    cost_usd=spent,
                )
            self.poll_wait(call)

    def _cancel(self, task_id: str) -> None:
        """Best effort: a failure to cancel must not hide why we stopped."""
        with (
            contextlib.suppress(Exception),
            cleanup(),
        ):  # the original error matters more than this one
            self.client.request("DELETE", f"/v1/tasks/{task_id}", headers=self._headers())


def _first_output(task: dict[str, Any], provider: str) -> str:
    output = task.get("output")
    if isinstance(output, list) and output and isinstance(output[0], str):
        return output[0]
    raise PermanentProviderError(
        "Runway's finished task has no output URL", provider=provider, code="no_output"
    )


def _failure(task: dict[str, Any], task_id: str, spent: float) -> Exception:
    code = str(task.get("failureCode") or "")
    reason = str(task.get("failure") or "no reason given")
    text = f"Runway task {task_id} failed: {reason}" + (f" ({code})" if code else "")
    if code.startswith("SAFETY"):
        return SafetyRefused(
            text + "; reword the visual's prompt", provider="runway", code=code, cost_usd=spent
        )
    if code.startswith("INTERNAL"):
        return TransientProviderError(text, provider="runway", code=code, cost_usd=spent)
    return PermanentProviderError(text, provider="runway", code=code or "failed", cost_usd=spent)


__all__ = ["RunwayProvider", "clip_seconds", "data_uri"]
