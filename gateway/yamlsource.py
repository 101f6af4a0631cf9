"""YAML loading that remembers where each value came from, so every error names its line.

PyYAML's composed node tree carries marks; we build plain Python data and, beside it, a map from
each path (("devices", 3, "endpoint", "port")) to its line and column. Validation errors from
pydantic come with the same path shape (`loc`), so they translate directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

__all__ = ["Located", "SourceError", "YamlFileError", "load_yaml", "validation_messages"]

PathKey = tuple[str | int, ...]


@dataclass(slots=True, frozen=True)
class SourceError:
    file: str
    line: int | None
    column: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        at = f" ({self.path})" if self.path else ""
        return f"{where}: {self.message}{at}"


@dataclass(slots=True)
class Located:
    data: Any
    marks: dict[PathKey, tuple[int, int]]
    file: str

    def where(self, path: PathKey) -> tuple[int | None, int | None]:
        """The line/column of `path`, or of its nearest ancestor that exists in the file."""
        for end in range(len(path), -1, -1):
            mark = self.marks.get(path[:end])
            if mark is not None:
                return mark
        return None, None

    def error(self, path: PathKey, message: str) -> SourceError:
        line, column = self.where(path)
        dotted = ".".join(str(p) for p in path)
        return SourceError(self.file, line, column, dotted, message)


class _SafeNoAliasLoader(yaml.SafeLoader):
    """Safe loader; anchors/aliases are refused (billion-laughs) by the builder below."""


def _build(node: yaml.Node, path: PathKey, marks: dict[PathKey, tuple[int, int]]) -> Any:
    marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _build(key_node, path + ("<key>",), {})
            if not isinstance(key, (str, int)):
                raise yaml.YAMLError(f"line {key_node.start_mark.line + 1}: keys must be scalars")
            if key in out:
                raise yaml.YAMLError(
                    f"line {key_node.start_mark.line + 1}: duplicate key {key!r}"
                )
            out[key] = _build(value_node, path + (key,), marks)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), marks) for i, item in enumerate(node.value)]
    loader = _SafeNoAliasLoader("")
    return loader.construct_object(node, deep=True)


def load_yaml(path: Path | str, text: str | None = None) -> Located:
    """Parse YAML with locations. Raises `SourceError`-bearing `YamlFileError`."""
    name = str(path)
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as err:
            raise YamlFileError([SourceError(name, None, None, "", f"cannot read: {err}")]) \
                from None
        except UnicodeDecodeError as err:
            raise YamlFileError([SourceError(name, None, None, "", f"not UTF-8: {err}")]) \
                from None
    if "*" in text or "&" in text:
        _refuse_aliases(name, text)
    marks: dict[PathKey, tuple[int, int]] = {}
    try:
        node = yaml.compose(text, Loader=_SafeNoAliasLoader)
        data = _build(node, (), marks) if node is not None else None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        raise YamlFileError([SourceError(name, line, column, "", f"YAML syntax: {err.problem}")]) \
            from None
    except yaml.YAMLError as err:
        raise YamlFileError([SourceError(name, None, None, "", f"YAML: {err}")]) from None
    return Located(data, marks, name)


def _refuse_aliases(name: str, text: str) -> None:
    for event in yaml.parse(text, Loader=_SafeNoAliasLoader):
        if isinstance(event, yaml.AliasEvent):
            line = event.start_mark.line + 1 if event.start_mark else None
            raise YamlFileError(
                [SourceError(name, line, None, "", "YAML aliases are not allowed here")]
            )


class YamlFileError(Exception):
    """A file failed to load or validate; `errors` holds every problem found, with lines."""

    def __init__(self, errors: list[SourceError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


def validation_messages(
    located: Located, err: ValidationError, prefix: PathKey = ()
) -> list[SourceError]:
    out: list[SourceError] = []
    for item in err.errors(include_url=False):
        loc = prefix + tuple(p for p in item["loc"] if not str(p).startswith("function-"))
        msg = item["msg"]
        if item["type"] == "extra_forbidden":
            msg = f"unknown key {loc[-1]!r}"
        elif item["type"] == "missing":
            msg = f"missing required key {loc[-1]!r}"
        out.append(located.error(loc, msg))
    return out
