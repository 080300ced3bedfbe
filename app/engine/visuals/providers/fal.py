"""fal.ai's queue: FLUX schnell stills and Pika clips (Pika is sold through fal).

Submit ``POST {queue}/{app}`` with ``Authorization: Key <key>`` and the model's input;
the answer names the ``status_url``, ``response_url`` and ``cancel_url`` to follow (never
built by hand). The status answers 202 while ``IN_QUEUE`` or ``IN_PROGRESS`` and 200 when
``COMPLETED``; the result is ``{"images": [{"url"}]}`` for stills and ``{"video": {"url"}}``
for clips, read tolerantly (fields may be missing). A request past its deadline, or of a
cancelled job, is cancelled with ``PUT <cancel_url>``. Errors come as ``{"detail": ...}``.
"""

from __future__ import annotations

import contextlib
from typing import Any

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

USD_PER_MEGAPIXEL = 0.003
"""FLUX schnell, about $0.003 a megapixel (api-contracts.md)."""
STILL_SIZES = {"landscape_16_9": (1024, 576), "portrait_16_9": (576, 1024)}
CLIP_USD_PER_5S = 0.20
"""Pika at 720p, about $0.20 for five seconds (a setting: ``{"fal": {"clip_usd_per_5s": ...}}``)."""


def clip_seconds(duration_ms: int) -> int:
    """Pika makes 5 or 10 second clips; a longer scene loops the clip."""
    return 5 if duration_ms <= 5_000 else 10


