"""The text parts of a Dahua attach stream, in both forms ITC firmware sends, to `Event`s.

Form 1 (most firmware): `Code=TrafficJunction;action=Pulse;index=0;data={...}` where the JSON
after `data=` may span many lines and contain `;` itself, so the header is split only up to
`data=`. Form 2 (some ITC firmware): one `key=value` per line,
`Events[0].EventBaseInfo.Code=TrafficJunction`, `Events[0].TrafficCar.PlateNumber=...`, folded
here into the same nested shape as form 1's JSON (values stay text; the mapping converts).
Values are split on the first `=` only (cameras.md §3.2). `Heartbeat` parts are keep-alives.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from gateway.sdk import DecodeError

__all__ = ["Event", "parse_part", "is_heartbeat", "fold_keys", "MAX_TEXT_BYTES"]

MAX_TEXT_BYTES = 1024 * 1024
_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass(slots=True, frozen=True)
class Event:
    code: str
    action: str | None
    index: int  # 0-based channel
    data: dict[str, Any] = field(default_factory=dict)


def is_heartbeat(body: bytes) -> bool:
    return body.strip().lower() == b"heartbeat"


def _text(body: bytes) -> str:
    if len(body) > MAX_TEXT_BYTES:
        raise DecodeError(f"event part of {len(body)} bytes exceeds {MAX_TEXT_BYTES}")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("gb18030", "replace")  # older CN firmware writes GBK plates


def _int(value: object, default: int = 0) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        return default


def _header_form(text: str) -> Event:
    head, sep, data_text = text.partition("data=")
    fields: dict[str, str] = {}
    for item in head.split(";"):
        key, eq, value = item.partition("=")
        if eq:
            fields[key.strip().lower()] = value.strip()
    code = fields.get("code")
    if not code:
        raise DecodeError(f"event part without Code: {text[:80]!r}")
    data: dict[str, Any] = {}
    if sep:
        try:
            parsed = json.loads(data_text.strip())
        except json.JSONDecodeError as err:
            raise DecodeError(f"{code}: data= is not valid JSON: {err}") from None
        if not isinstance(parsed, dict):
            raise DecodeError(f"{code}: data= is not a JSON object")
        data = parsed
    return Event(code, fields.get("action"), _int(fields.get("index", "0")), data)


def fold_keys(lines: list[str]) -> dict[str, Any]:
    """`A[0].B.C=v` lines to {"A": [{"B": {"C": "v"}}]}. Malformed keys raise DecodeError."""
    root: dict[str, Any] = {}
    for line in lines:
        key, eq, value = line.partition("=")
        if not eq:
            continue
        tokens = [(m.group(1), m.group(2)) for m in _TOKEN.finditer(key.strip())]
        if not tokens or tokens[0][0] is None:
            raise DecodeError(f"malformed key {key[:60]!r}")
        node: Any = root
        for n, (name, idx) in enumerate(tokens):
            last = n == len(tokens) - 1
            nxt_is_index = not last and tokens[n + 1][1] is not None
            if name is not None:
                if not isinstance(node, dict):
                    raise DecodeError(f"key {key[:60]!r} mixes objects and lists")
                if last:
                    node[name] = value.strip()
                else:
                    node = node.setdefault(name, [] if nxt_is_index else {})
            else:
                if not isinstance(node, list):
                    raise DecodeError(f"key {key[:60]!r} mixes objects and lists")
                i = int(idx)
                if i > 64:
                    raise DecodeError(f"key {key[:60]!r}: index {i} is implausible")
                while len(node) <= i:
                    node.append({})
                if last:
                    node[i] = value.strip()
                else:
                    if not isinstance(node[i], dict | list) or \
                            isinstance(node[i], dict) is nxt_is_index:
                        node[i] = [] if nxt_is_index else {}
                    node = node[i]
    return root


def _key_value_form(text: str) -> list[Event]:
    tree = fold_keys(text.splitlines())
    events = tree.get("Events")
    if not isinstance(events, list):
        raise DecodeError("key=value part without Events[N]")
    out = []
    for item in events:
        if not isinstance(item, dict):
            continue
        base = item.get("EventBaseInfo")
        base = base if isinstance(base, dict) else {}
        code = base.get("Code")
        if not code:
            raise DecodeError("key=value event without EventBaseInfo.Code")
        data = {k: v for k, v in item.items() if k != "EventBaseInfo"}
        out.append(Event(str(code), base.get("Action"), _int(base.get("Index", "0")), data))
    return out


def parse_part(body: bytes) -> list[Event]:
    """The events of one text part (usually one). Raises DecodeError."""
    text = _text(body).strip()
    if text.lower().startswith("code="):
        return [_header_form(text)]
    if text.startswith("Events["):
        return _key_value_form(text)
    raise DecodeError(f"not an event part: {text[:60]!r}")
