"""The compiled register map: frozen, slotted, built once per profile and used by every poll.

EdgeX's Modbus driver re-parses untyped attributes on every request (style guide §2); here the
validated `ModbusOptions` is turned once into `RegisterMap`: wire addresses (0-based), resolved
word and byte orders, enums as lookup tables, and the read plan (coalesced blocks) for a poll
and for the read-back that checks central control. Maps are cached by their content, so 500
controllers sharing one profile share one compiled map.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from adapters.modbus.coalesce import coalesce, merge_spans
from adapters.modbus.const import BIT_TABLES, DETECTOR_MASKS, NUMBERS, PHASE_MASKS, WIDTH
from adapters.modbus.profile import ModbusOptions, PointSpec, point_count
from gateway.model import AlarmSeverity, ControlMode, ControlSource

__all__ = [
    "ControlPatch", "Point", "ReadBlock", "ValueRef", "Command", "AlarmBit", "Preempts",
    "Plan", "RegisterMap", "compile_map", "compiled_map", "plan_reads",
]


@dataclass(slots=True, frozen=True)
class ControlPatch:
    mode: ControlMode | None
    source: ControlSource | None
    reason: str | None


@dataclass(slots=True, frozen=True)
class Point:
    """One value: where it is on the wire (0-based address) and how to decode it."""

    name: str
    table: str
    address: int
    count: int
    type: str
    word_order: str
    byte_order: str
    scale: float
    offset: float
    valid: tuple[float, float] | None
    enum: Mapping[int, ControlPatch] | None

    @property
    def end(self) -> int:
        return self.address + self.count

    @property
    def is_bits(self) -> bool:
        return self.table in BIT_TABLES

    @property
    def is_array(self) -> bool:
        return self.type not in ("bitmask", "bool") and self.count > WIDTH[self.type]


@dataclass(slots=True, frozen=True)
class ReadBlock:
    """One read request and the points it serves."""

    table: str
    start: int
    count: int
    points: tuple[Point, ...]


@dataclass(slots=True, frozen=True)
class ValueRef:
    """A number, or a template such as '{pattern}' filled in when the command runs."""

    number: float | None
    template: str | None

    def resolve(self, fields: Mapping[str, int]) -> float:
        if self.template is None:
            assert self.number is not None
            return self.number
        return float(self.template.format(**fields))


@dataclass(slots=True, frozen=True)
class Command:
    name: str
    writes: tuple[tuple[Point, ValueRef], ...]
    verify: tuple[tuple[Point, ValueRef], ...]
    verify_blocks: tuple[ReadBlock, ...]


@dataclass(slots=True, frozen=True)
class AlarmBit:
    point: str
    bit: int | None
    code: str
    severity: AlarmSeverity
    text: str


@dataclass(slots=True, frozen=True)
class Preempts:
    point: str
    first_bit: int
    count: int


@dataclass(slots=True, frozen=True)
class Plan:
    number: int
    cycle_s: float | None
    offset_s: float | None


@dataclass(slots=True, frozen=True)
class RegisterMap:
    unit_id: int
    points: Mapping[str, Point]
    poll_blocks: tuple[ReadBlock, ...]
    control_points: tuple[Point, ...]
    pattern: Point | None
    pattern_range: tuple[int, int]
    alarms: tuple[AlarmBit, ...]
    preemption: Preempts | None
    native: tuple[Point, ...]
    phases: int
    detectors: int
    plans: Mapping[int, Plan]
    commands: Mapping[str, Command]
    heartbeat: Point | None
    backup_time: Point | None
    backup_time_s: int
    request_timeout_s: float | None
    inter_request_pause_s: float
    post_connect_pause_s: float
    close_after_poll: bool
    recheck_missing_s: float
    limits: tuple[int, int, int, int]  # max registers, max bits, max gap registers, bits
    defined: Mapping[str, tuple[tuple[int, int], ...]] | None  # None: holes are readable

    def plan(self, points: Iterable[Point]) -> tuple[ReadBlock, ...]:
        """Coalesced reads for these points (used again when a point turns out missing)."""
        return plan_reads(points, self.limits, self.defined)


def plan_reads(points: Iterable[Point], limits: tuple[int, int, int, int],
               defined: Mapping[str, tuple[tuple[int, int], ...]] | None
               ) -> tuple[ReadBlock, ...]:
    max_regs, max_bits, gap_regs, gap_bits = limits
    by_table: dict[str, dict[str, Point]] = {}
    for p in points:
        by_table.setdefault(p.table, {})[p.name] = p
    blocks: list[ReadBlock] = []
    for table in ("discrete", "coil", "input", "holding"):
        members = by_table.get(table)
        if not members:
            continue
        bits = table in BIT_TABLES
        spans = defined.get(table, ()) if defined is not None else None
        for b in coalesce(((p.name, p.address, p.count) for p in members.values()),
                          limit=max_bits if bits else max_regs,
                          max_gap=gap_bits if bits else gap_regs, defined=spans):
            blocks.append(ReadBlock(table, b.start, b.count,
                                    tuple(members[k] for k in b.keys)))
    return tuple(blocks)


def _point(name: str, spec: PointSpec, opts: ModbusOptions) -> Point:
    enum = None
    if spec.enum is not None:
        enum = MappingProxyType({code: ControlPatch(p.mode, p.source, p.reason)
                                 for code, p in opts.enums[spec.enum].items()})
    return Point(name=name, table=spec.table, address=spec.address - opts.address_base,
                 count=point_count(spec.table, spec.type, spec.count), type=spec.type,
                 word_order=spec.word_order or opts.word_order,
                 byte_order=spec.byte_order or opts.byte_order, scale=spec.scale,
                 offset=spec.offset, valid=spec.valid, enum=enum)


def _ref(value: int | float | str) -> ValueRef:
    return ValueRef(None, value) if isinstance(value, str) else ValueRef(float(value), None)


def compile_map(opts: ModbusOptions) -> RegisterMap:
    """Validated options -> RegisterMap. Pure; the options have been cross-checked."""
    points = {name: _point(name, spec, opts) for name, spec in opts.points.items()}
    limits = (opts.max_read_registers, opts.max_read_bits, opts.max_gap_registers,
              opts.max_gap_bits)
    defined = None
    if not opts.read_holes:
        defined = {table: tuple(merge_spans((p.address, p.count) for p in points.values()
                                            if p.table == table))
                   for table in ("coil", "discrete", "input", "holding")}
    control = tuple(points[n] for n in opts.control.points)
    pattern = points[opts.control.pattern] if opts.control.pattern else None
    alarms = tuple(AlarmBit(a.point, a.bit, a.code, a.severity, a.text) for a in opts.alarms)
    pre = opts.preemption
    preempts = Preempts(pre.point, pre.first_bit, pre.count) if pre is not None else None
    native = tuple(points[n] for n in opts.native)
    polled = {n for n in (*PHASE_MASKS, *DETECTOR_MASKS, *NUMBERS) if n in points}
    polled |= {p.name for p in control} | {a.point for a in alarms} | {p.name for p in native}
    if pattern is not None:
        polled.add(pattern.name)
    if preempts is not None:
        polled.add(preempts.point)
    commands: dict[str, Command] = {}
    for name in ("set_pattern", "free", "flash", "all_red", "release"):
        spec = getattr(opts.commands, name)
        if spec is None:
            continue
        verify = tuple((points[v.point], _ref(v.equals)) for v in spec.verify)
        commands[name] = Command(
            name, tuple((points[w.point], _ref(w.value)) for w in spec.writes), verify,
            plan_reads((p for p, _ in verify), limits, defined))
    fs = opts.failsafe
    return RegisterMap(
        unit_id=opts.unit_id, points=MappingProxyType(points),
        poll_blocks=plan_reads((points[n] for n in sorted(polled)), limits, defined),
        control_points=control, pattern=pattern, pattern_range=opts.control.pattern_range,
        alarms=alarms, preemption=preempts, native=native, phases=opts.phases,
        detectors=opts.detectors,
        plans=MappingProxyType({p.number: Plan(p.number, p.cycle_s, p.offset_s)
                                for p in opts.plans}),
        commands=MappingProxyType(commands),
        heartbeat=points[fs.heartbeat] if fs.heartbeat else None,
        backup_time=points[fs.backup_time] if fs.backup_time else None,
        backup_time_s=opts.backup_time_s, request_timeout_s=opts.request_timeout_s,
        inter_request_pause_s=opts.inter_request_pause_ms / 1000,
        post_connect_pause_s=opts.post_connect_pause_ms / 1000,
        close_after_poll=opts.close_after_poll, recheck_missing_s=opts.recheck_missing_s,
        limits=limits,
        defined=MappingProxyType(defined) if defined is not None else None)


@lru_cache(maxsize=64)
def _compiled(text: str) -> RegisterMap:
    return compile_map(ModbusOptions.model_validate_json(text))


def compiled_map(options: Mapping[str, Any]) -> RegisterMap:
    """Validate and compile merged options, once per distinct content (pydantic
    ValidationError if invalid)."""
    return _compiled(json.dumps(options, sort_keys=True, default=str))
