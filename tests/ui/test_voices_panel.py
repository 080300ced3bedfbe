"""The Voices panel shows what the front matter says, and a click changes only what it changes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDoubleSpinBox, QStyle, QStyleOptionSpinBox
from pytestqt.qtbot import QtBot

from app.ui.main_window import MainWindow

ALICE = (
    "  ALICE: { voice: elevenlabs/21m00Tcm4TlvDq8ikWAM, fallback: local/joe, "
    "speed: 1.05, stability: 0.5 }"
)


def _retype_front_matter(window: MainWindow, old: str, new: str) -> None:
    text = window.editor.toPlainText()
    assert old in text
    window.editor.setPlainText(text.replace(old, new))
    window.document.parse_now()


def _click_up_arrow(box: QDoubleSpinBox) -> None:
    opt = QStyleOptionSpinBox()
    box.initStyleOption(opt)
    rect = box.style().subControlRect(
        QStyle.ComplexControl.CC_SpinBox, opt, QStyle.SubControl.SC_SpinBoxUp, box
    )
    QTest.mouseClick(box, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center())


def test_speed_typed_in_the_front_matter_shows_in_the_panel(
    qtbot: QtBot, studio: MainWindow
) -> None:
    _retype_front_matter(
        studio, "NARRATOR: { voice: local/joe }", "NARRATOR: { voice: local/joe, speed: 1.3 }"
    )
    row = studio.voices.rows["NARRATOR"]
    assert abs(row.speed.value() - 1.3) < 1e-9
    assert abs(studio.voices.rows["ALICE"].stability.value() - 0.5) < 1e-9


def test_an_unknown_voice_is_shown_as_written_with_its_problem(
    qtbot: QtBot, studio: MainWindow
) -> None:
    _retype_front_matter(studio, "NARRATOR: { voice: local/joe }", "NARRATOR: { voice: nope/x }")
    row = studio.voices.rows["NARRATOR"]
    assert (row.provider.currentText(), row.voice.currentText()) == ("nope", "x")
    assert "unknown provider" in row.problem.text() and row.problem.isVisibleTo(row)
    assert "voice: nope/x" in studio.editor.toPlainText()  # showing it rewrote nothing


def test_one_click_on_speed_steps_from_the_written_value_and_keeps_the_rest(
    qtbot: QtBot, studio: MainWindow
) -> None:
    _retype_front_matter(studio, ALICE, ALICE.replace("speed: 1.05", "speed: 1.3"))
    row = studio.voices.rows["ALICE"]
    studio.focus_panel("voices")
    row.speed.show()
    _click_up_arrow(row.speed)
    line = next(x for x in studio.editor.toPlainText().split("\n") if x.startswith("  ALICE:"))
    assert "speed: 1.35" in line
    assert "stability: 0.5" in line and "fallback: local/joe" in line
    assert "voice: elevenlabs/21m00Tcm4TlvDq8ikWAM" in line


def test_the_scripts_budget_is_the_one_shown(qtbot: QtBot, studio: MainWindow) -> None:
    qtbot.waitUntil(lambda: "budget" in studio.voices.cost.text(), timeout=10000)
    assert "budget $2.50" in studio.voices.cost.text()
    assert "$10.00" not in studio.voices.cost.text()
