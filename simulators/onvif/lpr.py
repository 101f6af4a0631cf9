"""ONVIF Profile M licence-plate recognition for the simulated camera (enforcement.md §5).

With the `lpr` quirk on, the camera advertises a plate-read topic in GetEventProperties (the
standard `tns1:RuleEngine/Recognition/LicensePlate`, or whatever `lpr_topic` names, a vendor
namespace included) and delivers each read as a notification on it: Source VideoSource and
Rule; Data ObjectId, Likelihood, Speed, Direction and Image (base64 JPEG) as SimpleItems,
LicensePlateInfo and VehicleInfo as ElementItems whose fields are StringLikelihood
[I: the layout of Profile M's LicensePlateRecognition message is read from the metadata schema
and Analytics.xml's item list, not from a device].

Reads come from a seeded generator (`lpr_rate_per_min`) or are added by a test
(`OnvifCamera.plate_read`), malformed ones included. Field behaviours: `lpr_repeat` delivers each
read again in the next PullMessages, `lpr_replay_on_subscribe` starts a new subscription with
the last N reads (devices that buffer), so a client that stores reads must deduplicate.
"""

from __future__ import annotations

import base64
import random
import struct
from collections import deque
from dataclasses import dataclass

from lxml import etree

from simulators.camera.model import CameraModel
from simulators.onvif.soap import NS, el, q, xs_datetime

__all__ = ["SimRead", "PlateReadLog", "TOPIC_NAMESPACES", "STANDARD_TOPIC", "plate_message",
           "event_properties", "alarm_description", "plate_description", "MALFORMED"]

STANDARD_TOPIC = "tns1:RuleEngine/Recognition/LicensePlate"
CONCRETE_SET = "http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet"
# Prefixes a simulated device may use in `lpr_topic`, bound in the messages it sends.
TOPIC_NAMESPACES = {"tns1": NS["tns1"], "tnsaxis": "http://www.axis.com/2009/event/topics",
                    "tnsjv": "urn:junction:simulator:topics"}
MALFORMED = ("no_plate", "bad_likelihood", "bad_image", "no_plate_info")
_PLATE_TYPES = ("Normal", "Normal", "Normal", "Police", "Diplomat", "Temporary")
_COLOURS = ("white", "yellow", "blue")
_VEHICLES = ("Car", "Car", "Car", "Truck", "Bus", "Motorcycle")
_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
KEEP = 1000  # reads kept for late pulls and replays


@dataclass(slots=True, frozen=True)
class SimRead:
    seq: int
    object_id: int
    time: float  # camera clock, epoch seconds
    plate: str
    plate_likelihood: float
    plate_type: str
    country: str
    issuing_entity: str
    colour: str
    vehicle: str
    likelihood: float
    speed_kmh: float
    direction: str
    image: bytes
    rule: str = "LicensePlateRule"
    source: str = "vs1"
    malformed: str | None = None


