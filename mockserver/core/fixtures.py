"""Fixture files: YAML in, validated vendor models out, with exact locations.

A malformed fixture must stop start-up with ``file:line: field: problem`` so
the user can fix it without reading a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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
_LOADER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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


# A document nested deeper than this is refused before a tree is built:
# libyaml composes recursively in C, and ~100,000 levels (200 KB of "[")
# crash the interpreter; real fixtures and scenarios nest fewer than 10.
MAX_DEPTH = 64
# Where aliases are allowed (fixture files), the document they expand to is
# bounded: a few hundred bytes of nested aliases ("billion laughs") otherwise
# become hundreds of MB once validated.  The shipped fixtures have under 300 nodes each.
MAX_NODES = 200_000
# A document without aliases (every scenario, which may come from the network)
# is bounded more tightly: reading and validating costs ~6 us a value, on the
# server's one event loop, so 20,000 values keep a hostile 1 MiB body to about
# a tenth of a second.  The shipped scenarios hold under 50 values each.
MAX_VALUES = 20_000
# Validation problems reported per document: each one is located in the YAML
# tree, and 1 MiB of unknown keys would otherwise be a 20,000-line answer
# (built in quadratic time).
MAX_PROBLEMS = 10


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().split("\n", 1)[0]


def _refuse(where: str, event: yaml.Event, problem: str) -> FixtureError:
    mark = event.start_mark  # set on every event the parser reports (typed optional)
    return FixtureError(f"{where}{f':{mark.line + 1}' if mark is not None else ''}: {problem}")


def _check_events(text: str, where: str, aliases: bool) -> None:
    """Walks libyaml's event stream (no tree yet) and stops at the first event that is refused.

    Refused: aliases (unless ``aliases``; then their expansion is bounded and
    a cycle refused), nesting beyond ``MAX_DEPTH`` and a key repeated in one
    mapping (YAML keeps the last one silently, which hides typos).
    """
    loader = _LOADER(text)
    frames: list[tuple[set[tuple[str, bool]], list[bool]] | None] = []  # per open collection: (keys, [expect key]) for mappings
    opened: list[tuple[str | None, int]] = []  # per open collection: (anchor, node count at its start)
    sizes: dict[str | None, int] = {}  # anchor -> nodes it expands to (PyYAML types an anchor str | None)
    nodes = 0
    limit = MAX_NODES if aliases else MAX_VALUES
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.CollectionEndEvent):
                frames.pop()
                anchor, start = opened.pop()
                if anchor is not None:
                    sizes[anchor] = nodes - start
                continue
            if not isinstance(event, yaml.NodeEvent):
                continue  # stream and document boundaries
            parent = frames[-1] if frames else None
            if parent is not None:
                keys, expect = parent
                if expect[0] and isinstance(event, yaml.ScalarEvent):
                    key = (event.value, event.implicit[0])
                    if key in keys:
                        raise _refuse(where, event, f"key {event.value!r} appears twice in one mapping")
                    keys.add(key)
                expect[0] = not expect[0]
            if isinstance(event, yaml.AliasEvent):
                if not aliases:
                    raise _refuse(where, event, f"YAML aliases (*{event.anchor}) are not allowed: write the value out")
                size = sizes.get(event.anchor)
                if size is None:
                    raise _refuse(where, event, f"alias *{event.anchor} refers to a node that contains it (a cycle)")
                nodes += size
            else:
                nodes += 1
                if isinstance(event, yaml.CollectionStartEvent):
                    if len(frames) >= MAX_DEPTH:
                        raise _refuse(where, event, f"nested more than {MAX_DEPTH} levels deep")
                    frames.append((set(), [True]) if isinstance(event, yaml.MappingStartEvent) else None)
                    opened.append((event.anchor, nodes - 1))
                elif event.anchor is not None:
                    sizes[event.anchor] = 1
            if nodes > limit:
                if aliases:
                    raise _refuse(where, event, f"the document expands to more than {MAX_NODES:,} values (aliases)")
                raise _refuse(where, event, f"the document holds more than {MAX_VALUES:,} values")
    finally:
        loader.dispose()


def _decoded(raw: bytes, where: str) -> str:
    # Decoded here rather than by libyaml, whose message for a bad byte is "#x-001".
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise FixtureError(f"{where}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})") from None


def parse_yaml(text: str | bytes, where: str, what: str = "YAML", aliases: bool = False) -> tuple[Any, YamlSource]:
    """``text`` as Python data; every problem is a ``FixtureError`` of one line per problem, never a traceback."""
    if isinstance(text, bytes):
        text = _decoded(text, where)
    try:
        _check_events(text, where, aliases)
        data = yaml.load(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        problem = exc.problem or exc.context or ""
        if "nesting depth" in problem:  # PyYAML >= 6.0.4 has a depth limit of its own: one message whichever fires first
            raise FixtureError(f"{where}{line}: nested more than {MAX_DEPTH} levels deep") from None
        raise FixtureError(f"{where}{line}: not valid {what}: {problem}") from None
    except yaml.YAMLError as exc:  # the reader: bad encoding, control characters
        position = getattr(exc, "position", None)
        line = f":{text.count(chr(10), 0, position) + 1}" if isinstance(position, int) else ""
        raise FixtureError(f"{where}{line}: not valid {what}: {_first_line(exc)}") from None
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        # A scalar the safe constructor cannot build (2024-13-45, `!!int x`, an
        # integer of 5,000 digits): PyYAML raises these unmarked.
        raise FixtureError(f"{where}: not valid {what}: a value cannot be read: {_first_line(exc).split(';')[0]}") from None
    return data, YamlSource(text)


def load_yaml(path: Path, aliases: bool = False) -> tuple[Any, YamlSource]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FixtureError(f"{path}: cannot read: {exc.strerror}") from None
    return parse_yaml(raw, str(path), aliases=aliases)


def validated(model: type[M], data: Any, explain: Callable[[ValidationError], str]) -> M:
    """``data`` as ``model``; a failure is a ``FixtureError`` whose text ``explain`` writes.

    The one place where fixtures, scenarios and a vendor's default fixture meet
    pydantic's errors (requests have theirs in core.validation).
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise FixtureError(explain(exc)) from None


