"""The simulator's reading of a Modbus register-map profile, and its own word encoding.

One YAML description drives both sides: the adapter reads a profile to know where values are,
the simulator reads the same file to know where to put them. The simulator never imports the
adapter (design rule), so this is a second, deliberately small and independent reading of the
same keys (table, address, type, count, word/byte order, scale, offset, enum) and a second
implementation of the encoding; a test that passes across the two is evidence that both read
the map the same way, not that one shares the other's bugs.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = ["PROFILE_DIR", "SimPoint", "SimMap", "load_map", "to_words", "from_words",
           "to_bits", "from_bits"]

PROFILE_DIR = Path(__file__).resolve().parents[2] / "profiles"
_WIDTH = {"uint16": 1, "int16": 1, "uint32": 2, "int32": 2, "float32": 2, "bitmask": 1,
          "bool": 1}
_FMT = {"uint16": "H", "int16": "h", "uint32": "I", "int32": "i", "float32": "f"}
TABLES = ("coil", "discrete", "input", "holding")


@dataclass(slots=True, frozen=True)
class SimPoint:
    name: str
    table: str
    address: int  # wire address, 0-based
    count: int  # registers or bits
    type: str
    word_order: str
    byte_order: str
    scale: float
    offset: float
    codes: tuple[tuple[int, Mapping[str, str]], ...]  # enum: raw code -> {mode, source, ...}

    @property
    def end(self) -> int:
        return self.address + self.count

    @property
    def values(self) -> int:
        """How many values the point holds (arrays hold several)."""
        if self.type in ("bitmask", "bool") or self.table in ("coil", "discrete"):
            return 1
        return self.count // _WIDTH[self.type]


@dataclass(slots=True, frozen=True)
class SimMap:
    profile: str
    unit_id: int
    read_holes: bool
    points: tuple[SimPoint, ...]

    def table(self, name: str) -> tuple[SimPoint, ...]:
        return tuple(p for p in self.points if p.table == name)

    def point(self, name: str) -> SimPoint | None:
        return next((p for p in self.points if p.name == name), None)


def load_map(profile: str | Path, overrides: Mapping[str, Any] | None = None) -> SimMap:
    """Read `profiles/<id>.yaml` (e.g. "modbus/tsc-modbus") or a path. `overrides` replace
    top-level option keys, like a device's `options:`. ValueError if the map is unusable."""
    path = Path(profile)
    if not path.suffix:
        path = PROFILE_DIR / f"{profile}.yaml"
    data = yaml.safe_load(path.read_text())
    opts = {**data.get("options", {}), **(overrides or {})}
    base = int(opts.get("address_base", 0))
    word_order, byte_order = opts.get("word_order", "big"), opts.get("byte_order", "big")
    enums = opts.get("enums", {})
    points = []
    for name, spec in opts.get("points", {}).items():
        table, type_ = spec["table"], spec.get("type", "uint16")
        if table not in TABLES or type_ not in _WIDTH:
            raise ValueError(f"{path}: point {name}: unknown table {table} or type {type_}")
        count = spec.get("count") or (16 if type_ == "bitmask" and table in ("coil", "discrete")
                                      else _WIDTH[type_])
        codes = tuple(sorted((int(code), {k: str(v) for k, v in (patch or {}).items()})
                             for code, patch in enums.get(spec.get("enum"), {}).items()))
        points.append(SimPoint(name, table, int(spec["address"]) - base, int(count), type_,
                               spec.get("word_order", word_order),
                               spec.get("byte_order", byte_order),
                               float(spec.get("scale", 1.0)), float(spec.get("offset", 0.0)),
                               codes))
    return SimMap(str(profile), int(opts.get("unit_id", 1)), bool(opts.get("read_holes", True)),
                  tuple(points))


def _swap(word: int) -> int:
    return ((word & 0xFF) << 8) | (word >> 8)


def _raw(point: SimPoint, value: float) -> float:
    return (value - point.offset) / point.scale


def to_words(point: SimPoint, value: float | tuple[float, ...]) -> list[int]:
    """Engine value (or tuple for arrays) -> the point's registers. Values that do not fit
    are clipped to the type's range, as a device's own register would be."""
    if point.type in ("bitmask", "bool"):
        number = int(_raw(point, float(value if not isinstance(value, tuple) else 0)))
        if point.type == "bool":
            number = int(number != 0)
        words = [(number >> (16 * i)) & 0xFFFF for i in range(point.count)]
    else:
        items = value if isinstance(value, tuple) else (value,)
        width, fmt = _WIDTH[point.type], _FMT[point.type]
        words = []
        for item in (list(items) + [0.0] * point.values)[:point.values]:
            raw = _raw(point, float(item))
            if fmt == "f":
                packed = struct.pack(">f", raw if math.isfinite(raw) else 0.0)
            else:
                bits = 16 * width
                low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if fmt in "hi" \
                    else (0, (1 << bits) - 1)
                packed = struct.pack(">" + fmt, min(max(round(raw), low), high))
            group = list(struct.unpack(f">{width}H", packed))
            if point.word_order == "little":
                group.reverse()
            words.extend(group)
    if point.byte_order == "little":
        words = [_swap(w) for w in words]
    return words


def from_words(point: SimPoint, words: list[int]) -> float:
    """A written register value -> engine units (first value of an array)."""
    if point.byte_order == "little":
        words = [_swap(w) for w in words]
    if point.type in ("bitmask", "bool"):
        number = 0
        for i, w in enumerate(words):
            number |= w << (16 * i)
        raw: float = int(number != 0) if point.type == "bool" else number
    else:
        width = _WIDTH[point.type]
        group = words[:width]
        if point.word_order == "little":
            group = group[::-1]
        raw = struct.unpack(">" + _FMT[point.type], struct.pack(f">{width}H", *group))[0]
    return raw * point.scale + point.offset


def to_bits(point: SimPoint, value: float) -> list[bool]:
    number = int(_raw(point, value))
    if point.type == "bool":
        return [number != 0]
    return [bool(number >> i & 1) for i in range(point.count)]


def from_bits(point: SimPoint, bits: list[bool]) -> float:
    number = sum(1 << i for i, bit in enumerate(bits) if bit)
    if point.type == "bool":
        number = int(bool(bits and bits[0]))
    return number * point.scale + point.offset
