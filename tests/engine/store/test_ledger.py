"""The cost ledger keeps money as integer micro-dollars, so sums are exact."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.engine.store import Store, usd_to_micros


def test_spend_sums_exactly(open_store: Callable[[], Store]) -> None:
    store = open_store()
    project = store.create_project("Talk", None)
    store.record_cost("elevenlabs", 120, 0.1, project_id=project.id, description="line 4")
    store.record_cost("google", 64, 0.2, project_id=project.id)
    store.record_cost("elevenlabs", 999, 5.0, project_id=None, description="voice preview")
    store.close()

    again = open_store()
    assert 0.1 + 0.2 != 0.3  # the float trap the ledger avoids
    assert again.project_spend(project.id) == 0.3
    assert again.project_spend_micros(project.id) == 300_000
    assert again.project_spend(None) == 5.3
    entries = again.ledger(project.id)
    assert [(e.provider, e.units, e.micro_usd, e.description) for e in entries] == [
        ("elevenlabs", 120.0, 100_000, "line 4"),
        ("google", 64.0, 200_000, ""),
    ]
    assert entries[0].usd == 0.1
    assert len(again.ledger(None)) == 3


def test_many_small_costs_do_not_drift(open_store: Callable[[], Store]) -> None:
    store = open_store()
    project = store.create_project("Talk", None)
    for _ in range(1000):
        store.record_cost("google", 1, 0.000016, project_id=project.id)
    assert store.project_spend_micros(project.id) == 16_000
    assert store.project_spend(project.id) == 0.016


def test_an_empty_ledger_spends_nothing(open_store: Callable[[], Store]) -> None:
    store = open_store()
    project = store.create_project("Talk", None)
    assert store.project_spend(project.id) == 0.0
    assert store.ledger(project.id) == []


def test_usd_to_micros_rounds_from_the_decimal_shown() -> None:
    assert usd_to_micros(0.1) == 100_000
    assert usd_to_micros(1e-6) == 1
    assert usd_to_micros(0.0000005) == 0  # half to even
    assert usd_to_micros(0.0000015) == 2
    assert usd_to_micros(12) == 12_000_000
    with pytest.raises(ValueError, match="finite"):
        usd_to_micros(math.nan)
    with pytest.raises(ValueError, match="finite"):
        usd_to_micros(math.inf)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.decimals(min_value=0, max_value=50, places=6), min_size=1, max_size=12))
def test_ledger_sum_equals_the_exact_decimal_sum(tmp_path: Path, amounts: list[Decimal]) -> None:
    with Store.open("sqlite://", assets_dir=tmp_path / "assets") as store:
        project = store.create_project("Talk", None)
        for amount in amounts:
            store.record_cost("elevenlabs", 1, float(amount), project_id=project.id)
        exact = sum(amounts, Decimal(0))
        assert store.project_spend_micros(project.id) == int(exact * 1_000_000)
        assert store.project_spend(project.id) == float(exact)
