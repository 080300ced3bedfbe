"""Castline's entry point: no arguments opens the studio; subcommands run the engine."""

import sys

if __name__ == "__main__":
    try:
        from app.cli import main
    except KeyboardInterrupt:  # Ctrl+C while the app loads: no traceback
        sys.exit(130)
    sys.exit(main())
