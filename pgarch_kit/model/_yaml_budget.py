"""A YAML loader with a budget: design files are untrusted input.

PyYAML's composer shares one node for every ``*alias`` of an ``&anchor``, so composing is
cheap, but everything that walks the result (the design reader, merge keys, the constructor)
visits each alias again: nine nested levels of nine aliases — a 500-byte file — are 9**9
nodes to walk, minutes and gigabytes. And the composer recurses once per nesting level, so a
file of ``[[[[…`` ends in a raw ``RecursionError``.

:class:`BudgetLoader` bounds both *while composing*, before anything is expanded: it keeps, for
every composed node, the number of nodes it stands for once aliases are expanded and the depth
below it (plain arithmetic on the shared nodes, so counting costs no more than reading), and
stops with :class:`YamlBudgetError` (a marked YAML error: it carries the line) as soon as

- aliases would add more than :data:`MAX_ALIAS_NODES` nodes to what the file itself writes, or
- nesting, aliases included, goes deeper than :data:`MAX_DEPTH` levels.

Real designs use a handful of anchors (``<<: *audit_columns``) and are about eight levels deep,
far inside both limits; ``benchmarks/yaml_limits.py`` measures the refusals.
"""
from __future__ import annotations

from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, SequenceNode

__all__ = ["MAX_ALIAS_NODES", "MAX_DEPTH", "BudgetLoader", "YamlBudgetError", "compose"]

MAX_ALIAS_NODES = 50_000  # nodes aliases may add beyond those written in the file
MAX_DEPTH = 64            # nesting levels (a design is about 8 deep)


class YamlBudgetError(yaml.MarkedYAMLError):
    """The YAML text exceeds the alias or nesting budget; ``problem_mark`` is where."""

    def __init__(self, problem: str, fix: str, mark: Any) -> None:
        super().__init__(problem=problem, problem_mark=mark)
        self.fix = fix


class BudgetLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` whose composer counts expanded nodes and depth as it goes."""

    max_alias_nodes = MAX_ALIAS_NODES
    max_depth = MAX_DEPTH

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._size: dict[int, int] = {}    # id(node) -> nodes it stands for, aliases expanded
        self._height: dict[int, int] = {}  # id(node) -> levels below it, aliases expanded
        self._written = 0                  # nodes composed from the text itself
        self._depth = 0

    # The scanner looks ahead up to 1024 characters for a possible simple key and checks every
    # open flow level at each token, so 500 ``[`` cost it ~0.4 s before the composer sees
    # the depth: count levels where they open, in the scanner, too.
    def fetch_flow_collection_start(self, token_class: Any) -> None:
        if self.flow_level >= self.max_depth:
            self._too_deep(self.get_mark())
        super().fetch_flow_collection_start(token_class)

    def add_indent(self, column: int) -> bool:
        if len(self.indents) >= self.max_depth:
            self._too_deep(self.get_mark())
        return super().add_indent(column)

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(AliasEvent):
            event = self.peek_event()
            node = super().compose_node(parent, index)  # raises on an undefined alias
            if self._depth + self._height.get(id(node), 0) > self.max_depth:
                self._too_deep(event.start_mark)
            return node
        mark = self.peek_event().start_mark
        self._depth += 1
        if self._depth > self.max_depth:
            self._too_deep(mark)
        node = super().compose_node(parent, index)
        self._depth -= 1
        self._written += 1
        if isinstance(node, SequenceNode):
            children: list[Node] = list(node.value)
        elif isinstance(node, MappingNode):
            children = [n for pair in node.value for n in pair]
        else:
            children = []
        self._size[id(node)] = 1 + sum(self._size.get(id(c), 1) for c in children)
        self._height[id(node)] = 1 + max((self._height.get(id(c), 0) for c in children),
                                         default=0)
        if self._size[id(node)] - self._written > self.max_alias_nodes:
            raise YamlBudgetError(
                f"aliases (*name) expand this part to {self._size[id(node)]:,} nodes, more "
                f"than the {self.max_alias_nodes:,} extra nodes a design file may get from "
                "aliases (a nested-alias 'billion laughs' file looks like this)",
                "write the repeated parts out, or reuse anchors without nesting aliases "
                "inside anchors", mark)
        return node

    def _too_deep(self, mark: Any) -> None:
        raise YamlBudgetError(
            f"the YAML nests deeper than {self.max_depth} levels (aliases included); a "
            "design is about 8 levels deep",
            "flatten the nesting: a design file has tables, their columns and their "
            "options, nothing deeper", mark)


def compose(text: str) -> Node | None:
    """Compose ``text`` (one YAML document) into nodes within the budget."""
    loader = BudgetLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()
