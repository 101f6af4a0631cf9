"""A Hikvision ANPR alert to Junction's normalized `ViolationRecord` or plate read.

Field sources follow enforcement.md §7. Where the camera computed GA codes itself
(`VehicleGATInfo{palteTypeByGAT, plateColorByGAT, vehicleTypeByGAT, colorByGAT}`) they win over
its own vocabulary (`ANPR.plateType`, `plateColor`), which wins over the colour prefix CN
firmware writes in front of the plate (`蓝苏A8HK52`). The plate is always stored without the
prefix; the raw value stays in the plate-read event and the diagnostics. Violation codes go
through a per-profile table (`illegalCode` or `illegalName` -> national code, e.g. 1625 for a
red light); unmapped numeric codes pass through (ITC firmware reports GA codes [I]), anything
else is kept as `hikvision:<code>` so nothing is silently dropped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timezone
from typing import Any

from adapters.hikvision_itc.codec import Alert, get, get_int, get_text
from adapters.hikvision_itc.const import NO_PLATE, VENDOR
from gateway.model.violation import Plate, Vehicle, Violation, ViolationRecord
from gateway.sdk import DecodeError

__all__ = ["CodeTable", "Read", "normalize", "split_plate", "plate_type_code", "parse_time",
           "image_role", "GA_PLATE_COLOURS", "RED_LIGHT"]

RED_LIGHT = "1625"
# GA plate colour codes (HPYS) as Hikvision's plateColorByGAT carries them [I: GA 24.x, verify].
GA_PLATE_COLOURS = {"0": "white", "1": "yellow", "2": "blue", "3": "black", "4": "green",
                    "5": "yellow_green", "9": "other"}
_COLOUR_WORDS = {"blue": "blue", "yellow": "yellow", "white": "white", "black": "black",
                 "green": "green", "yellowgreen": "yellow_green", "newenergygreen": "green",
                 "other": "other", "unknown": None}
# Two-character prefixes first: 黄绿 (yellow-green, large new-energy) before 黄 (yellow).
_COLOUR_PREFIXES = (("黄绿", "yellow_green"), ("渐变绿", "green"), ("蓝", "blue"),
                    ("黄", "yellow"), ("白", "white"), ("黑", "black"), ("绿", "green"))
# Hikvision plateType words to GA plate types (HPZL, GA 24.7 [I]); "civil" types depend on
# the colour: yellow = 01 large, blue = 02 small, green = 52 small new energy.
_CIVIL_TYPES = frozenset({"92typecivil", "civil", "02typepersonalized", "yellowtwoline"})
_TYPE_WORDS = {"embassy": "03", "consulate": "04", "police": "23", "92typearm": "23",
               "newenergy": "52", "coach": "16", "trailer": "15"}
_COLOUR_TYPES = {"yellow": "01", "blue": "02", "green": "52", "yellow_green": "51"}
_DIRECTIONS = {"forward": "approach", "reverse": "leave"}  # [I] which way is "forward"
_LIGHTS = {"0": None, "1": "green", "2": "red", "3": "yellow", "green": "green", "red": "red",
           "yellow": "yellow"}
_ROLES = {"detectionpicture": "overview", "licenseplatepicture": "plate",
          "vehiclepicture": "vehicle", "scenepicture": "scene"}


@dataclass(slots=True, frozen=True)
class CodeTable:
    """A profile's violation table and time rule."""

    codes: Mapping[str, str]  # illegalCode or illegalName -> national code
    pass_numeric: bool = True
    naive_offset: timezone | None = None  # for firmware whose dateTime has no offset

    def national(self, code: str | None, name: str | None) -> str | None:
        """The national code of a violation; None when the alert is no violation."""
        if code is not None and code.strip("0") == "":
            code = None
        if code is None and name is None:
            return None
        for key in (code, name):
            if key is not None and key in self.codes:
                return self.codes[key]
        if code is not None and code.isdigit() and self.pass_numeric:
            return code
        return f"hikvision:{code or name}"


@dataclass(slots=True, frozen=True)
class Read:
    """One normalized ANPR read; `violation` is None for a plain plate read."""

    raw_id: str
    time: datetime
    plate: Plate
    raw_plate: str | None
    vehicle: Vehicle
    violation: Violation | None
    lane: int | None
    direction: str | None
    speed_kmh: float | None
    speed_limit_kmh: float | None
    signal_state: str | None
    confidence: int | None

    def record(self, location_code: str | None) -> ViolationRecord:
        assert self.violation is not None
        return ViolationRecord(
            id="", device="", time=self.time, plate=self.plate, vehicle=self.vehicle,
            violation=self.violation, lane=self.lane, direction=self.direction,
            speed_kmh=self.speed_kmh, speed_limit_kmh=self.speed_limit_kmh,
            signal_state=self.signal_state, location_code=location_code,
            source_vendor=VENDOR, raw_id=self.raw_id)

    def event_data(self) -> dict[str, Any]:
        """The data of an `enforcement.plate_read` event."""
        return {"raw_id": self.raw_id, "time": self.time.isoformat(),
                "plate": self.plate.number, "plate_raw": self.raw_plate,
                "plate_color": self.plate.color, "plate_type": self.plate.type_code,
                "vehicle_type": self.vehicle.type, "lane": self.lane,
                "direction": self.direction, "speed_kmh": self.speed_kmh,
                "signal_state": self.signal_state, "confidence": self.confidence}


