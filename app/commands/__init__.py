"""Subcommands of ``python main.py``; each module registers itself with the parser."""
