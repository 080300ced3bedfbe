"""The studio: PySide6 panels around the engine. Only this package imports Qt."""
