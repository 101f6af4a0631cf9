"""The register map as data: the pydantic model of a Modbus profile's `options:`.

Modbus has no standard map for signal controllers (reference §5.1), so every controller is a
register map in YAML, like an EdgeX device profile: `points` say where values live (table,
address, type, word and byte order, scale), `enums` turn raw codes into canonical control
modes, `commands` say which registers a command writes, and `failsafe` names the heartbeat and
backup-time registers that hand control back to the controller if the gateway stops. Every
cross-reference is checked here, each error with the path of the key at fault, so the core can
print the profile's line. `regmap.compile_map` then turns the model, once, into the frozen
dataclasses the poll path uses.
"""

from __future__ import annotations

import string
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from adapters.modbus.const import (
    BIT_TABLES,
    DETECTOR_MASKS,
    MAX_READ_BITS,
    MAX_READ_REGISTERS,
    NUMBERS,
    PHASE_MASKS,
    PLACEHOLDERS,
    WIDTH,
    WRITABLE,
)
from gateway.model import AlarmSeverity, ControlMode, ControlSource

__all__ = [
    "Table", "ValueType", "Order", "PointSpec", "Patch", "ControlSpec", "AlarmSpec",
    "PreemptSpec", "WriteSpec", "VerifySpec", "CommandSpec", "CommandsSpec", "FailsafeSpec",
    "PlanSpec", "ModbusOptions", "point_count", "template_fields",
]

Table = Literal["coil", "discrete", "input", "holding"]
ValueType = Literal["uint16", "int16", "uint32", "int32", "float32", "bitmask", "bool"]
Order = Literal["big", "little"]
NAME = r"^[a-z][a-z0-9_]{0,47}$"


def _error(message: str) -> PydanticCustomError:
    return PydanticCustomError("register_map", "{m}", {"m": message})


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def point_count(table: str, type_: str, count: int | None) -> int:
    """Registers (register tables) or bits (coil/discrete tables) a point spans."""
    if count is not None:
        return count
    return 16 if type_ == "bitmask" and table in BIT_TABLES else WIDTH[type_]


class PointSpec(_Spec):
    """Where one value lives and how its raw registers or bits become a number."""

    table: Table
    address: int = Field(ge=0, le=65536, description="first register or bit, counted from "
                                                     "the map's address_base")
    type: ValueType = "uint16"
    count: int | None = Field(default=None, ge=1, le=MAX_READ_BITS,
                              description="registers (or bits) spanned; default: the type's "
                                          "width (bitmask: 1 register or 16 bits). A count "
                                          "that is a multiple of the width makes an array")
    word_order: Order | None = Field(default=None, description="32-bit types: big = high "
                                                               "word first; default: the map's")
    byte_order: Order | None = Field(default=None, description="bytes within each register; "
                                                               "default: the map's")
    scale: float = Field(default=1.0, description="value = raw * scale + offset")
    offset: float = 0.0
    valid: tuple[float, float] | None = Field(default=None, description="[min, max] of the "
                                              "value; outside it the poll is a decode_error")
    enum: str | None = Field(default=None, description="name in `enums`: raw code -> control")
    description: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _shape(self) -> PointSpec:
        count = point_count(self.table, self.type, self.count)
        if self.table in BIT_TABLES:
            if self.type not in ("bool", "bitmask"):
                raise _error(f"{self.table} points hold bits: type must be bool or bitmask, "
                             f"not {self.type}")
        elif count % WIDTH[self.type]:
            raise _error(f"count {count} is not a multiple of {self.type}'s width "
                         f"({WIDTH[self.type]} registers)")
        elif count > MAX_READ_REGISTERS:
            raise _error(f"count {count} exceeds the {MAX_READ_REGISTERS} registers one "
                         "Modbus read can return")
        if self.type == "bool" and count != 1:
            raise _error("a bool point spans exactly one bit or register (count: 1)")
        if self.scale == 0:
            raise _error("scale must not be 0")
        if self.valid is not None and self.valid[0] > self.valid[1]:
            raise _error(f"valid range {list(self.valid)} has min > max")
        if self.type in ("bitmask", "bool") and (self.scale != 1 or self.offset != 0):
            raise _error(f"scale and offset apply to numbers, not to a {self.type}")
        if self.enum is not None and self.type in ("float32", "bitmask"):
            raise _error(f"enum needs an integer type, not {self.type}")
        return self


