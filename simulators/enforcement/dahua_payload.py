"""What a Dahua ITC camera writes on its attach stream for one crossing.

Shapes follow enforcement.md §4 and a public TrafficJunction capture (community): `Code=...;
action=Pulse;index=0;data={...}` with multi-line JSON, or the `Events[0].EventBaseInfo.Code=...`
key=value form; `RealUTC` (true UTC) next to `UTC` (local time as an epoch, off by the site's
offset); a violation is a snapshot group of `group_size` events sharing a `GroupID`, each with
one picture [I: group behaviour of ITC firmware]. The signal state is `TrafficCar.LightState`
(0 unknown, 1 green, 2 red, 3 yellow) [I: mirrors NetSDK's `nLightState`; the HTTP key name
is not confirmed].
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from simulators.enforcement.traffic import Crossing

__all__ = ["DahuaQuirks", "event_code", "event_data", "header_part", "key_value_part",
           "flatten"]

_LIGHT = {"green": 1, "red": 2, "yellow": 3}
_COLOURS = {"blue": "Blue", "yellow": "Yellow", "green": "Green", "white": "White",
            "black": "Black"}


@dataclass(frozen=True, slots=True)
class DahuaQuirks:
    key_value: bool = False  # the Events[0].EventBaseInfo.Code=... form
    images_on_stream: bool = True  # an image/jpeg part follows each event part
    real_utc: bool = True  # False: old firmware without RealUTC (UTC only)
    utc_offset_s: int = 8 * 3600  # site time zone: UTC field = RealUTC + offset
    group_size: int = 3  # pictures (events) per violation
    snapshot_zero_based: bool = False  # old firmware: snapshot.cgi channel 0 is the first
    image_bytes: int = 0


def event_code(c: Crossing) -> str:
    return "TrafficRunRedLight" if c.is_violation else "TrafficJunction"


def event_data(c: Crossing, *, group_id: int, event_id: int, index: int, count: int,
               machine: str, q: DahuaQuirks) -> dict[str, Any]:
    seconds = int(c.time)
    millis = int(round((c.time - seconds) * 1000))
    data: dict[str, Any] = {
        "Action": "Pulse", "Class": "Traffic", "Code": event_code(c),
        "CountInGroup": count, "IndexInGroup": index, "GroupID": group_id,
        "EventID": event_id, "Lane": c.lane, "Name": f"{event_code(c)}0",
        "Object": {"ObjectType": "Plate", "Text": c.plate, "Confidence": 200},
        "UTC": seconds + q.utc_offset_s, "UTCMS": millis,
        "TrafficCar": {
            "PlateNumber": c.plate, "PlateColor": _COLOURS.get(c.plate_color, "Unknown"),
            "PlateType": "Normal", "Lane": c.lane,
            "DrivingDirection": ["Approach" if c.direction == "approach" else "Leave",
                                 "Car come in", "Car go out"],
            "Speed": c.speed_kmh, "UpperSpeedLimit": c.speed_limit_kmh,
            "LowerSpeedLimit": 0, "VehicleColor": "White", "VehicleSize": "Light-duty",
            "LightState": _LIGHT.get(c.signal, 0), "MachineName": machine,
            "ViolationCode": "", "ViolationName": event_code(c),
            "ViolationDesc": "ran a red light" if c.is_violation else "ANPR"},
    }
    if q.real_utc:
        data["RealUTC"] = seconds
    return data


def header_part(code: str, data: dict[str, Any]) -> bytes:
    """`Code=X;action=Pulse;index=0;data={...}` with the JSON over several lines."""
    return (f"Code={code};action=Pulse;index=0;data=" +
            json.dumps(data, ensure_ascii=False, indent=4)).encode()


def flatten(prefix: str, value: Any) -> list[str]:
    if isinstance(value, dict):
        return [line for k, v in value.items() for line in flatten(f"{prefix}.{k}", v)]
    if isinstance(value, list):
        return [line for i, v in enumerate(value) for line in flatten(f"{prefix}[{i}]", v)]
    return [f"{prefix}={value}"]


def key_value_part(code: str, data: dict[str, Any]) -> bytes:
    lines = [f"Events[0].EventBaseInfo.Code={code}", "Events[0].EventBaseInfo.Action=Pulse",
             "Events[0].EventBaseInfo.Index=0"]
    rest = {k: v for k, v in data.items() if k not in ("Action", "Code")}
    lines += flatten("Events[0]", rest)
    return "\r\n".join(lines).encode()
