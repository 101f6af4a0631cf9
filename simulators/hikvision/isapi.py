"""ISAPI documents rendered from the shared camera model, in a firmware's namespace.

Shapes follow pyHik's fixtures and the Hikvision ISAPI/SDK guides quoted in reference
cameras.md §2; PTZ units are the convention documented in adapters' README [I]: azimuth
0..3600 and elevation -900..900 in tenths of a degree, absoluteZoom 10..320 (x1..x32).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from xml.sax.saxutils import escape, quoteattr

from simulators.camera import CameraAlarm, CameraModel, StreamProfile

__all__ = ["NS_VER20", "NS_VER10", "NS_ISAPI", "device_info", "device_status", "time_doc",
           "channels", "channel", "alarm_part", "response_status", "ptz_status", "presets",
           "triggers", "motion_detection", "alert", "heartbeat", "user_check_401", "HTML_401",
           "local_time", "preset_ids"]

NS_VER20 = "http://www.hikvision.com/ver20/XMLSchema"
NS_VER10 = "http://www.hikvision.com/ver10/XMLSchema"
NS_ISAPI = "http://www.isapi.org/ver20/XMLSchema"

HTML_401 = (b"<!DOCTYPE html>\n<html><head><title>Document Error: Unauthorized</title></head>"
            b"<body><h2>Access Error: 401 -- Unauthorized</h2><p>Authentication Error</p>"
            b"</body></html>\n")

_CODEC_NAMES = {"H264": "H.264", "H265": "H.265", "JPEG": "MJPEG"}
STATUS_STRINGS = {1: "OK", 2: "Device Busy", 3: "Device Error", 4: "Invalid Operation",
                  5: "Invalid XML Format", 6: "Invalid XML Content", 7: "Reboot Required"}


def _doc(root: str, ns: str, body: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} version="2.0" '
            f"xmlns={quoteattr(ns)}>\n{body}</{root}>\n").encode()


def _e(name: str, value: object) -> str:
    return f"<{name}>{escape(str(value))}</{name}>\n"


def local_time(epoch: float, utc_offset_min: int) -> str:
    """ISO 8601 with the device's offset, as ISAPI writes it (2024-05-01T10:00:00+08:00)."""
    tz = timezone(timedelta(minutes=utc_offset_min))
    return datetime.fromtimestamp(epoch, UTC).astimezone(tz).replace(microsecond=0).isoformat()


def device_info(model: CameraModel, ns: str) -> bytes:
    c = model.config
    serial = f"{c.model}{c.serial}"
    body = (_e("deviceName", c.name) + _e("deviceID", uuid.uuid5(uuid.NAMESPACE_DNS, c.id))
            + _e("deviceDescription", "IPCamera") + _e("model", c.model)
            + _e("serialNumber", serial) + _e("macAddress", "44:19:b6:00:00:01")
            + _e("firmwareVersion", c.firmware) + _e("firmwareReleasedDate", "build 220512")
            + _e("deviceType", "IPCamera") + _e("telecontrolID", 88))
    return _doc("DeviceInfo", ns, body)


def device_status(model: CameraModel, ns: str, utc_offset_min: int) -> bytes:
    body = (_e("currentDeviceTime", local_time(model.device_time(), utc_offset_min))
            + _e("deviceUpTime", int(model.uptime_s))
            + "<CPUList><CPU><cpuDescription>ARM</cpuDescription><cpuUtilization>7"
              "</cpuUtilization></CPU></CPUList>\n"
            + "<MemoryList><Memory><memoryDescription>DDR</memoryDescription><memoryUsage>"
              "101.5</memoryUsage><memoryAvailable>156.4</memoryAvailable></Memory>"
              "</MemoryList>\n")
    return _doc("DeviceStatus", ns, body)


def time_doc(model: CameraModel, ns: str, utc_offset_min: int) -> bytes:
    hours, minutes = divmod(-utc_offset_min, 60)  # POSIX TZ sign is inverted
    body = (_e("timeMode", "NTP") + _e("localTime", local_time(model.device_time(),
                                                               utc_offset_min))
            + _e("timeZone", f"CST{hours:+d}:{minutes:02d}:00"))
    return _doc("Time", ns, body)


def _stream_id(p: StreamProfile) -> int:
    return p.channel * 100 + p.stream


def _channel_body(model: CameraModel, p: StreamProfile) -> str:
    return (_e("id", _stream_id(p)) + _e("channelName", model.config.name) + _e("enabled", "true")
            + "<Transport><ControlProtocolList><ControlProtocol><streamingTransport>RTSP"
              "</streamingTransport></ControlProtocol></ControlProtocolList></Transport>\n"
            + "<Video>\n" + _e("enabled", "true") + _e("videoInputChannelID", p.channel)
            + _e("videoCodecType", _CODEC_NAMES.get(p.codec, p.codec))
            + _e("videoResolutionWidth", p.width) + _e("videoResolutionHeight", p.height)
            + _e("maxFrameRate", int(round(p.fps * 100))) + "</Video>\n")


