"""Decoded register values -> Junction's normalized signal state. Pure functions, no I/O.

What the values mean comes from the register map: phase and detector bitmasks by their names
(bit 0 = phase/detector 1), control mode by the map's enums (data, not code: each raw code of a
`control.points` entry patches mode, source or reason, later points overriding earlier ones, so
NTCIP's unitControlStatus/unitFlashStatus/coordPatternStatus and a vendor's single run-mode
register are handled alike), alarms by the map's bit list. Lamp logic follows reference §6.1.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from adapters.modbus.codec import Value
from adapters.modbus.regmap import RegisterMap
from gateway.model import (
    Alarm,
    ControlMode,
    ControlSource,
    ControlState,
    CycleState,
    DetectorState,
    PedIndication,
    PhaseState,
    PreemptState,
    SignalControllerState,
    VehicleIndication,
)
from gateway.sdk import DecodeError
from gateway.sdk.lamps import bit, vehicle_indication

__all__ = ["Values", "number", "state", "uptime", "control", "device_time", "cycle", "phases",
           "detectors", "alarms", "preemption"]

Values = Mapping[str, Value]
_NO_PATTERN = {ControlMode.FREE, ControlMode.FLASH, ControlMode.ALL_RED, ControlMode.DARK,
               ControlMode.UNKNOWN}


def number(values: Values, name: str) -> int | float | None:
    value = values.get(name)
    return None if value is None or isinstance(value, tuple) else value


def state(rmap: RegisterMap, values: Values, received: datetime,
          remembered: dict[int, VehicleIndication], *, central_hold: bool
          ) -> SignalControllerState:
    """The whole normalized state of one poll. Raises DecodeError for impossible values."""
    ctl = control(rmap, values)
    ctl.central_hold = central_hold
    return SignalControllerState(
        device_time=device_time(values), received_at=received, control=ctl,
        cycle=cycle(rmap, values, ctl.pattern),
        phases=phases(rmap, values, ctl.mode == ControlMode.FLASH, remembered),
        detectors=detectors(rmap, values), alarms=alarms(rmap, values),
        preemption=preemption(rmap, values))


def uptime(values: Values) -> float | None:
    """Device uptime in seconds; DecodeError if negative."""
    seconds = number(values, "uptime")
    if seconds is not None and seconds < 0:
        raise DecodeError(f"uptime = {seconds:g} s is negative")
    return None if seconds is None else float(seconds)


def _code(value: int | float) -> int | str:
    return int(value) if float(value).is_integer() else f"{value:g}"


def control(rmap: RegisterMap, values: Values) -> ControlState:
    """Mode, source, pattern and reason from the map's enums; raw codes in `native`."""
    mode: ControlMode | None = None
    source: ControlSource | None = None
    reason: str | None = None
    pattern: int | None = None
    native: dict[str, int | str] = {}
    if rmap.pattern is not None:
        raw = number(values, rmap.pattern.name)
        low, high = rmap.pattern_range
        if raw is not None and float(raw).is_integer() and low <= raw <= high:
            pattern, mode = int(raw), ControlMode.COORDINATED
    for point in rmap.control_points:
        raw = number(values, point.name)
        if raw is None:
            continue
        native[point.name] = _code(raw)
        patch = point.enum.get(int(raw)) if point.enum and float(raw).is_integer() else None
        if patch is not None:
            mode = patch.mode or mode
            source = patch.source or source
            reason = patch.reason or reason
    for point in rmap.native:
        raw = number(values, point.name)
        if raw is not None:
            native[point.name] = _code(raw)
    mode = mode or ControlMode.UNKNOWN
    return ControlState(mode=mode, source=source or ControlSource.UNKNOWN,
                        pattern=None if mode in _NO_PATTERN else pattern, reason=reason,
                        native=native)


def device_time(values: Values) -> datetime | None:
    """The device clock (UTC epoch seconds); DecodeError if it is not a possible time."""
    seconds = number(values, "device_time")
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError) as err:
        raise DecodeError(f"device_time = {seconds:g} is not a UTC epoch time") from err


def cycle(rmap: RegisterMap, values: Values, pattern: int | None) -> CycleState:
    if pattern is None:
        return CycleState()
    plan = rmap.plans.get(pattern)
    length = number(values, "cycle_length")
    if length is None and plan is not None:
        length = plan.cycle_s
    position = number(values, "cycle_position")
    timer = number(values, "cycle_timer")
    if position is None and timer is not None and length:
        position = (length - timer) % length
    offset = number(values, "cycle_offset")
    if offset is None and plan is not None:
        offset = plan.offset_s
    return CycleState(length_s=length or None, position_s=position, offset_s=offset)


def _mask(values: Values, name: str) -> int:
    value = number(values, name)
    return int(value) if value is not None else 0


def phases(rmap: RegisterMap, values: Values, flashing: bool,
           remembered: dict[int, VehicleIndication]) -> list[PhaseState]:
    """Per-phase state from the phase bitmasks the map has. Updates `remembered`."""
    if not any(n in rmap.points for n in ("greens", "yellows", "reds")):
        return []
    m = {name: _mask(values, name) for name in (
        "greens", "yellows", "reds", "walks", "ped_clears", "dont_walks", "veh_calls",
        "ped_calls", "phase_ons", "phase_nexts")}
    has_ped = "walks" in rmap.points
    has_dont_walk = "dont_walks" in rmap.points
    out = []
    for n in range(1, rmap.phases + 1):
        vehicle = vehicle_indication(bit(m["reds"], n), bit(m["yellows"], n), bit(m["greens"], n),
                           flashing, remembered.get(n))
        if flashing:
            remembered[n] = vehicle
        else:
            remembered.pop(n, None)
        ped: PedIndication | None = None
        if has_ped:
            if bit(m["walks"], n):
                ped = PedIndication.WALK
            elif bit(m["ped_clears"], n):
                ped = PedIndication.PED_CLEAR
            elif bit(m["dont_walks"], n) or not has_dont_walk:
                ped = PedIndication.DONT_WALK
            else:
                ped = PedIndication.DARK
        out.append(PhaseState(number=n, vehicle=vehicle, pedestrian=ped,
                              vehicle_call=bit(m["veh_calls"], n),
                              ped_call=bit(m["ped_calls"], n),
                              is_next=bit(m["phase_nexts"], n), is_on=bit(m["phase_ons"], n)))
    return out


def detectors(rmap: RegisterMap, values: Values) -> list[DetectorState]:
    active, faults = _mask(values, "detector_presence"), _mask(values, "detector_faults")
    return [DetectorState(number=n, active=bit(active, n), fault=bit(faults, n))
            for n in range(1, rmap.detectors + 1)]


def alarms(rmap: RegisterMap, values: Values) -> list[Alarm]:
    out = []
    for a in rmap.alarms:
        value = number(values, a.point)
        if value is None:
            continue
        on = value != 0 if a.bit is None else bool(int(value) >> a.bit & 1)
        if on:
            out.append(Alarm(code=a.code, severity=a.severity, text=a.text))
    return out


def preemption(rmap: RegisterMap, values: Values) -> list[PreemptState]:
    spec = rmap.preemption
    if spec is None or number(values, spec.point) is None:
        return []
    mask = _mask(values, spec.point) >> spec.first_bit
    return [PreemptState(number=n, active=bit(mask, n),
                         state="active" if bit(mask, n) else "notActive")
            for n in range(1, spec.count + 1)]
