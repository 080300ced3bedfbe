"""Run every benchmark module and print its figures beside the baseline measured in the same run.

Each ``tests/bench/bench_*.py`` defines ``run() -> list[Figure]``. Figures are printed,
never asserted: speed is reported here, not enforced in tests.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback

from tests.bench.common import Figure, print_figures


def main(argv: list[str]) -> int:
    import tests.bench as pkg

    wanted = set(argv)
    names = sorted(
        m.name for m in pkgutil.iter_modules(pkg.__path__) if m.name.startswith("bench_")
    )
    failures = 0
    for name in names:
        short = name.removeprefix("bench_")
        if wanted and short not in wanted:
            continue
        print(f"\n== {short} ==", flush=True)
        start = time.perf_counter()
        try:
            module = importlib.import_module(f"tests.bench.{name}")
            figures: list[Figure] = module.run()
        except Exception:
            failures += 1
            traceback.print_exc()
            continue
        print_figures(figures)
        print(f"   ({time.perf_counter() - start:.1f} s)", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
