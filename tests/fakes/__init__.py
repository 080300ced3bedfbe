"""Fake cloud services for tests: real HTTP servers on 127.0.0.1 that follow api-contracts.md."""
