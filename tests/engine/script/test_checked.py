"""parse_file_checked: the gate before voicing or rendering a script."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.engine.script import ScriptHasErrors, parse_file_checked


def test_a_clean_script_comes_back_parsed(tmp_path: Path) -> None:
    path = tmp_path / "ok.md"
    path.write_text("# Film\n\n## One\n\nHello there.\n", encoding="utf-8")
    assert parse_file_checked(path, "rendering").title == "Film"


def test_errors_are_listed_in_the_compilers_form(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_text("# Film\n\n## One\n\n![x](missing.png)\n", encoding="utf-8")
    with pytest.raises(ScriptHasErrors) as caught:
        parse_file_checked(path, "rendering")
    message = str(caught.value)
    assert message.startswith(f"{path} has errors to fix before rendering:")
    assert f"{path}:5:" in message and "missing.png" in message
    assert [d.line for d in caught.value.errors] == [5]


def test_only_the_first_ten_errors_are_shown(tmp_path: Path) -> None:
    path = tmp_path / "many.md"
    path.write_text(
        "# Film\n\n## One\n\n" + "".join(f"![x](m{i}.png)\n\n" for i in range(12)), encoding="utf-8"
    )
    with pytest.raises(ScriptHasErrors) as caught:
        parse_file_checked(path, "synthesizing")
    assert len(caught.value.errors) == 12
    assert str(caught.value).count("error:") == 10 and "and 2 more" in str(caught.value)


def test_a_missing_file_says_so_plainly(tmp_path: Path) -> None:
    with pytest.raises(ScriptHasErrors, match="no such script file"):
        parse_file_checked(tmp_path / "nowhere.md", "rendering")
