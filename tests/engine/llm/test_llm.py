"""The chat client, prompt enhancement and drafts against a fake OpenAI-compatible server."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.cli import main
from app.engine import paths
from app.engine.llm import (
    ChatClient,
    DraftFailed,
    LLMError,
    VisualPrompt,
    draft_script,
    load_llm_settings,
    strict_schema,
)
from app.engine.llm.enhance import LLMWriter, in_narration_order
from app.engine.llm.writer import Brief
from app.engine.net.retry import RetryPolicy
from app.engine.store import Store
from tests.conftest import Closing
from tests.engine.visuals.conftest import FakeClock, MakeGenerator, write_script
from tests.fakes.llm import VALID_DRAFT, FakeChat
from tests.fakes.memory_keyring import MemoryKeyring
from tests.fakes.server import Fault
from tests.fakes.stock import FakePexels

LLM_KEY = "sk-llm-test-0123456789abcdef"
BRIEF = Brief(
    line=9,
    prompt="a rocket on the pad",
    styled_prompt="a rocket on the pad, cinematic",
    narration="The engine roars while the launch tower sways.",
    style="cinematic",
    scene_title="Liftoff",
)


@pytest.fixture
def chat(no_keys: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeChat]:
    fake = FakeChat(require_key=LLM_KEY).start()
    monkeypatch.setenv("CASTLINE_LLM_URL", fake.base_url)
    monkeypatch.setenv("CASTLINE_LLM_MODEL", fake.model)
    monkeypatch.setenv("CASTLINE_LLM_KEY", LLM_KEY)
    yield fake
    fake.stop()


MakeClient = Callable[..., ChatClient]


@pytest.fixture
def client(closing: Closing) -> MakeClient:
    """Chat clients with fast retries, closed when the test ends."""

    def make(clock: FakeClock | None = None) -> ChatClient:
        return closing(
            ChatClient(
                load_llm_settings(),
                retry=RetryPolicy(attempts=3, base_delay_s=0.01),
                sleep=clock.sleep if clock else lambda s: None,
            )
        )

    return make


def test_asks_with_a_strict_schema_and_validates_the_answer(
    chat: FakeChat, client: MakeClient
) -> None:
    reply = client().ask(
        [
            {
                "role": "user",
                "content": json.dumps(
                    {"visual_note": "x", "narration": "rockets launch", "style": "noir"}
                ),
            }
        ],
        VisualPrompt,
        name="visual_prompt",
    )
    assert (
        reply.value.prompt.endswith("noir")
        and reply.value.terms == ["launch", "rockets"]
        and reply.asked == 1
    )
    sent = chat.completions()[0]
    assert sent.headers["authorization"] == f"Bearer {LLM_KEY}"
    fmt = sent.body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    assert schema == strict_schema(VisualPrompt)
    assert schema["additionalProperties"] is False and schema["required"] == ["prompt", "terms"]


def test_an_invalid_answer_is_asked_again_once_then_refused(
    chat: FakeChat, client: MakeClient
) -> None:
    chat.invalid_next = 1
    reply = client().ask(
        [
            {
                "role": "user",
                "content": json.dumps(
                    {"visual_note": "x", "narration": "rockets launching", "style": ""}
                ),
            }
        ],
        VisualPrompt,
        name="visual_prompt",
    )
    assert reply.asked == 2 and reply.usage.prompt_tokens == 240
    second = chat.completions()[1].body["messages"]
    assert second[-2]["role"] == "assistant" and "not valid" in second[-1]["content"]
    chat.invalid_next, chat.wrong_shape_next = 1, 1
    with pytest.raises(LLMError, match="invalid visual_prompt JSON"):
        client().ask([{"role": "user", "content": "{}"}], VisualPrompt, name="visual_prompt")


def test_a_server_without_json_schema_gets_the_schema_in_its_instructions(
    chat: FakeChat, client: MakeClient
) -> None:
    chat.schema_unsupported = True
    reply = client().ask(
        [
            {
                "role": "user",
                "content": json.dumps(
                    {"visual_note": "a cat", "narration": "kittens sleeping", "style": ""}
                ),
            }
        ],
        VisualPrompt,
        name="visual_prompt",
    )
    assert reply.value.terms == ["sleeping", "kittens"]
    retry = chat.completions()[-1].body
    assert (
        "response_format" not in retry
        and '"additionalProperties": false' in retry["messages"][0]["content"]
    )


def test_refusals_rate_limits_and_wrong_keys(
    chat: FakeChat, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, client: MakeClient
) -> None:
    chat.inject(
        Fault(status=429, error={"error": {"message": "slow down"}}, headers={"Retry-After": "3"})
    )
    ok = client(clock).ask(
        [
            {
                "role": "user",
                "content": json.dumps(
                    {"visual_note": "x", "narration": "rockets launching", "style": ""}
                ),
            }
        ],
        VisualPrompt,
        name="visual_prompt",
    )
    assert ok.value.terms == ["launching", "rockets"] and 3.0 in clock.sleeps
    chat.refuse_next = 1
    with pytest.raises(LLMError, match="refused: I can't help"):
        client().ask([{"role": "user", "content": "{}"}], VisualPrompt, name="visual_prompt")
    monkeypatch.setenv("CASTLINE_LLM_KEY", "sk-wrong-key-000000")
    with pytest.raises(LLMError, match=r"401.*CASTLINE_LLM_KEY") as caught:
        client().ask([{"role": "user", "content": "{}"}], VisualPrompt, name="visual_prompt")
    assert "sk-wrong-key" not in str(caught.value)


def test_the_settings_file_names_a_local_model_and_the_environment_wins(
    no_keys: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not load_llm_settings().configured
    (paths.config_dir() / "llm.json").write_text(
        json.dumps({"base_url": "http://localhost:11434/v1/", "model": "llama3.1"})
    )
    settings = load_llm_settings()
    assert settings.base_url == "http://localhost:11434/v1" and settings.model == "llama3.1"
    monkeypatch.setenv("CASTLINE_LLM_MODEL", "qwen2.5")
    assert load_llm_settings().model == "qwen2.5"


def test_terms_are_put_in_narration_order() -> None:
    assert in_narration_order(["tower", "engine", "moon"], BRIEF.narration) == [
        "engine",
        "tower",
        "moon",
    ]


def test_enhanced_prompts_carry_the_style_and_are_asked_once(
    tmp_path: Path, chat: FakeChat, pexels: FakePexels, make_generator: MakeGenerator, store: Store
) -> None:
    body = (
        "## Liftoff\n\n> visual: a rocket on the pad\n\nThe rocket engine roars on the launch pad.\n\n"
        "## Servers\n\n> visual: machines\n\nEvery server rack glows in the dark.\n"
    )
    script = write_script(tmp_path, body, "style: cinematic, teal\nvisuals: [pexels]\n")
    plan = make_generator().run(script)
    assert plan.writer == "llm:fake-llama" and len(chat.completions()) == 2
    first = min(plan.prompts)
    assert plan.prompts[first] == "a rocket on the pad, wide shot, dramatic light, cinematic, teal"
    assert plan.terms[first] == (
        "rocket",
        "engine",
    )  # the model listed them backwards  # the model listed them backwards
    assert all(v.provider == "pexels" for v in plan.visuals.values())
    chat.clear()
    make_generator().run(script)
    assert chat.completions() == []  # stored: never asked again for the same input
    edited = write_script(
        tmp_path,
        body.replace("> visual: machines", "> visual: blinking lights"),
        "style: cinematic, teal\nvisuals: [pexels]\n",
    )
    make_generator().estimate(edited)
    assert chat.completions() == []  # an estimate asks nobody
    make_generator().run(edited)
    assert len(chat.completions()) == 1


def test_when_the_model_fails_the_prompt_is_used_as_written(
    tmp_path: Path, chat: FakeChat, pexels: FakePexels, make_generator: MakeGenerator
) -> None:
    chat.invalid_next = 2
    script = write_script(
        tmp_path,
        "## One\n\n> visual: a rocket\n\nThe rocket launch begins.\n",
        "visuals: [pexels]\n",
    )
    plan = make_generator().run(script)
    line = min(plan.prompts)
    assert plan.prompts[line] == "a rocket" and plan.terms[line]
    assert any("invalid visual_prompt JSON" in n for n in plan.notes[line])
    assert plan.visuals[line].provider == "pexels"


def test_a_writer_stores_its_answers_in_the_project_store(
    chat: FakeChat, store: Store, client: MakeClient
) -> None:
    writer = LLMWriter(client(), store)
    first = writer.write(BRIEF)
    assert first.prompt.endswith("cinematic") and first.terms == ("engine", "roars")
    assert writer.stored(BRIEF) == first and len(chat.completions()) == 1


BROKEN = VALID_DRAFT.replace("## The bulge", "```terminal\n$ echo unclosed\n\n## The bulge")


def test_a_draft_is_sent_back_with_the_parsers_diagnostics_until_valid(
    chat: FakeChat, client: MakeClient
) -> None:
    chat.drafts = [BROKEN, VALID_DRAFT]
    draft = draft_script("tides", client(), audience="children", minutes=2, characters=["ALICE"])
    assert draft.tries == 2 and draft.text.startswith("---\ntitle: How Tides Work")
    first, second = (r.body["messages"] for r in chat.completions())
    assert "Topic: tides" in first[1]["content"] and "about 300 words" in first[1]["content"]
    assert "ALICE" in first[1]["content"]
    assert "never closed" in second[-1]["content"] and "line" in second[-1]["content"]
    chat.drafts = [BROKEN, BROKEN]
    with pytest.raises(DraftFailed) as failed:
        draft_script("tides", client(), max_tries=2)
    assert failed.value.diagnostics and len(chat.completions()) == 4


def test_the_draft_command_writes_a_valid_script(
    tmp_path: Path, chat: FakeChat, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "tides.md"
    assert main(["draft", "how tides work", "-o", str(out), "--minutes", "1"]) == 0
    assert out.read_text() == VALID_DRAFT
    assert "valid on the first try" in capsys.readouterr().out
    assert main(["draft", "again", "-o", str(out)]) == 1
    assert "--force" in capsys.readouterr().err
    assert main(["parse", str(out)]) == 0


def test_the_draft_command_says_how_to_set_a_model(
    tmp_path: Path, no_keys: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["draft", "tides", "-o", str(tmp_path / "t.md")]) == 1
    err = capsys.readouterr().err
    assert "CASTLINE_LLM_MODEL" in err and "llm.json" in err and not (tmp_path / "t.md").exists()