def split_plate(raw: str | None) -> tuple[str | None, str | None]:
    """(plate without colour prefix, colour named by the prefix). `蓝苏A8HK52` ->
    (`苏A8HK52`, blue); `无车牌` (no plate read) -> (None, None)."""
    if raw is None or raw.strip().lower() in NO_PLATE:
        return None, None
    text = raw.strip()
    for prefix, colour in _COLOUR_PREFIXES:
        rest = text[len(prefix):]
        # strip only when a plate follows: a CJK province character, or 6+ characters
        if text.startswith(prefix) and rest and (_is_cjk(rest[0]) or len(rest) >= 6):
            return rest, colour
    return text, None


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def _colour(alert: Alert, prefix_colour: str | None) -> str | None:
    ga = get_text(alert.gat, "plateColorByGAT")
    if ga is not None and ga in GA_PLATE_COLOURS:
        return GA_PLATE_COLOURS[ga]
    word = get_text(alert.anpr, "plateColor")
    if word is not None:
        key = word.replace("_", "").replace(" ", "").lower()
        if key in _COLOUR_WORDS:
            return _COLOUR_WORDS[key]
    return prefix_colour


def plate_type_code(gat_value: str | None, vendor_type: str | None,
                    colour: str | None) -> str | None:
    """GA plate type (HPZL, two digits): the camera's own GA value, else from its plateType
    word and the colour."""
    if gat_value is not None and gat_value.isdigit() and int(gat_value) > 0:
        return f"{int(gat_value):02d}"
    word = (vendor_type or "").lower()
    if word in _TYPE_WORDS:
        return _TYPE_WORDS[word]
    if (word in _CIVIL_TYPES or not word) and colour in _COLOUR_TYPES:
        return _COLOUR_TYPES[colour]
    return None


def parse_time(text: str | None, naive_offset: timezone | None) -> datetime:
    """`dateTime` (ISO 8601 with offset) in UTC. Raises DecodeError when it is missing,
    malformed, or has no offset and the profile gives none."""
    if text is None:
        raise DecodeError("alert has no dateTime")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise DecodeError(f"dateTime {text!r} is not ISO 8601") from None
    if moment.tzinfo is None:
        if naive_offset is None:
            raise DecodeError(f"dateTime {text!r} has no UTC offset; set the device option "
                              "naive_time_offset (e.g. '+08:00') for this firmware")
        moment = moment.replace(tzinfo=naive_offset)
    return moment.astimezone(UTC)


def image_role(file_name: str | None, alert: Alert, index: int) -> str:
    """An image's role from the alert's pictureInfoList (by file name), else from the file
    name itself (`licensePlatePicture.jpg` -> plate), else `scene`."""
    kind: str | None = None
    if file_name is not None:
        kind = next((p.type for p in alert.pictures if p.file_name == file_name), None)
        if kind is None:
            kind = file_name.rsplit("/", 1)[-1].split(".", 1)[0].rstrip("0123456789_-")
    elif index < len(alert.pictures):
        kind = alert.pictures[index].type
    return _ROLES.get((kind or "").lower(), "scene")


def _float(tree: Any, *path: str) -> float | None:
    text = get_text(tree, *path)
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def _raw_id(alert: Alert, raw_plate: str | None) -> str:
    """The camera's UUID; without one, a digest of what identifies the read (a retry of the
    same push carries the same fields, so it still deduplicates)."""
    if alert.uuid:
        return alert.uuid
    key = "|".join(str(x) for x in (alert.date_time, alert.channel, raw_plate,
                                    get_text(alert.anpr, "line"),
                                    get_text(alert.anpr, "illegalInfo", "illegalCode")))
    return "h-" + hashlib.sha256(key.encode()).hexdigest()[:24]


def normalize(alert: Alert, table: CodeTable) -> Read:
    """Normalize one ANPR alert. Raises DecodeError when it cannot be dated."""
    anpr = alert.anpr or {}
    raw_plate = get_text(anpr, "licensePlate") or get_text(anpr, "originalLicensePlate")
    number, prefix_colour = split_plate(raw_plate)
    colour = _colour(alert, prefix_colour)
    gat_type = get_text(alert.gat, "palteTypeByGAT") or get_text(alert.gat, "plateTypeByGAT")
    plate = Plate(number=number, color=colour,
                  type_code=plate_type_code(gat_type, get_text(anpr, "plateType"), colour))
    vehicle = Vehicle(
        type=get_text(alert.gat, "vehicleTypeByGAT") or get_text(anpr, "vehicleType"),
        color=get_text(alert.gat, "colorByGAT") or get_text(anpr, "vehicleInfo", "color"))
    illegal = get(anpr, "illegalInfo")
    code = table.national(get_text(illegal, "illegalCode"), get_text(illegal, "illegalName"))
    violation = None
    if code is not None:
        violation = Violation(code=code, description=get_text(illegal, "illegalDescription")
                              or get_text(illegal, "illegalName"))
    direction = get_text(anpr, "direction")
    light = (get_text(anpr, "trafficLight") or "").lower()
    return Read(
        raw_id=_raw_id(alert, raw_plate),
        time=parse_time(alert.date_time, table.naive_offset),
        plate=plate, raw_plate=raw_plate, vehicle=vehicle, violation=violation,
        lane=get_int(anpr, "line"),
        direction=_DIRECTIONS.get(direction.lower(), direction.lower()) if direction else None,
        speed_kmh=_float(anpr, "vehicleInfo", "speed"),
        speed_limit_kmh=_float(anpr, "speedLimit"),
        signal_state=_LIGHTS.get(light, light or None),
        confidence=get_int(anpr, "confidenceLevel"))
