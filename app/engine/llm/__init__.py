"""The language model: one OpenAI-compatible chat client with schema-checked answers, the
instructions and schemas it is sent, prompt enhancement for visuals, and script drafts.

Configured by a base URL and a model (``llm.json`` or ``CASTLINE_LLM_URL`` and
``CASTLINE_LLM_MODEL``), so OpenAI, Ollama, LM Studio, llama.cpp and vLLM all work.
"""

from app.engine.llm.client import ChatClient, LLMError, Reply, Usage, parse_answer
from app.engine.llm.draft import Draft, DraftFailed, draft_script
from app.engine.llm.enhance import LLMWriter, writer_from_settings
from app.engine.llm.schemas import DraftScript, VisualPrompt, strict_schema
from app.engine.llm.settings import LLMSettings, LLMSettingsError, llm_key, load_llm_settings

__all__ = [
    "ChatClient",
    "Draft",
    "DraftFailed",
    "DraftScript",
    "LLMError",
    "LLMSettings",
    "LLMSettingsError",
    "LLMWriter",
    "Reply",
    "Usage",
    "VisualPrompt",
    "draft_script",
    "llm_key",
    "load_llm_settings",
    "parse_answer",
    "strict_schema",
    "writer_from_settings",
]