class Patch(_Spec):
    """What one raw code says about control; unset fields leave earlier points' say."""

    mode: ControlMode | None = None
    source: ControlSource | None = None
    reason: str | None = Field(default=None, max_length=64)


class ControlSpec(_Spec):
    points: list[str] = Field(default_factory=list, description="points with an enum, lowest "
                              "precedence first: later points override mode/source/reason")
    pattern: str | None = Field(default=None, description="point holding the running pattern")
    pattern_range: tuple[int, int] = Field(default=(1, 253), description="raw values of "
                                           "`pattern` that are pattern numbers")


class AlarmSpec(_Spec):
    point: str
    bit: int | None = Field(default=None, ge=0, le=127, description="bit of the value "
                            "(bit 0 = least significant); none: the value is non-zero")
    code: str = Field(pattern=NAME)
    severity: AlarmSeverity
    text: str = Field(min_length=1, max_length=120)


class PreemptSpec(_Spec):
    point: str
    first_bit: int = Field(default=0, ge=0, le=127, description="bit of preempt 1")
    count: int = Field(ge=1, le=16)


class WriteSpec(_Spec):
    point: str = Field(description="a holding or coil point")
    value: int | float | str = Field(description="number, or a template: '{pattern}', "
                                                 "'{backup_time_s}'")


class VerifySpec(_Spec):
    point: str
    equals: int | float | str = Field(description="number or template, checked after writing")


class CommandSpec(_Spec):
    writes: list[WriteSpec] = Field(min_length=1, description="written in order")
    verify: list[VerifySpec] = Field(default_factory=list, description="read back after "
                                     "writing and at every poll while the gateway holds "
                                     "control; a mismatch is a refused command / lost control")


class CommandsSpec(_Spec):
    set_pattern: CommandSpec | None = None
    free: CommandSpec | None = None
    flash: CommandSpec | None = None
    all_red: CommandSpec | None = None
    release: CommandSpec | None = Field(default=None, description="also set_mode local")


class FailsafeSpec(_Spec):
    heartbeat: str | None = Field(default=None, description="register the gateway changes "
                                  "at every poll while it holds control")
    backup_time: str | None = Field(default=None, description="register set to "
                                    "backup_time_s before each central command")


class PlanSpec(_Spec):
    number: int = Field(ge=1, le=253)
    cycle_s: float | None = Field(default=None, gt=0, le=1000)
    offset_s: float | None = Field(default=None, ge=0, le=1000)


