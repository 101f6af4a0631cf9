"""Dahua CGI bodies: `key=value` lines, `Error` bodies, event-stream parts.

Rules from the field (reference cameras.md §3.2, §3.3, §3.5):
- one `key=value` per line (CRLF or LF), split on the FIRST '=' only (values contain '=');
- an error is a body starting with `Error`, then a reason line (`Bad Request!` on older
  firmware with HTTP 400, `Not Implemented!` on 2024 firmware with 501, `Invalid Authority!`),
  and some recorders send it with HTTP 200, so the body decides, not the status;
- an event part is `Code=X;action=Start|Stop|Pulse|State;index=N[;data={json...}]`, where
  the JSON may span lines and contain ';'; `Heartbeat` alone is the keep-alive.
Nothing here raises on odd input except `parse_event` (DecodeError for a part with no Code).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from gateway.sdk import DecodeError

__all__ = ["parse_kv", "error_reason", "parse_current_time", "parse_software_version",
           "DahuaEvent", "parse_event", "EncodeStream", "parse_encode", "parse_presets",
           "parse_ptz_status", "first_number"]

MAX_EVENT_DATA = 64 * 1024


def parse_kv(text: str) -> dict[str, str]:
    """`key=value` lines to a dict; lines without '=' are ignored; later keys win."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip():
            out[key.strip()] = value.strip()
    return out


def error_reason(body: bytes) -> str | None:
    """`Bad Request!` / `Not Implemented!` / ... for an `Error` body, else None."""
    text = body.decode("utf-8", "replace").strip()
    first, _, rest = text.partition("\n")
    if not first.strip().startswith("Error") or "=" in first:
        return None
    reason = rest.strip().splitlines()[0].strip() if rest.strip() else ""
    return reason or "Error"


def parse_current_time(text: str, utc_offset_h: float) -> datetime | None:
    """`result=2024-5-1 10:00:00` (local time, no zone on the wire) -> aware datetime."""
    value = parse_kv(text).get("result")
    if value is None:
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            naive = datetime.strptime(value, fmt)
        except ValueError:
            continue
        return naive.replace(tzinfo=timezone(timedelta(hours=utc_offset_h)))
    return None


def parse_software_version(text: str) -> str | None:
    """`version=2.800.0000016.0.R,build:2020-06-05` -> `2.800.0000016.0.R (build 2020-06-05)`."""
    value = parse_kv(text).get("version")
    if not value:
        return None
    version, _, build = value.partition(",")
    build = build.partition(":")[2].strip()
    return f"{version.strip()} (build {build})" if build else version.strip()


def first_number(text: str) -> float | None:
    """The first numeric value of a `key=value` body (uptime answers vary by firmware)."""
    for value in parse_kv(text).values():
        number = _float(value)
        if number is not None:
            return number
    return None


@dataclass(slots=True, frozen=True)
class DahuaEvent:
    code: str  # "VideoMotion", "Heartbeat" ...
    action: str | None  # "Start" | "Stop" | "Pulse" | "State"
    index: int | None  # 0-based channel
    data: Any = None  # parsed JSON, or the raw text when it is not JSON

    @property
    def is_heartbeat(self) -> bool:
        return self.code == "Heartbeat"


HEARTBEAT = DahuaEvent("Heartbeat", None, None)


def parse_event(text: str) -> DahuaEvent:
    """One event-stream part body. Raises DecodeError when it names no Code."""
    text = text.strip()
    if text == "Heartbeat":
        return HEARTBEAT
    head, sep, raw_data = text.partition(";data=")
    fields = {}
    for item in head.split(";"):
        key, eq, value = item.partition("=")
        if eq:
            fields[key.strip()] = value.strip()
    code = fields.get("Code")
    if not code:
        raise DecodeError(f"event part without Code: {text[:80]!r}")
    try:
        index: int | None = int(fields["index"])
    except (KeyError, ValueError):
        index = None
    data: Any = None
    if sep:
        raw = raw_data[:MAX_EVENT_DATA]
        try:
            data = json.loads(raw)
        except ValueError:
            data = raw
    return DahuaEvent(code, fields.get("action"), index, data)


@dataclass(slots=True, frozen=True)
class EncodeStream:
    channel: int  # 0-based
    subtype: int  # 0 main, 1 first extra, 2 second extra
    codec: str | None
    width: int | None
    height: int | None
    fps: float | None


_ENCODE = re.compile(r"^table\.Encode\[(\d+)\]\.(MainFormat|ExtraFormat)\[(\d+)\]\.(.+)$")


def parse_encode(text: str) -> list[EncodeStream]:
    """Streams of `configManager.cgi?action=getConfig&name=Encode`: MainFormat[0] is
    subtype 0, ExtraFormat[n] subtype n+1; disabled extra streams are left out."""
    groups: dict[tuple[int, int], dict[str, str]] = {}
    for key, value in parse_kv(text).items():
        m = _ENCODE.match(key)
        if m is None:
            continue
        channel, kind, n, field = int(m[1]), m[2], int(m[3]), m[4]
        if kind == "MainFormat" and n != 0:
            continue  # MainFormat[1..] are event/alarm recording variants
        groups.setdefault((channel, n + 1 if kind == "ExtraFormat" else 0), {})[field] = value
    out = []
    for (channel, subtype), f in sorted(groups.items()):
        if f.get("VideoEnable", "true").lower() == "false":
            continue
        codec = f.get("Video.Compression")
        out.append(EncodeStream(channel, subtype,
                                codec.replace(".", "").upper() if codec else None,
                                _int(f.get("Video.Width")), _int(f.get("Video.Height")),
                                _float(f.get("Video.FPS"))))
    return out


def parse_presets(text: str) -> list[tuple[int, str]]:
    """(number, name) from `presets[i].Index=N` / `presets[i].Name=X` lines."""
    rows: dict[str, dict[str, str]] = {}
    for key, value in parse_kv(text).items():
        m = re.match(r"^presets\[(\d+)\]\.(\w+)$", key)
        if m:
            rows.setdefault(m[1], {})[m[2]] = value
    out = []
    for row in rows.values():
        number = _int(row.get("Index"))
        if number is not None:
            out.append((number, row.get("Name") or str(number)))
    return sorted(out)


def parse_ptz_status(text: str) -> tuple[float | None, float | None, float | None, bool]:
    """(pan degrees, tilt degrees, zoom raw, moving) from `ptz.cgi?action=getStatus`; the
    device spells it `Postion`, some firmware `Position`."""
    kv = parse_kv(text)

    def pos(i: int) -> float | None:
        return _float(kv.get(f"status.Postion[{i}]", kv.get(f"status.Position[{i}]")))

    return pos(0), pos(1), pos(2), kv.get("status.MoveStatus", "Idle").lower() == "moving"


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _float(value: str | None) -> float | None:
    """A finite number, or None ("abc", "nan" and "inf" included: JSON has no infinity)."""
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None
