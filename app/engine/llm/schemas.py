"""The answers asked of the model, as pydantic models, and their strict JSON schemas.

One model is one fact: the schema sent in ``response_format`` is generated from it and
every answer is validated by it, so what is asked and what is accepted cannot drift.
Strict schemas (OpenAI's structured outputs) list every property as required and allow
no others; keywords such servers reject (``title``, ``default``) are left out.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

_DROP = {"title", "default"}


class Answer(BaseModel):
    """Base of every answer: unknown fields are an invalid answer, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class VisualPrompt(Answer):
    """One visual, rewritten for a generator, and what to search stock footage for."""

    prompt: str = Field(
        min_length=3,
        max_length=1000,
        description="A concrete, provider-ready image prompt: subject, setting, composition, light; "
        "it must carry the video's style words.",
    )
    terms: list[str] = Field(
        min_length=1,
        max_length=3,
        description="1 to 3 concrete English search terms for stock footage, one or two words each, "
        "taken from the narration, in the order the narration says them.",
    )


class DraftScript(Answer):
    """A complete Castline script."""

    script: str = Field(
        min_length=20, description="The whole script: YAML front matter, then Markdown."
    )


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON schema in strict form: every property required, none extra."""
    return _strict(model.model_json_schema())


def _strict(node: Any) -> Any:
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROP:
            continue
        if key in ("properties", "$defs") and isinstance(value, dict):
            out[key] = {
                name: _strict(schema) for name, schema in value.items()
            }  # names are data, kept as is
        else:
            out[key] = _strict(value)
    if out.get("type") == "object" and isinstance(out.get("properties"), dict):
        out["required"] = list(out["properties"])
        out["additionalProperties"] = False
    return out