def channels(model: CameraModel, ns: str) -> bytes:
    items = "".join(f"<StreamingChannel>\n{_channel_body(model, p)}</StreamingChannel>\n"
                    for p in model.config.profiles)
    return _doc("StreamingChannelList", ns, items)


def channel(model: CameraModel, ns: str, stream_id: int) -> bytes | None:
    for p in model.config.profiles:
        if _stream_id(p) == stream_id:
            return _doc("StreamingChannel", ns, _channel_body(model, p))
    return None


def response_status(url: str, code: int, sub: str, ns: str) -> bytes:
    body = (_e("requestURL", url) + _e("statusCode", code)
            + _e("statusString", STATUS_STRINGS.get(code, "Error")) + _e("subStatusCode", sub))
    return _doc("ResponseStatus", ns, body)


def user_check_401(ns: str) -> bytes:
    return _doc("userCheck", ns, _e("statusValue", 401) + _e("statusString", "Unauthorized"))


def ptz_status(model: CameraModel, ns: str) -> bytes:
    p = model.ptz
    body = ("<AbsoluteHigh>\n" + _e("elevation", round(p.tilt * 900))
            + _e("azimuth", round((p.pan + 1) * 1800))
            + _e("absoluteZoom", round(10 + p.zoom * 310))
            + "</AbsoluteHigh>\n")
    return _doc("PTZStatus", ns, body)


def preset_ids(model: CameraModel) -> dict[int, str]:
    """Preset id (1-based, in configuration order) -> preset name."""
    return {i + 1: name for i, name in enumerate(model.presets)}


def presets(model: CameraModel, ns: str) -> bytes:
    items = "".join("<PTZPreset>\n" + _e("enabled", "true") + _e("id", ident)
                    + _e("presetName", name) + "</PTZPreset>\n"
                    for ident, name in preset_ids(model).items())
    return _doc("PTZPresetList", ns, items)


def triggers(ns: str, channel: int = 1) -> bytes:
    """`/ISAPI/Event/triggers` as pyHik reads it: one EventTrigger per event type."""
    items = "".join(
        "<EventTrigger>\n" + _e("id", f"{kind}-{channel}") + _e("eventType", kind)
        + _e("videoInputChannelID", channel)
        + "<EventTriggerNotificationList><EventTriggerNotification>"
          "<id>center</id><notificationMethod>center</notificationMethod>"
          "</EventTriggerNotification></EventTriggerNotificationList>\n</EventTrigger>\n"
        for kind in ("VMD", "tamperdetection", "videoloss"))
    return _doc("EventTriggerList", ns, items)


def motion_detection(ns: str) -> bytes:
    return _doc("MotionDetection", ns, _e("enabled", "true") + _e("enableHighlight", "false"))


_EVENT_TYPES = {"motion": ("VMD", "Motion alarm"), "tamper": ("tamperdetection",
                                                              "Tamper Detection"),
                "video_loss": ("videoloss", "videoloss alarm"), "io": ("IO", "IO alarm")}


def alert(alarm_kind: str, channel: int, active: bool, post_count: int | None, epoch: float,
          ns: str, utc_offset_min: int, channel_name: str) -> bytes:
    event_type, description = _EVENT_TYPES[alarm_kind]
    count = "<activePostCount/>\n" if post_count is None else _e("activePostCount", post_count)
    ident = (_e("inputIOPortID", channel) if alarm_kind == "io" else _e("channelID", channel))
    body = (_e("ipAddress", "127.0.0.1") + _e("portNo", 80) + _e("protocol", "HTTP")
            + _e("macAddress", "44:19:b6:00:00:01") + ident
            + _e("dateTime", local_time(epoch, utc_offset_min)) + count
            + _e("eventType", event_type) + _e("eventState", "active" if active else "inactive")
            + _e("eventDescription", description) + _e("channelName", channel_name))
    return _doc("EventNotificationAlert", ns, body)


def heartbeat(epoch: float, ns: str, utc_offset_min: int, channel_name: str) -> bytes:
    """The de-facto keep-alive: videoloss, inactive, every few seconds."""
    return alert("video_loss", 1, False, 0, epoch, ns, utc_offset_min, channel_name)


def alarm_part(a: CameraAlarm, post_count: int | None, ns: str, utc_offset_min: int,
               channel_name: str) -> bytes:
    return alert(a.kind.value, a.channel, a.active, post_count, a.time, ns, utc_offset_min,
                 channel_name)
