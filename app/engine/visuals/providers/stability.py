"""Stability AI: stills from Stable Image Core (or Ultra).

``POST /v2beta/stable-image/generate/core`` as multipart form fields (``prompt``,
``negative_prompt``, ``aspect_ratio``, ``seed``, ``output_format``) with
``Accept: application/json``; the answer is ``{"image": "<base64>", "finish_reason",
"seed"}``. ``CONTENT_FILTERED`` (or a 403 from content moderation) is a safety refusal:
not retried, not charged. Core costs $0.03 a picture, Ultra $0.08.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from app.engine.visuals.providers.base import (
    Call,
    PermanentProviderError,
    SafetyRefused,
    VisualOutput,
    VisualRequest,
    register,
)
from app.engine.visuals.providers.http import HttpProvider, image_suffix

USD_PER_IMAGE = {"core": 0.03, "ultra": 0.08}


@register
class StabilityProvider(HttpProvider):
    """Stills from Stable Image; needs ``STABILITY_API_KEY`` or a keyring entry."""

    name = "stability"
    label = "Stability AI"
    kinds = frozenset({"still"})
    key_name = "stability"
    url_env = "CASTLINE_STABILITY_URL"
    default_url = "https://api.stability.ai"
    description = "generated stills (Stable Image Core)"

    @property
    def service(self) -> str:
        return str(self.options.get("service", "core"))

    def model_id(self, request: VisualRequest) -> str:
        return f"stable-image-{self.service}"

    def estimate_cost(self, request: VisualRequest) -> float:
        return USD_PER_IMAGE.get(self.service, USD_PER_IMAGE["ultra"])

    def generate(self, request: VisualRequest, call: Call) -> VisualOutput:
        call.check()
        fields: dict[str, Any] = {
            "prompt": request.prompt,
            "negative_prompt": "text, watermark, logo",
            "aspect_ratio": request.target.aspect,
            "output_format": "png",
        }
        if request.seed is not None:
            fields["seed"] = str(request.seed)
        headers = {"Authorization": f"Bearer {self.need_key()}", "Accept": "application/json"}
        form = {
            name: (None, str(value)) for name, value in fields.items()
        }  # multipart fields, no files
        response = self.request(
            "POST",
            f"/v2beta/stable-image/generate/{self.service}",
            "image request",
            files=form,
            headers=headers,
        )
        data = self.json(response, "image")
        if not isinstance(data, dict):
            raise PermanentProviderError(
                "Stability answered without a picture", provider=self.name, code="no_output"
            )
        if data.get("finish_reason") == "CONTENT_FILTERED":
            raise SafetyRefused(
                "Stability's content filter refused the picture; reword the visual's prompt",
                provider=self.name,
                code="content_filtered",
            )
        try:
            picture = base64.b64decode(str(data["image"]), validate=True)
        except (KeyError, binascii.Error) as exc:
            raise PermanentProviderError(
                "Stability answered without a picture", provider=self.name, code="no_output"
            ) from exc
        seed = int(data["seed"]) if str(data.get("seed", "")).isdigit() else request.seed
        return VisualOutput(
            kind="still",
            model=self.model_id(request),
            data=picture,
            suffix=image_suffix(picture),
            prompt_sent=request.prompt,
            seed=seed,
            cost_usd=self.estimate_cost(request),
            billed_units=1,
        )
