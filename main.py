"""Castline's entry point: no arguments opens the studio; subcommands run the engine."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