# pydantic's words for its own internals, said in the file's terms instead: a
# mapping is what YAML writes as `key: value`, and model class names mean nothing to a user.
_INSTANCE_OF = re.compile(r"(?: or)? (?:an )?instance of \w+")


def _user_loc(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """A location without the tagged unions' tags: ``delay.uniform.uniform.1`` -> ``delay.uniform.1``.

    A tag names the member it picked ("value" for a plain scalar); the field
    after it says the same again, or nothing at all.
    """
    out: list[int | str] = []
    for i, part in enumerate(loc):
        if out and part == out[-1]:
            continue
        if part == "value" and i == len(loc) - 1 and out:  # a scalar member's tag, never a field of ours at the end
            continue
        out.append(part)
    return tuple(out)


def _user_words(message: str) -> str:
    message = message.replace("a valid dictionary", "a mapping ({key: value})").replace("a valid tuple", "a list ([a, b])")
    return _INSTANCE_OF.sub("", message)


def validate_file(path: Path, data: Any, source: YamlSource | None, model: type[M]) -> M:
    def explain(exc: ValidationError) -> str:
        lines = []
        for err in exc.errors(include_url=False)[:MAX_PROBLEMS]:
            loc = tuple(err["loc"])
            line = source.line(loc) if source is not None else ""
            field = ".".join(str(p) for p in _user_loc(loc)) or "(top level)"
            lines.append(f"{path}{line}: {field}: {_user_words(err['msg'])}")
        more = exc.error_count() - len(lines)
        if more > 0:
            lines.append(f"{path}: ... and {more:,} more problem{'s' if more > 1 else ''}")
        return "\n".join(lines)

    return validated(model, data if data is not None else {}, explain)


def load_model(path: Path, model: type[M]) -> M:
    """A fixture file: anchors and aliases allowed (bounded), as hand-written fixtures may share parts."""
    data, node = load_yaml(path, aliases=True)
    return validate_file(path, data, node, model)