def _jpeg(model: CameraModel, text: str, size: int) -> bytes:
    """The camera's snapshot JPEG with COM segments after SOI carrying `text`, padded so the
    whole image is about `size` bytes (each image unique, decodable by a viewer)."""
    base = model.snapshot_jpeg()
    payload = text.encode()
    if size > len(base) + len(payload):
        payload += b" " + bytes(range(32, 127)) * ((size - len(base) - len(payload)) // 95 + 1)
        payload = payload[:max(len(text), size - len(base))]
    segments = b"".join(b"\xff\xfe" + struct.pack(">H", len(chunk) + 2) + chunk
                        for chunk in (payload[i:i + 65000] for i in range(0, len(payload),
                                                                            65000)))
    return base[:2] + segments + base[2:]


class PlateReadLog:
    """The camera's plate reads in order (seq), the newest KEEP of them."""

    __slots__ = ("reads", "_rng", "_seq", "_next_at", "rate_per_min", "image_bytes")

    def __init__(self, seed: int = 0, rate_per_min: float = 0.0, image_bytes: int = 4096) -> None:
        self.reads: deque[SimRead] = deque(maxlen=KEEP)
        self._rng = random.Random(seed)
        self._seq = 0
        self._next_at: float | None = None
        self.rate_per_min = rate_per_min
        self.image_bytes = image_bytes

    @property
    def last_seq(self) -> int:
        return self._seq

    def add(self, model: CameraModel, plate: str | None = None, *,
            malformed: str | None = None, **fields: object) -> SimRead:
        """One read now (camera clock). Fields not given are drawn from the seeded generator."""
        if malformed is not None and malformed not in MALFORMED:
            raise ValueError(f"malformed must be one of {MALFORMED}")
        rng = self._rng
        self._seq += 1
        number = plate or (f"{rng.randint(1, 9)}{''.join(rng.choices(_LETTERS, k=3))}"
                           f"{rng.randint(100, 999)}")
        when = model.device_time()
        values: dict[str, object] = {
            "seq": self._seq, "object_id": 1000 + self._seq, "time": when, "plate": number,
            "plate_likelihood": round(rng.uniform(0.7, 0.99), 2),
            "plate_type": rng.choice(_PLATE_TYPES), "country": "US", "issuing_entity": "CA",
            "colour": rng.choice(_COLOURS), "vehicle": rng.choice(_VEHICLES),
            "likelihood": round(rng.uniform(0.8, 0.99), 2),
            "speed_kmh": round(rng.uniform(20, 70), 1),
            "direction": rng.choice(("Approaching", "Leaving")),
            "image": _jpeg(model, f"{model.config.id} plate {number} seq {self._seq}",
                           self.image_bytes),
            "malformed": malformed}
        values.update(fields)
        read = SimRead(**values)  # type: ignore[arg-type]
        self.reads.append(read)
        return read

    def advance(self, model: CameraModel, now: float) -> None:
        """Seeded random reads at `rate_per_min` up to `now` (simulator clock)."""
        if self.rate_per_min <= 0:
            return
        rate = self.rate_per_min / 60.0
        if self._next_at is None:
            self._next_at = now + self._rng.expovariate(rate)
        while self._next_at <= now:
            self.add(model)
            self._next_at += self._rng.expovariate(rate)

    def after(self, seq: int) -> list[SimRead]:
        return [r for r in self.reads if r.seq > seq]


def _topic_element(topic: str) -> etree._Element:
    prefix = topic.partition(":")[0] if ":" in topic.split("/")[0] else ""
    namespace = TOPIC_NAMESPACES.get(prefix)
    node = etree.Element(q("wsnt:Topic"), attrib={"Dialect": CONCRETE_SET},
                         nsmap={prefix: namespace} if namespace and prefix != "tns1" else None)
    node.text = topic
    return node


def _likely(tag: str, value: str, likelihood: float | str | None = None) -> etree._Element:
    if likelihood is None:
        return el(tag, value)
    return el(tag, value, Likelihood=str(likelihood))


def plate_message(read: SimRead, topic: str) -> etree._Element:
    """One wsnt:NotificationMessage for a read, on `topic` ('prefix:Path')."""
    bad = read.malformed
    info_fields: list[etree._Element | None] = [
        None if bad == "no_plate" else
        _likely("tt:PlateNumber", read.plate,
                "high" if bad == "bad_likelihood" else read.plate_likelihood),
        _likely("tt:PlateType", read.plate_type, 0.9),
        _likely("tt:CountryCode", read.country, 0.95),
        _likely("tt:IssuingEntity", read.issuing_entity, 0.8),
        _likely("tt:Color", read.colour, 0.7)]
    image = "!!not base64!!" if bad == "bad_image" else base64.b64encode(read.image).decode()
    data = el("tt:Data",
              el("tt:SimpleItem", Name="ObjectId", Value=str(read.object_id)),
              el("tt:SimpleItem", Name="Likelihood", Value=f"{read.likelihood:g}"),
              el("tt:SimpleItem", Name="Speed", Value=f"{read.speed_kmh:g}"),
              el("tt:SimpleItem", Name="Direction", Value=read.direction),
              el("tt:SimpleItem", Name="Image", Value=image),
              None if bad == "no_plate_info" else
              el("tt:ElementItem", el("tt:LicensePlateInfo", *info_fields),
                 Name="LicensePlateInfo"),
              el("tt:ElementItem", el("tt:VehicleInfo", _likely("tt:Type", read.vehicle, 0.85)),
                 Name="VehicleInfo"))
    message = el("tt:Message",
                 el("tt:Source", el("tt:SimpleItem", Name="VideoSource", Value=read.source),
                    el("tt:SimpleItem", Name="Rule", Value=read.rule)),
                 data, UtcTime=xs_datetime(read.time))
    return el("wsnt:NotificationMessage", _topic_element(topic), el("wsnt:Message", message))


# -- GetEventProperties ------------------------------------------------------------------------

def _description(source: list[tuple[str, str]], data: list[tuple[str, str, bool]],
                 is_property: bool) -> etree._Element:
    def items(tag: str, entries: list[tuple[str, str, bool]]) -> etree._Element:
        return el(tag, *[el("tt:ElementItemDescription" if element
                            else "tt:SimpleItemDescription", Name=name, Type=kind)
                         for name, kind, element in entries])
    attrib = {"IsProperty": "true"} if is_property else {}
    return el("tt:MessageDescription", items("tt:Source", [(n, t, False) for n, t in source]),
              items("tt:Data", data), **attrib)


def event_properties(topics: list[tuple[str, etree._Element]]) -> etree._Element:
    """A GetEventPropertiesResponse whose TopicSet holds `topics` ('prefix:A/B/C', message
    description), nested by path under one element per root."""
    topic_set = etree.Element(q("wstop:TopicSet"))
    for topic, description in topics:
        prefix, _, path = topic.partition(":")
        namespace = TOPIC_NAMESPACES.get(prefix, NS["tns1"])
        parent = topic_set
        for part in path.split("/"):
            tag = f"{{{namespace}}}{part}"
            found = parent.find(tag)
            if found is None:
                found = etree.SubElement(parent, tag, nsmap={prefix: namespace}
                                         if parent is topic_set and prefix != "tns1" else None)
            parent = found
        parent.set(q("wstop:topic"), "true")
        parent.append(description)
    return el("tev:GetEventPropertiesResponse",
              el("tev:TopicNamespaceLocation",
                 "http://www.onvif.org/onvif/ver10/topics/topicns.xml"),
              el("wsnt:FixedTopicSet", "true"), topic_set,
              el("wsnt:TopicExpressionDialect", CONCRETE_SET),
              el("tev:MessageContentFilterDialect",
                 "http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter"),
              el("tev:MessageContentSchemaLocation",
                 "http://www.onvif.org/onvif/ver10/schema/onvif.xsd"))


def alarm_description(item: str, source: list[tuple[str, str]]) -> etree._Element:
    return _description(source, [(item, "xs:boolean", False)], True)


def plate_description() -> etree._Element:
    return _description(
        [("VideoSource", "tt:ReferenceToken"), ("Rule", "xs:string")],
        [("ObjectId", "xs:integer", False), ("Likelihood", "xs:float", False),
         ("Speed", "xs:float", False), ("Direction", "xs:string", False),
         ("Image", "xs:base64Binary", False),
         ("LicensePlateInfo", "tt:LicensePlateInfo", True),
         ("VehicleInfo", "tt:VehicleInfo", True)], False)

