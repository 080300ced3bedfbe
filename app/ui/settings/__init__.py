"""Preferences: API keys (in the OS keyring), budget, default voices, output folder."""
