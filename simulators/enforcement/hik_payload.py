"""What a Hikvision ITC camera sends for one crossing: the ANPR alert (XML or JSON) and images.

Shapes follow enforcement.md §3 (SDK Traffic guide `XML_EventNotificationAlert_ANPR` and
community ITC payloads). The field variety real firmware shows is reproduced through
`HikQuirks`: namespace, XML or JSON, colour-prefixed plates, GA block present or not, image
parts named `detectionPicture_N.jpg` / `licensePlatePicture.jpg` or just `N.jpg` (matched
through pictureInfoList), dateTime with or without offset. The signal state at the crossing is
written as `ANPR.trafficLight` (0 none, 1 green, 2 red, 3 yellow) [I: mirrors the Device
Network SDK's ITS plate result `byTrafficLight`; the ISAPI element name is not confirmed].
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from xml.sax.saxutils import escape

from simulators.camera.jpeg import evidence_jpeg
from simulators.enforcement.traffic import Crossing

__all__ = ["HikQuirks", "Evidence", "evidence_for", "alert_tree", "alert_xml", "alert_json",
           "multipart_body", "heartbeat_xml", "COLOUR_PREFIX"]

COLOUR_PREFIX = {"blue": "蓝", "yellow": "黄", "green": "绿", "white": "白", "black": "黑"}
_GA_COLOUR = {"white": "0", "yellow": "1", "blue": "2", "black": "3", "green": "4"}
_LIGHT = {"green": "1", "red": "2", "yellow": "3"}


@dataclass(frozen=True, slots=True)
class HikQuirks:
    namespace: str = "http://www.isapi.org/ver20/XMLSchema"
    format: str = "xml"  # xml | json (HTTP host parameterFormatType)
    colour_prefix: bool = True  # CN firmware: 蓝苏A8HK52
    gat_block: bool = True  # VehicleGATInfo with GA codes
    numbered_images: bool = False  # parts named 1.jpg, 2.jpg ... (pictureInfoList maps them)
    naive_time: bool = False  # dateTime without a UTC offset
    utc_offset_s: int = 8 * 3600  # the camera's local time zone
    image_bytes: int = 0  # pad each image to this size (bench: 200 KB)
    overview_images: int = 3  # red-light evidence: before, at and beyond the stop line


@dataclass(frozen=True, slots=True)
class Evidence:
    """One crossing's images as the camera names them."""

    names: tuple[str, ...]
    types: tuple[str, ...]
    images: tuple[bytes, ...]


def evidence_for(c: Crossing, device_id: str, q: HikQuirks) -> Evidence:
    count = q.overview_images if c.is_violation else 1
    types = ("detectionPicture",) * count + ("licensePlatePicture",)
    if q.numbered_images:
        names = tuple(f"{n + 1}.jpg" for n in range(len(types)))
    else:
        names = tuple(f"detectionPicture_{n + 1}.jpg" for n in range(count)) + \
            ("licensePlatePicture.jpg",)
    images = tuple(evidence_jpeg(f"{device_id} {c.uuid} {kind} {n} t={c.time:.3f} lane={c.lane} "
                                 f"signal={c.signal} plate={c.plate}", q.image_bytes)
                   for n, kind in enumerate(types))
    return Evidence(names, types, images)


def _local_time(epoch: float, q: HikQuirks) -> str:
    zone = timezone(timedelta(seconds=q.utc_offset_s))
    moment = datetime.fromtimestamp(epoch, UTC).astimezone(zone)
    text = moment.isoformat(timespec="milliseconds")
    return text[:-6] if q.naive_time else text


