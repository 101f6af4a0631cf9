"""An `EventNotificationAlert` (XML or JSON) to one typed `Alert`, whatever the firmware wrote.

Hikvision cameras send the same alert as XML or JSON (`parameterFormatType` of the HTTP host),
in one of several XML namespaces (cameras.md §2.0), with fields that come and go by firmware.
Both formats are first turned into one plain tree (element local names as keys, repeated
elements as lists, leaves as stripped text) so that one extraction serves both. XML parsing is
hardened: no DTD, no entity expansion, no network, bounded size (an XML bomb is a DecodeError,
not a hung gateway). Missing or empty fields are None, never an exception.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from gateway.sdk import DecodeError

__all__ = ["Tree", "Picture", "Alert", "parse_alert", "parse_document", "get", "get_text",
           "get_int", "MAX_ALERT_BYTES"]

Tree = dict[str, Any]
MAX_ALERT_BYTES = 1024 * 1024

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          dtd_validation=False, huge_tree=False, remove_comments=True,
                          remove_pis=True)


@dataclass(slots=True, frozen=True)
class Picture:
    file_name: str | None
    type: str | None  # detectionPicture | licensePlatePicture | ...


@dataclass(slots=True, frozen=True)
class Alert:
    """The header of one alert plus its ANPR block (None for other event types)."""

    event_type: str
    event_state: str | None
    date_time: str | None
    uuid: str | None
    device_id: str | None
    ip_address: str | None
    mac_address: str | None
    channel: int | None
    pic_num: int | None
    post_count: int | None
    anpr: Tree | None
    gat: Tree = field(default_factory=dict)  # VehicleGATInfo: GA/T codes the camera computed
    pictures: tuple[Picture, ...] = ()
    format: str = "xml"

    @property
    def is_anpr(self) -> bool:
        return self.event_type.lower() == "anpr" and self.anpr is not None


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _xml_tree(el: etree._Element) -> Tree | str | None:
    kids = [c for c in el if isinstance(c.tag, str)]
    if not kids:
        text = (el.text or "").strip()
        return text or None
    out: Tree = {}
    for child in kids:
        name = _local(child.tag)
        value = _xml_tree(child)
        if name in out:
            prev = out[name]
            out[name] = [*prev, value] if isinstance(prev, list) else [prev, value]
        else:
            out[name] = value
    return out


def parse_document(body: bytes, what: str = "alert") -> tuple[str, Tree]:
    """Parse an alert document; returns (format, tree of the EventNotificationAlert).
    Raises DecodeError for anything else (wrong root, bad syntax, DTDs, over-size)."""
    if len(body) > MAX_ALERT_BYTES:
        raise DecodeError(f"{what}: {len(body)} bytes exceeds the {MAX_ALERT_BYTES} byte limit")
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<":
        return "xml", _parse_xml(body, what)
    if head == b"{":
        return "json", _parse_json(body, what)
    raise DecodeError(f"{what}: neither XML nor JSON (starts with {body[:16]!r})")


def _parse_xml(body: bytes, what: str) -> Tree:
    lowered = body.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        raise DecodeError(f"{what}: document declares a DTD or entities (refused: ISAPI never "
                          "uses them; possible XML bomb)")
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as err:
        raise DecodeError(f"{what}: not well-formed XML: {err}") from None
    if root is None or _local(root.tag) != "EventNotificationAlert":
        name = _local(root.tag) if root is not None else "nothing"
        raise DecodeError(f"{what}: root element is {name!r}, not EventNotificationAlert")
    tree = _xml_tree(root)
    return tree if isinstance(tree, dict) else {}


def _parse_json(body: bytes, what: str) -> Tree:
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DecodeError(f"{what}: not valid JSON: {err}") from None
    if isinstance(data, dict) and set(data) == {"EventNotificationAlert"}:
        data = data["EventNotificationAlert"]
    if not isinstance(data, dict) or "eventType" not in data:
        raise DecodeError(f"{what}: JSON is not an EventNotificationAlert (no eventType)")
    return data


def get(tree: Any, *path: str) -> Any:
    """The value at `path` (keys), or None. A list on the way takes its first item."""
    node = tree
    for key in path:
        if isinstance(node, list):
            node = node[0] if node else None
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def get_text(tree: Any, *path: str) -> str | None:
    """Stripped text of a leaf (numbers and booleans as text); None if absent, empty or not a
    leaf."""
    value = get(tree, *path)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value.strip() or None
    return None


def get_int(tree: Any, *path: str) -> int | None:
    text = get_text(tree, *path)
    if text is None:
        return None
    try:
        return int(float(text))
    except ValueError:
        return None


def _pictures(tree: Tree) -> tuple[Picture, ...]:
    holder = get(tree, "ANPR", "pictureInfoList") or get(tree, "pictureInfoList")
    items = get(holder, "pictureInfo") if isinstance(holder, dict) else holder
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        return ()
    return tuple(Picture(get_text(p, "fileName"), get_text(p, "type"))
                 for p in items if isinstance(p, dict))


def parse_alert(body: bytes, what: str = "alert") -> Alert:
    """Parse one alert document. Raises DecodeError (message says what is wrong)."""
    fmt, tree = parse_document(body, what)
    event_type = get_text(tree, "eventType")
    if event_type is None:
        raise DecodeError(f"{what}: EventNotificationAlert without eventType")
    anpr = tree.get("ANPR")
    gat = tree.get("VehicleGATInfo")
    if not isinstance(gat, dict):
        gat = get(anpr, "VehicleGATInfo") if isinstance(anpr, dict) else None
    return Alert(
        event_type=event_type,
        event_state=get_text(tree, "eventState"),
        date_time=get_text(tree, "dateTime"),
        uuid=get_text(tree, "UUID") or get_text(tree, "uuid"),
        device_id=get_text(tree, "deviceID"),
        ip_address=get_text(tree, "ipAddress"),
        mac_address=get_text(tree, "macAddress"),
        channel=get_int(tree, "channelID") or get_int(tree, "dynChannelID"),
        pic_num=get_int(tree, "picNum"),
        post_count=get_int(tree, "activePostCount"),
        anpr=anpr if isinstance(anpr, dict) else None,
        gat=gat if isinstance(gat, dict) else {},
        pictures=_pictures(tree),
        format=fmt,
    )
