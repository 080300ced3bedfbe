"""``draft``: a topic in, a complete Castline script out, written by the language model.

``python main.py draft "TOPIC" -o script.md [--audience WHO] [--minutes N] [--characters A,B]``
The draft is checked by Castline's parser and sent back to the model with the problems
until it is valid (a few tries at most); the file is written only then.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli import UserError
from app.engine.files import write_text
from app.engine.secrets import install_redaction


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "draft",
        help="write a complete script about a topic with the language model",
        description="Needs a language model: CASTLINE_LLM_URL and CASTLINE_LLM_MODEL (e.g. a local Ollama at "
        "http://localhost:11434/v1), or llm.json in the config folder; the key comes from the keyring, "
        "CASTLINE_LLM_KEY or OPENAI_API_KEY.",
    )
    parser.add_argument("topic", help="what the video is about")
    parser.add_argument("-o", "--output", type=Path, required=True, help="the .md file to write")
    parser.add_argument("--audience", help="who it is for (e.g. 'new Linux users')")
    parser.add_argument("--minutes", type=float, help="about how long the narration should run")
    parser.add_argument(
        "--characters", help="speakers besides the narrator, comma-separated (e.g. ALICE,BOB)"
    )
    parser.add_argument(
        "--tries", type=int, default=4, help="drafts to ask for before giving up (default 4)"
    )
    parser.add_argument(
        "--force", action="store_true", help="overwrite the output file if it exists"
    )
    parser.set_defaults(func=cmd_draft)


def cmd_draft(args: argparse.Namespace) -> int:
    install_redaction()
    from app.engine.llm import (
        ChatClient,
        LLMError,
        LLMSettingsError,
        draft_script,
        load_llm_settings,
    )
    from app.engine.llm.settings import settings_path

    output: Path = args.output
    if output.suffix.lower() != ".md":
        raise UserError(f"{output}: a script is a Markdown file; name it something.md")
    if output.exists() and not args.force:
        raise UserError(f"{output} exists; choose another name or add --force to replace it")
    if args.minutes is not None and not 0 < args.minutes <= 60:
        raise UserError("--minutes must be between 0 and 60")
    if args.tries < 1:
        raise UserError("--tries must be at least 1")
    characters = [c.strip().upper() for c in (args.characters or "").split(",") if c.strip()]
    try:
        settings = load_llm_settings()
    except LLMSettingsError as exc:
        raise UserError(str(exc)) from exc
    if not settings.configured:
        raise UserError(
            "no language model is set: set CASTLINE_LLM_MODEL (and CASTLINE_LLM_URL for a local server such as "
            f"http://localhost:11434/v1), or write {settings_path()}"
        )
    client = ChatClient(settings)
    try:
        draft = draft_script(
            args.topic,
            client,
            audience=args.audience,
            minutes=args.minutes,
            characters=characters,
            max_tries=args.tries,
        )
    except LLMError as exc:
        raise UserError(str(exc)) from exc
    finally:
        client.close()
    write_text(output, draft.text)
    tries = "first try" if draft.tries == 1 else f"{draft.tries} tries"
    print(
        f"wrote {output} ({len(draft.text.splitlines())} lines, {settings.describe()}, valid on the {tries})"
    )
    for warning in draft.warnings:
        print(f"{output}: {warning}")
    return 0