def template_fields(template: str) -> list[str]:
    """Placeholder names in a value template; ValueError if it does not parse."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


def _check_template(value: int | float | str, where: tuple[str | int, ...],
                    errors: list[InitErrorDetails], allowed: tuple[str, ...]) -> None:
    if not isinstance(value, str):
        return
    try:
        names = template_fields(value)
        numeric = value.format(**{name: 1 for name in allowed})
        float(numeric)
    except (ValueError, KeyError, IndexError):
        names = None
    if names is None or any(n not in allowed for n in names):
        errors.append(_detail(where, f"value {value!r} must be a number or a template using "
                                     f"only {', '.join('{' + a + '}' for a in allowed)}"))


def _detail(loc: tuple[str | int, ...], message: str) -> InitErrorDetails:
    return InitErrorDetails(type=_error(message), loc=loc, input=None)


class ModbusOptions(_Spec):
    """A Modbus TCP signal controller: connection quirks plus its register map."""

    unit_id: int = Field(default=1, ge=0, le=255, description="Modbus unit (slave) id")
    address_base: Literal[0, 1] = Field(default=0, description="1: the map's addresses are "
                                        "the vendor's 1-based numbers (wire address + 1)")
    word_order: Order = "big"
    byte_order: Order = "big"
    max_read_registers: int = Field(default=MAX_READ_REGISTERS, ge=1, le=MAX_READ_REGISTERS)
    max_read_bits: int = Field(default=MAX_READ_BITS, ge=1, le=MAX_READ_BITS)
    max_gap_registers: int = Field(default=16, ge=0, le=124, description="unused registers "
                                   "one read may span to save a request")
    max_gap_bits: int = Field(default=256, ge=0, le=1999)
    read_holes: bool = Field(default=True, description="false: the device refuses reads that "
                             "span addresses the map does not define; never coalesce across")
    request_timeout_s: float | None = Field(default=None, gt=0, le=60,
                                            description="default: 3/4 of the device's poll "
                                                        "timeout")
    inter_request_pause_ms: float = Field(default=0, ge=0, le=10_000)
    post_connect_pause_ms: float = Field(default=0, ge=0, le=60_000)
    close_after_poll: bool = Field(default=False, description="a fresh TCP connection per poll")
    recheck_missing_s: float = Field(default=300, ge=10, le=86400, description="how often "
                                     "points the device refused (exception 2) are tried again")
    backup_time_s: int = Field(default=60, ge=1, le=65535, description="the controller's "
                               "watchdog time, written to failsafe.backup_time")
    phases: int = Field(default=8, ge=1, le=32, description="phases reported")
    detectors: int = Field(default=0, ge=0, le=128, description="detectors reported")
    plans: list[PlanSpec] = Field(default_factory=list, description="patterns configured in "
                                  "the controller; set_pattern accepts only these")
    points: dict[str, PointSpec] = Field(default_factory=dict)
    enums: dict[str, dict[int, Patch]] = Field(default_factory=dict)
    control: ControlSpec = ControlSpec()
    alarms: list[AlarmSpec] = Field(default_factory=list)
    preemption: PreemptSpec | None = None
    native: list[str] = Field(default_factory=list, description="points shown raw in "
                              "control.native")
    commands: CommandsSpec = CommandsSpec()
    failsafe: FailsafeSpec = FailsafeSpec()

    @field_validator("plans", mode="before")
    @classmethod
    def _plan_numbers(cls, value: object) -> object:
        if isinstance(value, list):
            return [{"number": v} if isinstance(v, int) else v for v in value]
        return value

    @model_validator(mode="after")
    def _references(self) -> ModbusOptions:
        errors: list[InitErrorDetails] = []
        self._check_points(errors)
        self._check_control(errors)
        self._check_commands(errors)
        numbers = [p.number for p in self.plans]
        if len(set(numbers)) != len(numbers):
            errors.append(_detail(("plans",), "a plan number is listed twice"))
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self

    def _ref(self, name: str, loc: tuple[str | int, ...], errors: list[InitErrorDetails],
             *, writable: bool = False) -> PointSpec | None:
        point = self.points.get(name)
        if point is None:
            known = ", ".join(sorted(self.points)) or "none"
            errors.append(_detail(loc, f"no point named {name!r} (points: {known})"))
        elif writable and point.table not in WRITABLE:
            errors.append(_detail(loc, f"point {name!r} is in the {point.table} table, which "
                                       "cannot be written (use holding or coil)"))
            return None
        return point

    def _check_points(self, errors: list[InitErrorDetails]) -> None:
        for name, p in self.points.items():
            loc: tuple[str | int, ...] = ("points", name)
            if not _is_name(name):
                errors.append(_detail(loc, f"point name {name!r} must be lower_snake_case"))
            end = p.address - self.address_base + point_count(p.table, p.type, p.count)
            if p.address < self.address_base:
                errors.append(_detail(loc + ("address",), f"address {p.address} is below the "
                                      f"map's address_base {self.address_base}"))
            elif end > 65536:
                errors.append(_detail(loc + ("address",), "point runs past address 65535"))
            limit = self.max_read_bits if p.table in BIT_TABLES else self.max_read_registers
            if point_count(p.table, p.type, p.count) > limit:
                errors.append(_detail(loc + ("count",), f"point needs more than one read "
                                                        f"(max {limit} per read)"))
            if p.enum is not None and p.enum not in self.enums:
                errors.append(_detail(loc + ("enum",), f"no enum named {p.enum!r}"))
            array = point_count(p.table, p.type, p.count) > WIDTH[p.type] \
                and p.type not in ("bitmask", "bool")
            if name in PHASE_MASKS + DETECTOR_MASKS and p.type != "bitmask":
                errors.append(_detail(loc + ("type",), f"{name} is a bitmask (bit 0 = number "
                                                       f"1), not {p.type}"))
            if name in NUMBERS and (array or p.type == "bitmask"):
                errors.append(_detail(loc, f"{name} is one number ({NUMBERS[name]})"))
        for i, name in enumerate(self.native):
            ref = self._ref(name, ("native", i), errors)
            if ref is not None and point_count(ref.table, ref.type, ref.count) > \
                    WIDTH[ref.type] and ref.type != "bitmask":
                errors.append(_detail(("native", i), f"{name!r} is an array; native values "
                                                     "are single numbers"))

    def _check_control(self, errors: list[InitErrorDetails]) -> None:
        for i, name in enumerate(self.control.points):
            p = self._ref(name, ("control", "points", i), errors)
            if p is not None and p.enum is None:
                errors.append(_detail(("control", "points", i),
                                      f"point {name!r} has no enum to map its codes"))
        if self.control.pattern is not None:
            self._ref(self.control.pattern, ("control", "pattern"), errors)
        low, high = self.control.pattern_range
        if not 0 <= low <= high <= 65535:
            errors.append(_detail(("control", "pattern_range"), "must be [low, high], "
                                                                "0 <= low <= high"))
        for i, alarm in enumerate(self.alarms):
            p = self._ref(alarm.point, ("alarms", i, "point"), errors)
            if p is not None and alarm.bit is not None and p.type in ("float32", "bool"):
                errors.append(_detail(("alarms", i, "bit"), f"{alarm.point!r} is {p.type}; "
                                                            "bits need an integer or bitmask"))
        if self.preemption is not None:
            self._ref(self.preemption.point, ("preemption", "point"), errors)

    def _check_commands(self, errors: list[InitErrorDetails]) -> None:
        for field in ("heartbeat", "backup_time"):
            name = getattr(self.failsafe, field)
            if name is not None:
                self._ref(name, ("failsafe", field), errors, writable=True)
        for command in ("set_pattern", "free", "flash", "all_red", "release"):
            spec: CommandSpec | None = getattr(self.commands, command)
            if spec is None:
                continue
            where = ("commands", command)
            allowed = PLACEHOLDERS if command == "set_pattern" else PLACEHOLDERS[1:]
            for i, write in enumerate(spec.writes):
                self._ref(write.point, where + ("writes", i, "point"), errors, writable=True)
                _check_template(write.value, where + ("writes", i, "value"), errors, allowed)
            for i, check in enumerate(spec.verify):
                self._ref(check.point, where + ("verify", i, "point"), errors)
                _check_template(check.equals, where + ("verify", i, "equals"), errors, allowed)
            if command == "set_pattern" and not any(
                    isinstance(w.value, str) and "pattern" in template_fields(w.value)
                    for w in spec.writes if _parses(w.value)):
                errors.append(_detail(where + ("writes",), "set_pattern must write "
                                                           "'{pattern}' somewhere"))


def _parses(value: int | float | str) -> bool:
    try:
        template_fields(str(value))
    except ValueError:
        return False
    return True


def _is_name(name: str) -> bool:
    return bool(name) and len(name) <= 48 and name[0].isalpha() and name.isascii() and \
        all(c.islower() or c.isdigit() or c == "_" for c in name)