@register
class FalProvider(HttpProvider):
    """FLUX stills and Pika clips through fal's queue; needs ``FAL_KEY`` or a keyring entry."""

    name = "fal"
    label = "fal.ai"
    key_name = "fal"
    url_env = "CASTLINE_FAL_URL"
    default_url = "https://queue.fal.run"
    description = "generated stills (FLUX schnell) and clips (Pika) through the fal queue"

    @property
    def still_app(self) -> str:
        return str(self.options.get("still_app", "fal-ai/flux/schnell"))

    @property
    def clip_app(self) -> str:
        return str(self.options.get("clip_app", "fal-ai/pika/v2.5/text-to-video"))

    def concurrency(self) -> int:
        return int(self.options.get("concurrency", 2))

    def model_id(self, request: VisualRequest) -> str:
        if request.kind == "clip":
            return f"{self.clip_app}:{clip_seconds(request.duration_ms)}s"
        return self.still_app

    def estimate_cost(self, request: VisualRequest) -> float:
        if request.kind == "clip":
            rate = float(self.options.get("clip_usd_per_5s", CLIP_USD_PER_5S))
            return rate * clip_seconds(request.duration_ms) / 5
        w, h = STILL_SIZES[_image_size(request)]
        return USD_PER_MEGAPIXEL * w * h / 1_000_000

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Key {self.need_key()}"}

    def generate(self, request: VisualRequest, call: Call) -> VisualOutput:
        if request.kind == "clip":
            seconds = clip_seconds(request.duration_ms)
            body: dict[str, Any] = {
                "prompt": request.prompt,
                "resolution": "720p",
                "duration": seconds,
                "aspect_ratio": request.target.aspect,
                "negative_prompt": "text, watermark, logo, blurry",
            }
            app = self.clip_app
        else:
            body = {
                "prompt": request.prompt,
                "image_size": _image_size(request),
                "num_inference_steps": 4,
                "num_images": 1,
            }
            app = self.still_app
        if request.seed is not None:
            body["seed"] = request.seed
        cost = self.estimate_cost(request)
        result, request_id = self._run(app, body, call, cost)
        url = _output_url(result, request.kind)
        if url is None:
            if request.kind == "still" and _flagged(result):
                raise SafetyRefused(
                    "fal.ai's safety checker blanked the picture; reword the visual's prompt",
                    provider=self.name,
                    code="nsfw",
                )
            raise PermanentProviderError(
                f"fal.ai's {app} result has no file",
                provider=self.name,
                code="no_output",
                cost_usd=cost,
            )
        if request.kind == "still" and _flagged(result):
            raise SafetyRefused(
                "fal.ai's safety checker flagged the picture; reword the visual's prompt",
                provider=self.name,
                code="nsfw",
            )
        try:
            data = self.download(url, call, "output download")
        except (ExpiredURL, TransientProviderError) as exc:
            raise PermanentProviderError(
                f"fal.ai request {request_id} finished but its file could not be downloaded ({exc})",
                provider=self.name,
                code="download_failed",
                cost_usd=cost,
            ) from exc
        seed = result.get("seed") if isinstance(result.get("seed"), int) else request.seed
        return VisualOutput(
            kind=request.kind,
            model=app,
            data=data,
            suffix=".mp4" if request.kind == "clip" else image_suffix(data),
            prompt_sent=request.prompt,
            seed=seed,
            cost_usd=cost,
            billed_units=1,
            request_id=request_id,
        )

    def _run(
        self, app: str, body: dict[str, Any], call: Call, cost: float
    ) -> tuple[dict[str, Any], str]:
        """Submit, wait, and read the result: (result, request id)."""
        call.check()
        submitted = self.json(
            self.request("POST", f"/{app}", "submit", json=body, headers=self._headers()), "submit"
        )
        if (
            not isinstance(submitted, dict)
            or not submitted.get("status_url")
            or not submitted.get("response_url")
        ):
            raise TransientProviderError(
                "fal.ai answered the submit without its URLs", provider=self.name, code="bad_submit"
            )
        request_id = str(submitted.get("request_id") or "")
        finished = False
        try:
            self._wait(str(submitted["status_url"]), request_id, call)
            finished = True
        finally:
            if not finished and submitted.get("cancel_url"):
                with (
                    contextlib.suppress(Exception),
                    cleanup(),
                ):  # why we stopped matters more than this
                    self.client.request(
                        "PUT", str(submitted["cancel_url"]), headers=self._headers()
                    )
        response = self.with_retries(
            call,
            lambda: self.request(
                "GET", str(submitted["response_url"]), "result", headers=self._headers()
            ),
        )
        result = self.json(response, "result")
        if not isinstance(result, dict):
            raise PermanentProviderError(
                "fal.ai's result is not an object",
                provider=self.name,
                code="bad_result",
                cost_usd=cost,
            )
        return result, request_id

    def _wait(self, status_url: str, request_id: str, call: Call) -> None:
        """Poll the status URL until 200 ``COMPLETED``; past the deadline it is given up."""
        while True:
            call.check()
            response = self.with_retries(
                call, lambda: self.request("GET", status_url, "status", headers=self._headers())
            )
            data = self.json(response, "status") if response.content else {}
            status = str(data.get("status") or "") if isinstance(data, dict) else ""
            if response.status_code == 200 and status in ("COMPLETED", ""):
                return
            if call.deadline.expired:
                raise PermanentProviderError(
                    f"fal.ai request {request_id} was still {status or 'queued'} after "
                    f"{call.deadline.seconds / 60:.0f} minutes; it was cancelled",
                    provider=self.name,
                    code="deadline",
                )
            self.poll_wait(call)


def _image_size(request: VisualRequest) -> str:
    return "portrait_16_9" if request.target.portrait else "landscape_16_9"


def _output_url(result: dict[str, Any], kind: str) -> str | None:
    if kind == "clip":
        video = result.get("video")
        if isinstance(video, dict) and isinstance(video.get("url"), str):
            return video["url"]
        return None
    images = result.get("images")
    if (
        isinstance(images, list)
        and images
        and isinstance(images[0], dict)
        and isinstance(images[0].get("url"), str)
    ):
        return str(images[0]["url"])
    return None


def _flagged(result: dict[str, Any]) -> bool:
    flags = result.get("has_nsfw_concepts")
    return isinstance(flags, list) and any(flag is True for flag in flags)
