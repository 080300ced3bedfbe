"""OpenAI Images: stills from ``POST /v1/images/generations`` (GPT image models).

``Authorization: Bearer``; the answer carries the picture base64 in ``data[0].b64_json``
(GPT image models always answer so). ``1536x1024`` for 16:9 videos, ``1024x1536`` for
Shorts; ``quality`` low by default (about $0.016 a picture at that size). A prompt the
safety system rejects answers 400 ``moderation_blocked``: refused, not retried.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from app.engine.visuals.providers.base import (
    Call,
    PermanentProviderError,
    VisualOutput,
    VisualRequest,
    register,
)
from app.engine.visuals.providers.http import HttpProvider, image_suffix

USD_PER_IMAGE = {"low": 0.016, "medium": 0.063, "high": 0.25}
"""At 1536x1024 (1.5 times the 1024x1024 prices in api-contracts.md)."""


@register
class OpenAIImagesProvider(HttpProvider):
    """Stills from OpenAI's image models; needs ``OPENAI_API_KEY`` or a keyring entry."""

    name = "openai"
    label = "OpenAI Images"
    kinds = frozenset({"still"})
    key_name = "openai"
    url_env = "CASTLINE_OPENAI_URL"
    default_url = "https://api.openai.com"
    description = "generated stills (gpt-image-1)"

    @property
    def model(self) -> str:
        return str(self.options.get("model", "gpt-image-1"))

    @property
    def quality(self) -> str:
        return str(self.options.get("quality", "low"))

    def model_id(self, request: VisualRequest) -> str:
        return f"{self.model}:{self.quality}"

    def estimate_cost(self, request: VisualRequest) -> float:
        return USD_PER_IMAGE.get(self.quality, USD_PER_IMAGE["high"])

    def _path(self) -> str:
        return "/images/generations" if self.base_url.endswith("/v1") else "/v1/images/generations"

    def generate(self, request: VisualRequest, call: Call) -> VisualOutput:
        call.check()
        body: dict[str, Any] = {
            "model": self.model,
            "prompt": request.prompt,
            "n": 1,
            "size": "1024x1536" if request.target.portrait else "1536x1024",
            "quality": self.quality,
            "output_format": "png",
        }
        headers = {"Authorization": f"Bearer {self.need_key()}"}
        data = self.json(
            self.request("POST", self._path(), "image request", json=body, headers=headers), "image"
        )
        try:
            encoded = data["data"][0]["b64_json"]
            picture = base64.b64decode(encoded, validate=True)
        except (KeyError, IndexError, TypeError, binascii.Error) as exc:
            raise PermanentProviderError(
                "OpenAI Images answered without a picture", provider=self.name, code="no_output"
            ) from exc
        cost = self.estimate_cost(request)
        return VisualOutput(
            kind="still",
            model=self.model,
            data=picture,
            suffix=image_suffix(picture),
            prompt_sent=request.prompt,
            seed=None,
            cost_usd=cost,
            billed_units=1,
        )
