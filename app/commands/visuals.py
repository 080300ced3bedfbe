"""``visuals``: generate or fetch every ``> visual:`` line of a script, like ``synth`` for voices.

``python main.py visuals SCRIPT.md [--budget N] [--provider NAME] [--offline] [--estimate]``
shows a progress bar, then what was made, by whom, from the cache or not, and the cost.
``--estimate`` prints what it would cost and spends nothing; ``--providers`` lists the
providers and whether each has its key.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli import UserError, open_store
from app.commands.progressbar import ProgressBar
from app.engine.jobs.progress import Cancelled, Progress
from app.engine.secrets import install_redaction


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from app.engine.visuals.providers import provider_names

    parser = subparsers.add_parser(
        "visuals",
        help="generate or fetch every visual of a script (cached), with the cost",
        description="Each `> visual:` line gets a generated still or clip, stock footage or your own media, "
        "along the script's `visuals:` chain (or the line's own provider); anything that fails falls back, "
        "ending with the offline procedural background.",
    )
    parser.add_argument("script", type=Path, nargs="?", help="the Markdown script")
    parser.add_argument(
        "--budget", type=float, help="dollars this project may spend in all, voices included"
    )
    parser.add_argument(
        "--provider", choices=provider_names(), help="try this provider first for every visual"
    )
    parser.add_argument(
        "--offline", action="store_true", help="only procedural backgrounds and your own media"
    )
    parser.add_argument(
        "--estimate", action="store_true", help="print what it would cost; spend nothing"
    )
    parser.add_argument(
        "--providers", action="store_true", help="list the visual providers and their keys"
    )
    parser.add_argument(
        "--lines", dest="verbose_lines", action="store_true", help="list every visual and its file"
    )
    parser.set_defaults(func=cmd_visuals)


def cmd_visuals(args: argparse.Namespace) -> int:
    install_redaction()
    if args.providers:
        return _list_providers()
    if args.script is None:
        raise UserError(
            "give the script: python main.py visuals SCRIPT.md (or --providers to list them)"
        )
    from app.engine.script import ScriptHasErrors, parse_file_checked
    from app.engine.visuals.generate import VisualGenerator, VisualOptions

    path: Path = args.script
    try:
        script = parse_file_checked(path, "fetching visuals for")
    except ScriptHasErrors as exc:
        raise UserError(str(exc)) from None
    if args.budget is not None and args.budget < 0:
        raise UserError("--budget cannot be negative")
    store = open_store()
    try:
        options = VisualOptions(
            offline=args.offline, provider=args.provider, budget_usd=args.budget
        )
        generator = VisualGenerator(store, options)
        try:
            if args.estimate:
                return _print_estimate(path, generator.estimate(script))
            progress = Progress()
            bar = ProgressBar(progress, "visuals")
            try:
                plan = generator.run(script, progress)
            except Cancelled:
                raise KeyboardInterrupt from None
            finally:
                bar.close(progress.state())
            spent = store.project_spend(plan.project_id) if plan.project_id else plan.cost_usd
        finally:
            generator.close()
    finally:
        store.close()
    total = len(plan.visuals) + len(plan.drawn)
    used = (
        ", ".join(f"{name} {count}" for name, count in sorted(plan.providers_used.items()))
        or "none"
    )
    print(f"{path}: {total} visuals")
    print(f"  fetched or generated: {plan.generated}")
    print(f"  cache hits:           {plan.cache_hits}")
    print(f"  drawn at render time: {len(plan.drawn)}")
    print(
        f"  providers:            {used}"
        + (f" ({plan.fallbacks} fell back)" if plan.fallbacks else "")
    )
    if plan.writer != "offline":
        print(f"  prompts written by:   {plan.writer}")
    print(
        f"  cost:                 ${plan.cost_usd:.4f} this run (estimated ${plan.estimate_usd:.4f}), "
        f"${spent:.4f} spent on the project of a ${plan.budget_usd:.2f} budget"
    )
    if plan.attributions:
        print(
            f"  stock credits:        {len(plan.attributions)} (added to the video's description)"
        )
    if args.verbose_lines:
        for line in sorted([*plan.visuals, *plan.drawn]):
            visual = plan.for_line(line)
            if visual is None:
                print(f"  line {line:>4} {plan.drawn[line]:<10} drawn by the renderer")
                continue
            note = " (cached)" if visual.cached else f" ${visual.cost_usd:.3f}"
            print(
                f"  line {line:>4} {visual.provider:<10} {visual.kind:<5} {visual.width}x{visual.height} {visual.path}{note}"
            )
    _print_notes(path, plan.notes)
    return 0


def _print_notes(path: Path, notes: dict[int, list[str]]) -> None:
    """Failures per line; notes about providers that were not asked (no key), once each."""
    from app.engine.visuals.plan import is_quiet

    once: list[str] = []
    for line, items in sorted(notes.items()):
        for note in items:
            if is_quiet(note):
                if note not in once:
                    once.append(note)
            else:
                print(f"{path}:{line}: {note}", file=sys.stderr)
    for note in once:
        print(f"note: {note}", file=sys.stderr)


def _print_estimate(path: Path, estimate: object) -> int:
    from app.engine.visuals.plan import Estimate

    assert isinstance(estimate, Estimate)
    print(f"{path}: {len(estimate.lines)} visuals would cost about ${estimate.total_usd:.2f}")
    for name, usd in sorted(estimate.by_provider.items()):
        print(f"  {name:<12} ${usd:.2f}")
    print(
        f"  budget: ${estimate.spent_usd:.2f} of ${estimate.budget_usd:.2f} already spent on the project"
    )
    for planned in estimate.lines:
        how = "cached" if planned.cached else f"${planned.cost_usd:.2f}"
        print(f"  line {planned.line:>4} {planned.provider:<10} {planned.kind:<5} {how}")
        for skipped in planned.skipped:
            if "refused" in skipped:
                print(f"{path}:{planned.line}: {skipped}", file=sys.stderr)
    return 0


def _list_providers() -> int:
    from app.engine.visuals.providers import build_visual_providers, default_chain

    providers = build_visual_providers()
    chain = default_chain()
    for name, provider in providers.items():
        kinds = "/".join(sorted(provider.kinds))
        default = " [default chain]" if name in chain else ""
        print(f"{name:<11} {kinds:<11} {provider.status()}{default}")
        if provider.description:
            print(f"            {provider.description}")
    return 0
