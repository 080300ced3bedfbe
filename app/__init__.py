"""Castline: a desktop studio that turns a Markdown script into a narrated video."""

__version__ = "0.1.0"
APP_NAME = "Castline"
