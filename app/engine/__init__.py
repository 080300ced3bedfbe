"""The engine: everything Castline does, with no Qt, so CLI, tests and studio share it."""
