"""The visual tests' fixtures (fakes, keys, store, clock) serve the language-model tests too."""

from tests.engine.visuals.conftest import (  # noqa: F401 - fixtures are found by name
    FakeClock,
    clock,
    make_generator,
    store,
)