def alert_tree(c: Crossing, ev: Evidence, *, device_id: str, ip: str, mac: str,
               q: HikQuirks) -> dict[str, Any]:
    """The alert as a nested dict (JSON as is; XML renders the same tree)."""
    plate = (COLOUR_PREFIX.get(c.plate_color, "") if q.colour_prefix else "") + c.plate
    anpr: dict[str, Any] = {
        "country": 3, "licensePlate": plate, "originalLicensePlate": plate, "line": c.lane,
        "direction": "forward" if c.direction == "approach" else "reverse",
        "confidenceLevel": 97, "plateType": "92TypeCivil" if c.plate_color != "green"
        else "newEnergy", "plateColor": c.plate_color, "licenseBright": 120,
        "speedLimit": c.speed_limit_kmh, "vehicleType": c.vehicle_type,
        "vehicleInfo": {"index": c.seq, "colorDepth": 2, "color": "white", "speed": c.speed_kmh,
                        "length": 0, "vehicleLogoRecog": 1026, "vehileModel": 0},
        "trafficLight": _LIGHT.get(c.signal, "0"),
        "pictureInfoList": {"pictureInfo": [{"fileName": n, "type": t}
                                            for n, t in zip(ev.names, ev.types, strict=True)]},
        "pilotsafebelt": "unknown", "uphone": "unknown",
    }
    if c.violation_code is not None:
        anpr["illegalInfo"] = {"illegalCode": c.violation_code, "illegalName": "Run_Red_Light",
                               "illegalDescription": "ran a red light"}
    tree: dict[str, Any] = {
        "ipAddress": ip, "portNo": 80, "protocol": "HTTP", "macAddress": mac, "channelID": 1,
        "dateTime": _local_time(c.time, q), "activePostCount": 1, "eventType": "ANPR",
        "eventState": "active", "eventDescription": "ANPR", "channelName": "ITC",
        "deviceID": device_id, "UUID": c.uuid, "picNum": len(ev.images), "ANPR": anpr}
    if q.gat_block:
        tree["VehicleGATInfo"] = {"palteTypeByGAT": int(c.plate_type),
                                  "plateColorByGAT": _GA_COLOUR.get(c.plate_color, "9"),
                                  "vehicleTypeByGAT": c.vehicle_gat, "colorByGAT": "A"}
    return tree


def _xml(name: str, value: Any) -> str:
    if isinstance(value, dict):
        return f"<{name}>" + "".join(_xml(k, v) for k, v in value.items()) + f"</{name}>"
    if isinstance(value, list):
        return "".join(_xml(name, v) for v in value)
    return f"<{name}>{escape(str(value))}</{name}>"


def alert_xml(tree: dict[str, Any], q: HikQuirks) -> bytes:
    inner = "".join(_xml(k, v) for k, v in tree.items())
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<EventNotificationAlert version="2.0" '
            f'xmlns="{q.namespace}">{inner}</EventNotificationAlert>\n').encode()


def alert_json(tree: dict[str, Any]) -> bytes:
    return json.dumps(tree, ensure_ascii=False, indent=1).encode()


def heartbeat_xml(ip: str, mac: str, device_id: str, q: HikQuirks, now: float) -> bytes:
    tree = {"ipAddress": ip, "portNo": 80, "protocol": "HTTP", "macAddress": mac,
            "channelID": 1, "dateTime": _local_time(now, q), "activePostCount": 0,
            "eventType": "videoloss", "eventState": "inactive",
            "eventDescription": "videoloss alarm", "deviceID": device_id}
    return alert_xml(tree, q)


def multipart_body(alert: bytes, fmt: str, ev: Evidence) -> tuple[bytes, str]:
    """(body, Content-Type) of a multipart/form-data push: the alert part, then the images."""
    boundary = "----JunctionITC" + secrets.token_hex(8)
    ext, ctype = ("xml", "application/xml") if fmt == "xml" else ("json", "application/json")
    parts = [(f'form-data; name="anpr.{ext}"; filename="anpr.{ext}"', ctype, alert)]
    parts += [(f'form-data; name="{name.rsplit(".", 1)[0]}"; filename="{name}"', "image/jpeg",
               img) for name, img in zip(ev.names, ev.images, strict=True)]
    out = bytearray()
    for disposition, part_type, body in parts:
        out += (f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
                f"Content-Type: {part_type}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        out += body + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"
