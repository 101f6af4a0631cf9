"""A Dahua ITC traffic event to Junction's normalized record or plate read.

Field sources (enforcement.md §4, §7): plate `TrafficCar.PlateNumber`, else `Object.Text`;
direction `TrafficCar.DrivingDirection[0]` (Approach / Leave); time **`RealUTC`** (true UTC,
plus `UTCMS`), never `UTC`, which is local time written as an epoch and would shift every
record by the site's offset; `UTC` is used only with a configured `utc_offset_s`, for firmware
without RealUTC. The violation code comes from the rule name (`TrafficRunRedLight` -> 1625)
through the profile's table; a checkpoint event (`TrafficJunction`) is a plate read unless its
`TrafficCar.ViolationCode` names a violation. The raw id is the rule name plus `GroupID` (one
snapshot group = one record), so a replayed group is stored once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from adapters.dahua_itc.codec import Event
from adapters.dahua_itc.const import PLATE_READ_CODES, VENDOR
from gateway.model.violation import Plate, Vehicle, Violation, ViolationRecord
from gateway.sdk import DecodeError

__all__ = ["RuleTable", "Read", "normalize", "value", "number"]

_COLOURS = {"blue": "blue", "yellow": "yellow", "white": "white", "black": "black",
            "green": "green", "yellowgreen": "yellow_green", "gradientgreen": "green",
            "other": "other"}
_COLOUR_TYPES = {"yellow": "01", "blue": "02", "green": "52", "yellow_green": "51"}
_LIGHTS = {"0": None, "1": "green", "2": "red", "3": "yellow", "green": "green", "red": "red",
           "yellow": "yellow", "unknown": None}
_NO_PLATE = frozenset({"", "unknown", "无车牌", "none"})


def value(data: Any, *path: str | int) -> Any:
    node = data
    for key in path:
        if isinstance(key, int):
            node = node[key] if isinstance(node, list) and len(node) > key else None
        else:
            node = node.get(key) if isinstance(node, dict) else None
        if node is None:
            return None
    return node


def _text(data: Any, *path: str | int) -> str | None:
    found = value(data, *path)
    if isinstance(found, str | int | float) and not isinstance(found, bool):
        return str(found).strip() or None
    return None


def number(data: Any, *path: str | int) -> float | None:
    text = _text(data, *path)
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


@dataclass(slots=True, frozen=True)
class RuleTable:
    codes: Mapping[str, str]
    pass_numeric: bool = True
    utc_offset_s: int | None = None

    def national(self, event_code: str, violation_code: str | None) -> str | None:
        if violation_code is not None:
            if violation_code in self.codes:
                return self.codes[violation_code]
            if violation_code.isdigit() and self.pass_numeric:
                return violation_code
        if event_code in self.codes:
            return self.codes[event_code]
        if event_code in PLATE_READ_CODES and violation_code is None:
            return None
        return f"dahua:{violation_code or event_code}"


@dataclass(slots=True, frozen=True)
class Read:
    raw_id: str
    code: str
    time: datetime
    time_source: str  # RealUTC | UTC-offset
    plate: Plate
    vehicle: Vehicle
    violation: Violation | None
    lane: int | None
    direction: str | None
    speed_kmh: float | None
    speed_limit_kmh: float | None
    signal_state: str | None
    channel: int  # 0-based, as `index`
    group: str | None
    group_index: int
    group_count: int

    def record(self, location_code: str | None) -> ViolationRecord:
        assert self.violation is not None
        return ViolationRecord(
            id="", device="", time=self.time, plate=self.plate, vehicle=self.vehicle,
            violation=self.violation, lane=self.lane, direction=self.direction,
            speed_kmh=self.speed_kmh, speed_limit_kmh=self.speed_limit_kmh,
            signal_state=self.signal_state, location_code=location_code,
            source_vendor=VENDOR, raw_id=self.raw_id)

    def event_data(self) -> dict[str, Any]:
        return {"raw_id": self.raw_id, "code": self.code, "time": self.time.isoformat(),
                "plate": self.plate.number, "plate_color": self.plate.color,
                "plate_type": self.plate.type_code, "vehicle_type": self.vehicle.type,
                "lane": self.lane, "direction": self.direction, "speed_kmh": self.speed_kmh,
                "signal_state": self.signal_state}


def _time(data: dict[str, Any], table: RuleTable) -> tuple[datetime, str]:
    millis = (number(data, "UTCMS") or 0.0) / 1000.0
    real = number(data, "RealUTC")
    if real is not None and real > 0:
        return datetime.fromtimestamp(real + millis, UTC), "RealUTC"
    local = number(data, "UTC") or number(data, "TrafficCar", "UTC")
    if local is not None and table.utc_offset_s is not None:
        return datetime.fromtimestamp(local - table.utc_offset_s + millis, UTC), "UTC-offset"
    raise DecodeError("event has no RealUTC, and UTC is local time: set the device option "
                      "utc_offset_s for this firmware")


def _plate(data: dict[str, Any]) -> Plate:
    number_text = _text(data, "TrafficCar", "PlateNumber") or _text(data, "Object", "Text")
    if number_text is not None and number_text.lower() in _NO_PLATE:
        number_text = None
    word = (_text(data, "TrafficCar", "PlateColor") or "").replace(" ", "").lower()
    colour = _COLOURS.get(word)
    return Plate(number=number_text, color=colour, type_code=_COLOUR_TYPES.get(colour or ""))


def _raw_id(event: Event, data: dict[str, Any], plate: Plate) -> str:
    group = _text(data, "GroupID")
    if group is not None and group != "0":
        return f"{event.code}:{group}"
    ident = _text(data, "EventID")
    moment = _text(data, "RealUTC") or _text(data, "UTC")
    if ident is not None and moment is not None:
        return f"{event.code}:{ident}:{moment}"
    key = f"{event.code}|{moment}|{plate.number}|{_text(data, 'TrafficCar', 'Lane')}"
    return "h-" + hashlib.sha256(key.encode()).hexdigest()[:24]


def normalize(event: Event, table: RuleTable) -> Read:
    """Normalize one traffic event. Raises DecodeError when it cannot be dated."""
    data = event.data
    moment, source = _time(data, table)
    plate = _plate(data)
    violation_code = _text(data, "TrafficCar", "ViolationCode")
    code = table.national(event.code, violation_code)
    violation = None
    if code is not None:
        violation = Violation(code=code, description=_text(data, "TrafficCar", "ViolationDesc")
                              or event.code)
    lane = number(data, "TrafficCar", "Lane") or number(data, "Lane")
    direction = _text(data, "TrafficCar", "DrivingDirection", 0)
    light = (_text(data, "TrafficCar", "LightState") or _text(data, "LightState") or "").lower()
    speed = number(data, "TrafficCar", "Speed")
    speed = number(data, "Speed") if speed is None else speed
    group = _text(data, "GroupID")
    return Read(
        raw_id=_raw_id(event, data, plate), code=event.code, time=moment, time_source=source,
        plate=plate,
        vehicle=Vehicle(type=_text(data, "TrafficCar", "VehicleSize")
                        or _text(data, "Vehicle", "Category"),
                        color=_text(data, "TrafficCar", "VehicleColor")),
        violation=violation, lane=int(lane) if lane is not None else None,
        direction=direction.lower() if direction else None,
        speed_kmh=speed or None,  # 0: no speed measured (cameras without radar)
        speed_limit_kmh=number(data, "TrafficCar", "UpperSpeedLimit"),
        signal_state=_LIGHTS.get(light, light or None), channel=event.index,
        group=group if group not in (None, "0") else None,
        group_index=int(number(data, "IndexInGroup") or 1),
        group_count=max(1, int(number(data, "CountInGroup") or 1)))
