"""ISAPI paths and fixed vocabulary of Hikvision ITC / ANPR cameras (reference enforcement.md §3,
cameras.md §2)."""

from __future__ import annotations

__all__ = ["VENDOR", "DEVICE_INFO", "ALERT_STREAM", "ANPR_EVENT", "HEARTBEAT_TYPES",
           "ALERT_TYPES", "IMAGE_MAGIC", "NO_PLATE"]

VENDOR = "Hikvision"
DEVICE_INFO = "/ISAPI/System/deviceInfo"
ALERT_STREAM = "/ISAPI/Event/notification/alertStream"
ANPR_EVENT = "anpr"
# Keep-alive alerts: `videoloss`/`inactive` on most firmware, `heartBeat` per the SDK guide.
HEARTBEAT_TYPES = frozenset({"heartbeat", "videoloss"})
# Media types of the alert document itself (XML or JSON, per `parameterFormatType`).
ALERT_TYPES = frozenset({"application/xml", "text/xml", "application/json", "text/json"})
IMAGE_MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
# What CN firmware writes in licensePlate when it read no plate [I: seen in community payloads].
NO_PLATE = frozenset({"无车牌", "车牌", "unknown", "none", ""})
