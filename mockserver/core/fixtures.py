"""Fixture files: YAML in, validated vendor models out, with exact locations.

A malformed fixture must stop start-up with ``file:line: field: problem`` so
the user can fix it without reading a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class FixtureError(Exception):
    """A fixture or scenario file that cannot be used; the message says where."""


def _node_at(node: yaml.Node, loc: tuple[int | str, ...]) -> yaml.Node:
    """The deepest YAML node along a pydantic error location."""
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    node = value
                    break
            else:
                return node
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return node
    return node


# libyaml's C loader when PyYAML has it: start-up parses ~110 files, and the
# pure-Python loader made that half a second.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlSource:
    """A document's text; its node tree (for line numbers) is only built when an error needs it."""

    def __init__(self, text: str | bytes) -> None:
        self.text = text
        self._node: yaml.Node | None = None

    def line(self, loc: tuple[int | str, ...]) -> str:
        """``":<line>"`` of the deepest node along ``loc`` (empty if unknown)."""
        if self._node is None:
            self._node = yaml.compose(self.text, Loader=_LOADER)
        return f":{_node_at(self._node, loc).start_mark.line + 1}" if self._node is not None else ""


def parse_yaml(text: str | bytes, where: str, what: str = "YAML") -> tuple[Any, YamlSource]:
    try:
        data = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        raise FixtureError(f"{where}{line}: not valid {what}: {exc.problem or exc.context}") from None
    return data, YamlSource(text)


def load_yaml(path: Path) -> tuple[Any, YamlSource]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FixtureError(f"{path}: cannot read: {exc.strerror}") from None
    return parse_yaml(text, str(path))


def validate_file(path: Path, data: Any, source: YamlSource | None, model: type[M]) -> M:
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        lines = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            line = source.line(loc) if source is not None else ""
            field = ".".join(str(p) for p in loc) or "(top level)"
            lines.append(f"{path}{line}: {field}: {err['msg']}")
        raise FixtureError("\n".join(lines)) from None


def load_model(path: Path, model: type[M]) -> M:
    data, node = load_yaml(path)
    return validate_file(path, data, node, model)
