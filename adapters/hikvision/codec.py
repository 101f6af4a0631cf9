"""ISAPI XML in and out, whatever namespace the firmware uses.

The namespace of ISAPI documents changes with firmware and document generation (hikvision.com
ver10/ver20, isapi.org, std-cgi.org: reference cameras.md §2.0), so nothing here matches a
namespace: elements are found by local name. Parsing is hardened against hostile or broken
devices: no DTDs (an XML bomb is a DecodeError, not a hung gateway), no entity expansion, no
network access, bounded input. Empty or missing fields are None, never an exception
(an empty `<activePostCount/>` once killed pyHik's stream: HA #173174).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from xml.sax.saxutils import quoteattr

from lxml import etree

from gateway.sdk import DecodeError

__all__ = ["DeviceInfo", "StreamChannel", "ResponseStatus", "Alert", "parse_xml", "local",
           "child_text", "children", "descendants", "parse_device_info", "parse_status",
           "parse_local_time", "parse_channels", "parse_response_status", "parse_ptz_status",
           "parse_presets", "parse_alert", "parse_datetime", "ptz_data", "namespace", "DEFAULT_NS"]

DEFAULT_NS = "http://www.hikvision.com/ver20/XMLSchema"
MAX_XML_BYTES = 512 * 1024

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          dtd_validation=False, huge_tree=False, remove_comments=True,
                          remove_pis=True)


def parse_xml(body: bytes, what: str) -> etree._Element:
    """Parse one ISAPI document. Raises DecodeError for anything that is not plain XML."""
    if len(body) > MAX_XML_BYTES:
        raise DecodeError(f"{what}: {len(body)} bytes of XML exceeds {MAX_XML_BYTES}")
    head = body[:2048].lower()
    if b"<!doctype" in head or b"<!entity" in body.lower():
        raise DecodeError(f"{what}: document declares a DTD or entities (refused: ISAPI never "
                          "uses them; possible XML bomb)")
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as err:
        raise DecodeError(f"{what}: not well-formed XML: {err}") from None
    if root is None:
        raise DecodeError(f"{what}: empty XML document")
    return root


def local(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):  # comments and processing instructions
        return ""
    return tag.rpartition("}")[2]


def namespace(el: etree._Element) -> str | None:
    tag = el.tag
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else None


def children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if local(c) == name]


def descendants(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el.iter() if local(c) == name]


def child_text(el: etree._Element | None, *path: str) -> str | None:
    """Stripped text of the first element along `path` of local names; None if absent/empty."""
    node = el
    for name in path:
        if node is None:
            return None
        node = next((c for c in node if local(c) == name), None)
    if node is None or node.text is None:
        return None
    return node.text.strip() or None


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(float(text))
    except (ValueError, OverflowError):  # "abc", "nan", "inf"
        return None


def parse_datetime(text: str | None) -> datetime | None:
    """ISO 8601 as ISAPI writes it (`2024-05-01T10:00:00+08:00`, `...Z`, `+0800`); a time
    without offset is taken as UTC. Unparseable -> None (never raises)."""
    if not text:
        return None
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    if len(value) > 5 and value[-5] in "+-" and value[-4:].isdigit() and ":" not in value[-5:]:
        value = value[:-2] + ":" + value[-2:]
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@dataclass(slots=True, frozen=True)
class DeviceInfo:
    name: str | None
    device_id: str | None
    model: str | None
    serial: str | None
    mac: str | None
    firmware: str | None
    firmware_date: str | None
    device_type: str | None


def parse_device_info(root: etree._Element) -> DeviceInfo:
    if local(root) != "DeviceInfo":
        raise DecodeError(f"deviceInfo: expected <DeviceInfo>, got <{local(root)}>")
    return DeviceInfo(name=child_text(root, "deviceName"), device_id=child_text(root, "deviceID"),
                      model=child_text(root, "model"), serial=child_text(root, "serialNumber"),
                      mac=child_text(root, "macAddress"),
                      firmware=child_text(root, "firmwareVersion"),
                      firmware_date=child_text(root, "firmwareReleasedDate"),
                      device_type=child_text(root, "deviceType"))


def parse_status(root: etree._Element) -> tuple[float | None, datetime | None]:
    """(uptime in seconds, device time) from `<DeviceStatus>`; either may be None."""
    uptime = _int(child_text(root, "deviceUpTime"))
    return (float(uptime) if uptime is not None else None,
            parse_datetime(child_text(root, "currentDeviceTime")))


def parse_local_time(root: etree._Element) -> datetime | None:
    """Device time from `<Time><localTime>`."""
    return parse_datetime(child_text(root, "localTime"))


@dataclass(slots=True, frozen=True)
class StreamChannel:
    id: int
    name: str | None
    enabled: bool
    codec: str | None
    width: int | None
    height: int | None
    fps: float | None


def parse_channels(root: etree._Element) -> list[StreamChannel]:
    """`<StreamingChannelList>` (or one `<StreamingChannel>`). maxFrameRate is in 1/100 fps."""
    items = [root] if local(root) == "StreamingChannel" else descendants(root, "StreamingChannel")
    out = []
    for ch in items:
        ident = _int(child_text(ch, "id"))
        if ident is None:
            continue
        video = next(iter(children(ch, "Video")), None)
        rate = _int(child_text(video, "maxFrameRate"))
        codec = child_text(video, "videoCodecType")
        out.append(StreamChannel(
            id=ident, name=child_text(ch, "channelName"),
            enabled=(child_text(ch, "enabled") or "true").lower() != "false",
            codec=codec.replace(".", "").upper() if codec else None,
            width=_int(child_text(video, "videoResolutionWidth")),
            height=_int(child_text(video, "videoResolutionHeight")),
            fps=rate / 100 if rate is not None else None))
    return out


@dataclass(slots=True, frozen=True)
class ResponseStatus:
    status_code: int | None  # 1 OK, 2 busy, 3 device error, 4 invalid operation ...
    status_string: str | None
    sub_status_code: str | None

    @property
    def ok(self) -> bool:
        return self.status_code in (0, 1)

    def describe(self) -> str:
        return (f"statusCode={self.status_code} ({self.status_string or '?'}), "
                f"subStatusCode={self.sub_status_code or '?'}")


def parse_response_status(root: etree._Element) -> ResponseStatus | None:
    if local(root) != "ResponseStatus":
        return None
    return ResponseStatus(_int(child_text(root, "statusCode")), child_text(root, "statusString"),
                          child_text(root, "subStatusCode"))


def parse_ptz_status(root: etree._Element) -> tuple[int | None, int | None, int | None]:
    """Raw (azimuth, elevation, absoluteZoom) from `<PTZStatus><AbsoluteHigh>`."""
    high = next(iter(descendants(root, "AbsoluteHigh")), None)
    return (_int(child_text(high, "azimuth")), _int(child_text(high, "elevation")),
            _int(child_text(high, "absoluteZoom")))


def parse_presets(root: etree._Element) -> list[tuple[int, str]]:
    """(id, name) of each `<PTZPreset>`; a preset without a name is called by its id."""
    out = []
    for preset in descendants(root, "PTZPreset"):
        ident = _int(child_text(preset, "id"))
        if ident is not None:
            out.append((ident, child_text(preset, "presetName") or str(ident)))
    return out


@dataclass(slots=True, frozen=True)
class Alert:
    event_type: str  # as sent ("VMD", "tamperdetection" ...)
    active: bool
    channel: int | None
    post_count: int | None
    time: datetime | None
    description: str | None


CHANNEL_FIELDS = ("channelID", "dynChannelID", "inputIOPortID", "dynInputIOPortID")


def parse_alert(root: etree._Element) -> Alert:
    """One `<EventNotificationAlert>`. Raises DecodeError if it has no eventType."""
    if local(root) != "EventNotificationAlert":
        raise DecodeError(f"alert part: expected <EventNotificationAlert>, got <{local(root)}>")
    event_type = child_text(root, "eventType")
    if event_type is None:
        raise DecodeError("alert part without eventType")
    state = (child_text(root, "eventState") or "active").lower()
    channel = next((c for f in CHANNEL_FIELDS if (c := _int(child_text(root, f))) is not None),
                   None)
    return Alert(event_type=event_type, active=state == "active", channel=channel,
                 post_count=_int(child_text(root, "activePostCount")),
                 time=parse_datetime(child_text(root, "dateTime")),
                 description=child_text(root, "eventDescription"))


def ptz_data(pan: int, tilt: int, zoom: int, ns: str = DEFAULT_NS) -> bytes:
    """`<PTZData>` for continuous moves; speeds -100..100, all zero = stop."""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<PTZData version="2.0" xmlns={quoteattr(ns)}>'
            f"<pan>{pan}</pan><tilt>{tilt}</tilt><zoom>{zoom}</zoom></PTZData>").encode()
