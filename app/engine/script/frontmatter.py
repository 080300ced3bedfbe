"""Reading the YAML front matter safely: size, alias and nesting limits come first.

PyYAML's safe loader still builds whatever a document describes, and a few lines of
anchors and aliases can describe billions of nodes (the "billion laughs"). So the
document is checked in three cheap passes before any Python object is made: the
event stream (nesting depth, alias count), then the composed node graph walked as if
aliases were expanded, with a node budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from app.engine.script.limits import LIMITS

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML was built with it (same results, several times faster)."""


@dataclass
class Problem:
    """A front matter problem located inside the YAML text (0-based line and column)."""

    line: int
    column: int
    message: str


@dataclass
class FrontMatter:
    """The loaded mapping, plus where each key and value sits in the YAML text."""

    data: dict[str, Any] = field(default_factory=dict)
    node: yaml.MappingNode | None = None
    problem: Problem | None = None


def _mark(node_or_event: Any) -> tuple[int, int]:
    mark = getattr(node_or_event, "start_mark", None)
    if mark is None:
        return 0, 0
    return int(mark.line), int(mark.column)


def _too_deep() -> str:
    return (
        f"the front matter nests deeper than {LIMITS.front_matter_depth} levels; "
        "settings never need that, so it was not read. Flatten it."
    )


def _scan_events(text: str) -> Problem | None:
    """Check nesting depth and alias count from the event stream, which builds nothing."""
    depth = 0
    aliases = 0
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > LIMITS.front_matter_depth:
                line, col = _mark(event)
                return Problem(line, col, _too_deep())
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > LIMITS.front_matter_aliases:
                line, col = _mark(event)
                return Problem(
                    line,
                    col,
                    f"the front matter uses more than {LIMITS.front_matter_aliases} YAML aliases (*name); "
                    "it was not read. Write the values out instead of referring to anchors.",
                )
    return None


def _expanded_size(root: yaml.Node) -> int:
    """Count nodes as if every alias were copied out, stopping once over budget."""
    count = 0
    stack: list[yaml.Node] = [root]
    while stack:
        node = stack.pop()
        count += 1
        if count > LIMITS.front_matter_nodes:
            return count
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append(key)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return count


def load_front_matter(text: str) -> FrontMatter:
    """Load front matter YAML into a dict, or report the first problem with its place."""
    size = len(text.encode("utf-8", errors="replace"))
    if size > LIMITS.front_matter_bytes:
        return FrontMatter(
            problem=Problem(
                0,
                0,
                f"the front matter is {size // 1024} KB; the limit is "
                f"{LIMITS.front_matter_bytes // 1024} KB, so it was not read. "
                "Keep only the settings between the --- lines.",
            )
        )
    if not text.strip():
        return FrontMatter()
    try:
        problem = _scan_events(text)
        if problem is not None:
            return FrontMatter(problem=problem)
        loader = _LOADER(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return FrontMatter()
            if _expanded_size(node) > LIMITS.front_matter_nodes:
                return FrontMatter(
                    problem=Problem(
                        0,
                        0,
                        "the front matter's aliases expand to more than "
                        f"{LIMITS.front_matter_nodes} values; it was not read. "
                        "Write the settings out plainly.",
                    )
                )
            if not isinstance(node, yaml.MappingNode):
                line, col = _mark(node)
                return FrontMatter(
                    problem=Problem(
                        line,
                        col,
                        "the front matter must be `key: value` lines (like `title: My video`), "
                        "but this is not a list of settings.",
                    )
                )
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        last = max(0, len(text.rstrip("\n").split("\n")) - 1)
        mark = exc.problem_mark or exc.context_mark
        if mark is not None and mark.line > last and exc.context_mark is not None:
            mark = exc.context_mark  # "found end of stream": point at what was left open
        line = min(mark.line, last) if mark is not None else 0
        col = mark.column if mark is not None and mark.line <= last else 0
        what = exc.problem or exc.context or "it is not valid YAML"
        if "nesting depth" in what:  # libyaml's own guard fired before our event count did
            return FrontMatter(problem=Problem(line, col, _too_deep()))
        return FrontMatter(
            problem=Problem(
                line,
                col,
                f"the front matter is not valid YAML ({what}). "
                "Check the indentation and that each setting is `key: value`; "
                "quote values that contain ': ' or start with a special character.",
            )
        )
    except (yaml.YAMLError, RecursionError, ValueError, TypeError, OverflowError) as exc:
        return FrontMatter(
            problem=Problem(
                0,
                0,
                f"the front matter could not be read ({type(exc).__name__}: {exc}). "
                "Write it as simple `key: value` lines.",
            )
        )
    if not isinstance(data, dict):
        return FrontMatter(problem=Problem(0, 0, "the front matter must be `key: value` lines."))
    return FrontMatter(data=data, node=node)


def key_position(node: yaml.Node | None, *path: str, value: bool = False) -> tuple[int, int] | None:
    """0-based (line, column) of a key (or its value) along ``path`` in the composed YAML."""
    current: yaml.Node | None = node
    pos: tuple[int, int] | None = None
    for i, name in enumerate(path):
        if not isinstance(current, yaml.MappingNode):
            return pos
        found = False
        for key_node, value_node in current.value:
            if isinstance(key_node, yaml.ScalarNode) and str(key_node.value) == name:
                last = i == len(path) - 1
                pos = _mark(value_node if (value and last) else key_node)
                current = value_node
                found = True
                break
        if not found:
            return pos
    return pos


def value_node(node: yaml.Node | None, *path: str) -> yaml.Node | None:
    """The composed value node along ``path``, if present."""
    current: yaml.Node | None = node
    for name in path:
        if not isinstance(current, yaml.MappingNode):
            return None
        nxt = None
        for key_node, value in current.value:
            if isinstance(key_node, yaml.ScalarNode) and str(key_node.value) == name:
                nxt = value
                break
        if nxt is None:
            return None
        current = nxt
    return current
