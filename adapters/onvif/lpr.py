"""ONVIF Profile M licence-plate recognition: which topics carry plate reads, how one read is
decoded, and where it goes (enforcement.md §5, §7).

The standard topic is `tns1:RuleEngine/Recognition/LicensePlate` (rule type
`tt:LicensePlateRecognition`), but devices advertise others (`…/LicensePlateRecognition/Plate`,
vendor namespaces): the adapter reads `GetEventProperties` at open and takes every topic whose
message description carries a `LicensePlateInfo` (or `PlateNumber`) data item, matched by
namespace, not by prefix. A read is decoded strictly: a plate without a number, a `Likelihood`
that is not a number in [0, 1], an `Image` that is not base64 of a JPEG or PNG, or a read
without `UtcTime` is a DecodeError, counted and dropped whole.

Where a read goes depends on the device's kind: an `enforcement_camera` commits it through
`context.ingest` as a `ViolationRecord` (code `plate_read`, or what `lpr_rule_codes` maps the
rule to) with the decoded image as evidence; ONVIF has no acknowledgement, so a read delivered
twice (a device that repeats reads after a renew or a new subscription) is kept once by its
deterministic raw id (source, rule, ObjectId, UtcTime in UTC to the microsecond). A plain
`camera` emits `enforcement.plate_read` events.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from lxml import etree

from adapters.onvif.codec import parse_time, q
from adapters.onvif.topics import Notification, topic_key
from gateway.model import DeviceKind, EventType
from gateway.model.violation import Plate, Vehicle, Violation, ViolationRecord
from gateway.sdk import AdapterContext, DecodeError, EvidenceUpload, InvalidArguments, JunctionError

__all__ = ["STANDARD_TOPIC", "STANDARD_KEY", "PlateRead", "LprTopics", "advertised_lpr_topics",
           "parse_plate_read", "PlateReads"]

log = logging.getLogger(__name__)

STANDARD_TOPIC = "tns1:RuleEngine/Recognition/LicensePlate"
STANDARD_KEY = topic_key(STANDARD_TOPIC, {})
VENDOR = "onvif"
# Data items whose presence in a topic's MessageDescription marks it as a plate-read topic.
_LPR_ITEMS = frozenset({"LicensePlateInfo", "PlateNumber", "LicensePlate"})
_IMAGE_TYPES = (("image/jpeg", b"\xff\xd8\xff"), ("image/png", b"\x89PNG\r\n\x1a\n"))
_DIRECTIONS = {"approach": "approach", "approaching": "approach", "toward": "approach",
               "towards": "approach", "in": "approach", "incoming": "approach",
               "leave": "leave", "leaving": "leave", "away": "leave", "out": "leave",
               "outgoing": "leave"}  # [I] Profile M does not fix the vocabulary
MAX_IMAGE_B64 = 16 * 1024 * 1024


def _local(node: etree._Element) -> str:
    return etree.QName(node).localname


def _children(node: etree._Element) -> list[etree._Element]:
    return [c for c in node if isinstance(c.tag, str)]


def _child(node: etree._Element | None, name: str) -> etree._Element | None:
    """The first child with this local name, whatever its namespace (devices differ)."""
    if node is None:
        return None
    return next((c for c in _children(node) if _local(c) == name), None)


# -- which topics ------------------------------------------------------------------------------

class LprTopics:
    """The topics of one device that carry plate reads, as namespace-qualified keys."""

    __slots__ = ("keys", "paths")

    def __init__(self, advertised: set[str] | None = None,
                 configured: list[str] | tuple[str, ...] = ()) -> None:
        self.keys: set[str] = {STANDARD_KEY, *(advertised or set())}
        # topics from the `lpr_topics` option: matched by path, whatever the prefix
        self.paths = {t.partition(":")[2] if ":" in t.split("/")[0] else t for t in configured}

    def matches(self, n: Notification) -> bool:
        key = n.key or n.topic
        if any(key == k or key.startswith(k + "/") for k in self.keys):
            return True
        path = n.topic.partition(":")[2] if ":" in n.topic.split("/")[0] else n.topic
        return path in self.paths

    def describe(self) -> list[str]:
        return sorted(self.keys) + sorted(self.paths)


def advertised_lpr_topics(body: etree._Element) -> set[str]:
    """Keys of the topics in a GetEventPropertiesResponse's TopicSet that carry plate reads:
    the standard topic, and any topic whose MessageDescription has a LicensePlateInfo or
    PlateNumber data item. Topic elements are the TopicSet's descendants marked
    `wstop:topic="true"` or holding a MessageDescription; the path is their ancestry."""
    topic_set = body.find(q("wstop:TopicSet"))
    found: set[str] = set()
    if topic_set is None:
        return found
    marker = q("wstop:topic")
    description_tag = q("tt:MessageDescription")
    for node in topic_set.iter():
        if not isinstance(node.tag, str) or node is topic_set or node.tag == description_tag:
            continue
        description = node.find(description_tag)
        if description is None and (node.get(marker) or "").lower() != "true":
            continue
        chain: list[etree._Element] = []
        cursor: etree._Element | None = node
        while cursor is not None and cursor is not topic_set:
            chain.append(cursor)
            cursor = cursor.getparent()
        if any(c.tag == description_tag for c in chain):
            continue  # an element inside a message description, not a topic
        chain.reverse()
        root_ns = etree.QName(chain[0]).namespace
        path = "/".join(_local(c) for c in chain)
        key = f"{{{root_ns}}}{path}" if root_ns else path
        if key == STANDARD_KEY or (description is not None and _describes_plate(description)):
            found.add(key)
    return found


def _describes_plate(description: etree._Element) -> bool:
    data = _child(description, "Data")
    if data is None:
        return False
    for item in data.iter():
        if not isinstance(item.tag, str):
            continue
        name = item.get("Name") or ""
        kind = (item.get("Type") or "").rpartition(":")[2]
        if name in _LPR_ITEMS or kind == "LicensePlateInfo":
            return True
    return False


# -- one read ----------------------------------------------------------------------------------

@dataclass(slots=True, frozen=True)
class PlateRead:
    raw_id: str
    topic: str
    rule: str | None
    source: str | None
    object_id: str | None
    device_time: datetime  # UtcTime as the camera stamped it
    plate: str
    plate_likelihood: float | None
    plate_type: str | None
    country: str | None
    issuing_entity: str | None
    plate_color: str | None
    vehicle_type: str | None
    vehicle_color: str | None
    likelihood: float | None
    speed_kmh: float | None
    direction: str | None
    image: bytes | None
    image_type: str | None
    image_uri: str | None

    def event_data(self) -> dict[str, Any]:
        """The data of an `enforcement.plate_read` event (no image bytes: events are small)."""
        return {"raw_id": self.raw_id, "time": self.device_time.isoformat(), "topic": self.topic,
                "rule": self.rule, "source": self.source, "object_id": self.object_id,
                "plate": self.plate, "plate_type": self.plate_type, "country": self.country,
                "issuing_entity": self.issuing_entity, "plate_color": self.plate_color,
                "vehicle_type": self.vehicle_type, "vehicle_color": self.vehicle_color,
                "direction": self.direction, "speed_kmh": self.speed_kmh,
                "confidence": self.plate_likelihood if self.plate_likelihood is not None
                else self.likelihood,
                "image_bytes": len(self.image) if self.image is not None else 0,
                "image_uri": self.image_uri}


def _likelihood(value: str | None, what: str) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        raise DecodeError(f"{what}: Likelihood {value!r} is not a number") from None
    if not 0.0 <= number <= 1.0:
        raise DecodeError(f"{what}: Likelihood {value!r} is outside [0, 1]")
    return number


def _string_likelihood(info: etree._Element | None, name: str
                       ) -> tuple[str | None, float | None]:
    """A StringLikelihood field: (stripped text or None, its Likelihood attribute)."""
    node = _child(info, name)
    if node is None:
        return None, None
    value = (node.text or "").strip() or None
    return value, _likelihood(node.get("Likelihood"), name)


def _element_item(data: etree._Element | None, name: str) -> etree._Element | None:
    """The content of `<tt:ElementItem Name=name>`: its single child named `name` when it
    wraps one (`<tt:LicensePlateInfo>`), else the item itself (fields directly inside)."""
    if data is None:
        return None
    for item in data.iter(q("tt:ElementItem")):
        if item.get("Name") == name:
            kids = _children(item)
            if len(kids) == 1 and _local(kids[0]) == name:
                return kids[0]
            return item
    return None


def _simple(data: etree._Element | None, name: str) -> str | None:
    if data is None:
        return None
    for item in data.iter(q("tt:SimpleItem")):
        if item.get("Name") == name:
            value = item.get("Value")
            return value.strip() if value is not None else None
    return None


def _number(value: str | None, what: str) -> float | None:
    if value is None or not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise DecodeError(f"{what} {value!r} is not a number") from None


def _image(data: etree._Element | None) -> tuple[bytes | None, str | None]:
    """The `Image` data item (a SimpleItem Value or ElementItem text), base64 of a JPEG or PNG:
    (bytes, content type), or (None, None) when there is none. Raises DecodeError."""
    text = _simple(data, "Image")
    if text is None:
        node = _element_item(data, "Image")
        if node is not None:
            text = "".join(str(part) for part in node.itertext())
    if text is None:
        return None, None
    compact = "".join(text.split())
    if not compact:
        return None, None
    if len(compact) > MAX_IMAGE_B64:
        raise DecodeError(f"Image: {len(compact)} base64 characters exceeds {MAX_IMAGE_B64}")
    try:
        content = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as err:
        raise DecodeError(f"Image is not valid base64: {err}") from None
    for content_type, magic in _IMAGE_TYPES:
        if content.startswith(magic):
            return content, content_type
    raise DecodeError(f"Image is neither JPEG nor PNG (starts with {content[:8]!r})")


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_plate_read(node: etree._Element, n: Notification, *,
                     speed_unit: str = "kmh") -> PlateRead:
    """Decode one LPR notification (a wsnt:NotificationMessage whose topic is a plate topic).
    Raises DecodeError, saying what is wrong."""
    message = node.find(f"{q('wsnt:Message')}/{q('tt:Message')}")
    if message is None:
        raise DecodeError("plate read without a tt:Message")
    utc = (message.get("UtcTime") or "").strip()
    when = parse_time(utc)
    if when is None:
        raise DecodeError(f"plate read with UtcTime {utc!r}: not a time")
    data = message.find(q("tt:Data"))
    info = _element_item(data, "LicensePlateInfo")
    if info is None:
        raise DecodeError("plate read without LicensePlateInfo")
    number, number_likelihood = _string_likelihood(info, "PlateNumber")
    if number is None:
        raise DecodeError("LicensePlateInfo without a PlateNumber")
    plate_type, _ = _string_likelihood(info, "PlateType")
    country, _ = _string_likelihood(info, "CountryCode")
    issuer, _ = _string_likelihood(info, "IssuingEntity")
    colour, _ = _string_likelihood(info, "Color")
    vehicle = _element_item(data, "VehicleInfo")
    vehicle_type, _ = _string_likelihood(vehicle, "Type")
    vehicle_colour, _ = _string_likelihood(vehicle, "Color")
    speed = _number(_simple(data, "Speed"), "Speed")
    if speed is not None and speed_unit == "ms":
        speed = round(speed * 3.6, 3)
    direction = _simple(data, "Direction")
    if direction:
        direction = _DIRECTIONS.get(direction.lower(), direction.lower())
    image, image_type = _image(data)
    source = n.source.get("VideoSource") or n.source.get("VideoSourceConfigurationToken") or \
        n.source.get("Source")
    rule = n.source.get("Rule")
    object_id = _simple(data, "ObjectId")
    stamp = _utc_text(when)  # a repeat spelled differently ('Z' or '+00:00') is the same read
    if object_id is not None:
        raw_id = f"onvif:{source or ''}/{rule or ''}/{object_id}/{stamp}"
    else:  # no object id: what identifies the read, so a repeat still deduplicates
        digest = hashlib.sha256(f"{source}|{rule}|{stamp}|{number}".encode()).hexdigest()[:24]
        raw_id = f"onvif:{source or ''}/{rule or ''}/-/{digest}"
    return PlateRead(
        raw_id=raw_id, topic=n.topic, rule=rule, source=source, object_id=object_id,
        device_time=when.astimezone(UTC), plate=number, plate_likelihood=number_likelihood,
        plate_type=plate_type, country=country, issuing_entity=issuer, plate_color=colour,
        vehicle_type=vehicle_type, vehicle_color=vehicle_colour,
        likelihood=_likelihood(_simple(data, "Likelihood"), "plate read"), speed_kmh=speed,
        direction=direction or None, image=image, image_type=image_type,
        image_uri=_simple(data, "ImageURI"))


# -- where a read goes -------------------------------------------------------------------------

class PlateReads:
    """Delivers decoded reads of one device: committed records for an enforcement camera,
    `enforcement.plate_read` events for a camera. `counts` says what happened to each."""

    __slots__ = ("_ctx", "topics", "_code", "_rule_codes", "_speed_unit", "counts", "_store")

    def __init__(self, context: AdapterContext, topics: LprTopics, *, code: str,
                 rule_codes: dict[str, str], speed_unit: str) -> None:
        self._ctx = context
        self.topics = topics
        self._code = code
        self._rule_codes = dict(rule_codes)
        self._speed_unit = speed_unit
        self._store = context.device.kind == DeviceKind.ENFORCEMENT_CAMERA
        self.counts: Counter[str] = Counter()

    def _problem(self, reason: str, topic: str, message: str) -> None:
        self.counts[reason] += 1
        self._ctx.diagnostics.record("PlateRead", f"notification {topic}", reason, message, 0.0,
                                     count=True)
        log.info("device=%s event=plate_read_dropped reason=%s topic=%s message=%s",
                 self._ctx.device.id, reason, topic, message)

    async def handle(self, node: etree._Element, n: Notification,
                     offset: timedelta) -> None:
        try:
            read = parse_plate_read(node, n, speed_unit=self._speed_unit)
        except DecodeError as err:
            self._problem("decode_error", n.topic, err.message)
            return
        if not self._store:
            self.counts["event"] += 1
            self._ctx.emit(EventType.ENFORCEMENT_PLATE_READ, read.event_data(),
                           (read.device_time - offset).astimezone(UTC))
            return
        await self._ingest(read)

    async def _ingest(self, read: PlateRead) -> None:
        site = self._ctx.device.site
        code = self._rule_codes.get(read.rule or "", self._code)
        record = ViolationRecord(
            id="", device="", time=read.device_time,
            plate=Plate(number=read.plate, color=read.plate_color, type_code=read.plate_type),
            vehicle=Vehicle(type=read.vehicle_type, color=read.vehicle_color),
            violation=Violation(code=code, description=f"licence plate read by rule "
                                f"{read.rule or '(unnamed)'} on {read.source or 'the camera'}"),
            direction=read.direction, speed_kmh=read.speed_kmh,
            location_code=site.intersection_id if site else None, source_vendor=VENDOR,
            raw_id=read.raw_id)
        images = [EvidenceUpload("plate", read.image, read.image_type or "image/jpeg")] \
            if read.image is not None else []
        started = time.perf_counter()
        try:
            created = await self._ctx.ingest(record, images)
        except InvalidArguments as err:
            self._problem(f"refused_{err.detail.get('reason', 'invalid')}", read.topic,
                          err.message)
            return
        except (JunctionError, OSError) as err:  # the store failed: nothing was committed
            self._problem("store_error", read.topic, str(err))
            return
        self.counts["stored" if created else "duplicate"] += 1
        self._ctx.diagnostics.record("PlateRead", f"ingest {read.raw_id}", "ok",
                                     "stored" if created else "duplicate",
                                     (time.perf_counter() - started) * 1000)
