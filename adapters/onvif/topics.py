"""ONVIF event topics to Junction's canonical camera events (cameras.md §1.5).

Devices spell the same topic many ways (field-pain-points §1 #4): a prefix other than `tns1`
bound to the topics namespace, `…/Motion//.`, a trailing `/`, vendor rule names; and the
same boolean as `true`, `1` or `active`. Topics are normalised first (prefix resolved through
the element's in-scope namespaces), then matched by suffix. Unknown topics are not events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from adapters.onvif.codec import parse_time, q
from adapters.onvif.const import NS
from gateway.model import EventType

__all__ = ["Notification", "normalize_topic", "topic_key", "classify", "parse_notification",
           "as_bool"]

# (topic suffix, event, data items that carry the state, first match wins)
_RULES: tuple[tuple[str, EventType, tuple[str, ...]], ...] = (
    ("VideoSource/SignalLoss", EventType.CAMERA_VIDEO_LOSS, ("State",)),
    ("VideoSource/MotionAlarm", EventType.CAMERA_MOTION, ("State",)),
    ("CellMotionDetector/Motion", EventType.CAMERA_MOTION, ("IsMotion",)),
    ("MotionRegionDetector/Motion", EventType.CAMERA_MOTION, ("State", "IsMotion")),
    ("MotionDetector/Motion", EventType.CAMERA_MOTION, ("IsMotion", "State")),
    ("TamperDetector/Tamper", EventType.CAMERA_TAMPER, ("IsTamper", "State")),
    ("VideoSource/GlobalSceneChange", EventType.CAMERA_TAMPER, ("State",)),
    ("VideoSource/ImageTooBlurry", EventType.CAMERA_TAMPER, ("State",)),
    ("VideoSource/ImageTooDark", EventType.CAMERA_TAMPER, ("State",)),
    ("VideoSource/ImageTooBright", EventType.CAMERA_TAMPER, ("State",)),
)
ALARM_KEYS: dict[EventType, str] = {EventType.CAMERA_MOTION: "motion",
                                    EventType.CAMERA_TAMPER: "tamper",
                                    EventType.CAMERA_VIDEO_LOSS: "video_loss"}
_TRUE = {"true", "1", "active", "on", "yes"}
_FALSE = {"false", "0", "inactive", "off", "no"}


@dataclass(slots=True, frozen=True)
class Notification:
    topic: str  # normalised, tns1-prefixed when in the ONVIF topic namespace
    event: EventType | None
    active: bool | None
    time: datetime | None  # UtcTime as the device stamped it (camera clock)
    operation: str  # Initialized | Changed | Deleted | ""
    source: dict[str, str] = field(default_factory=dict)
    data: dict[str, str] = field(default_factory=dict)
    # the topic with its prefix resolved ('{http://www.onvif.org/ver10/topics}RuleEngine/...'),
    # so a vendor topic matches whatever prefix the device binds to its namespace
    key: str = ""

    @property
    def channel(self) -> int:
        """The video channel from the source token's trailing digits ('vs2' -> 2), else 1."""
        for key in ("VideoSource", "Source", "VideoSourceConfigurationToken", "InputToken"):
            digits = "".join(c for c in self.source.get(key, "")[-3:] if c.isdigit())
            if digits:
                return int(digits)
        return 1


def as_bool(value: str | None) -> bool | None:
    v = (value or "").strip().lower()
    return True if v in _TRUE else False if v in _FALSE else None


def normalize_topic(raw: str, nsmap: dict[str | None, str]) -> str:
    """'ns7:RuleEngine/CellMotionDetector/Motion//.' with ns7 = ONVIF topics ->
    'tns1:RuleEngine/CellMotionDetector/Motion'."""
    topic = "".join(raw.split())
    while topic.endswith(("/.", "/")):
        topic = topic.removesuffix("/.").removesuffix("/")
    parts = topic.split("/")
    # a doubled prefix ('tns1:VideoSource/tns1:Device/Trigger/...') starts the topic again
    prefixed = [i for i, part in enumerate(parts) if ":" in part]
    parts = parts[prefixed[-1]:] if prefixed else parts
    prefix, colon, local = parts[0].rpartition(":")
    if colon and nsmap.get(prefix) == NS["tns1"]:
        parts[0] = f"tns1:{local}"
    return "/".join(parts)


def topic_key(topic: str, nsmap: dict[str | None, str]) -> str:
    """A normalised topic with its prefix replaced by the namespace it is bound to:
    'tns1:RuleEngine/Recognition/LicensePlate' -> '{http://www.onvif.org/ver10/topics}RuleEngine/
    Recognition/LicensePlate'. An unbound prefix is kept as written."""
    head, slash, rest = topic.partition("/")
    prefix, colon, local = head.rpartition(":")
    if not colon:
        return topic
    namespace = NS["tns1"] if prefix == "tns1" else nsmap.get(prefix)
    return f"{{{namespace}}}{local}{slash}{rest}" if namespace else topic


def classify(topic: str) -> tuple[EventType | None, tuple[str, ...]]:
    """The canonical event of a normalised topic and the data items that carry its state;
    a rule matches whole topic segments, at the end or followed by a sub-topic."""
    padded = f"/{topic.partition(':')[2] if ':' in topic.split('/')[0] else topic}/"
    for suffix, event, items in _RULES:
        if f"/{suffix}/" in padded:
            return event, items
    return None, ()


def _items(node: etree._Element | None) -> dict[str, str]:
    if node is None:
        return {}
    return {item.get("Name", ""): item.get("Value", "")
            for item in node.iter(q("tt:SimpleItem")) if item.get("Name")}


def parse_notification(node: etree._Element) -> Notification | None:
    """One wsnt:NotificationMessage; None when it has no topic or no tt:Message."""
    topic_node = node.find(q("wsnt:Topic"))
    message = node.find(f"{q('wsnt:Message')}/{q('tt:Message')}")
    if topic_node is None or not topic_node.text or message is None:
        return None
    topic = normalize_topic(topic_node.text, dict(topic_node.nsmap))
    event, state_items = classify(topic)
    data = _items(message.find(q("tt:Data")))
    active = None
    for name in state_items:
        if name in data:
            active = as_bool(data[name])
            break
    if active is None and len(data) == 1:
        active = as_bool(next(iter(data.values())))
    return Notification(topic=topic, event=event, active=active,
                        time=parse_time(message.get("UtcTime")),
                        operation=message.get("PropertyOperation", ""),
                        source=_items(message.find(q("tt:Source"))), data=data,
                        key=topic_key(topic, dict(topic_node.nsmap)))
