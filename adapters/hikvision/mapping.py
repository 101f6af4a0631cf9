"""ISAPI values to Junction's normalized model: events, streams, PTZ units.

PTZ units [I: community clients agree on the field names; the ranges below are a common
configuration, not a standard]: azimuth 0..3600 (tenths of a degree) is pan -1..1, elevation
-900..900 (tenths) is tilt -1..1, absoluteZoom 10..320 (tenths of x1..x32) is zoom 0..1.
Continuous-move speeds are -100..100.
"""

from __future__ import annotations

from adapters.hikvision.codec import StreamChannel
from gateway.model import EventType, MediaStream

__all__ = ["EVENT_KINDS", "HEARTBEAT_TYPES", "event_kind", "stream", "pan_tilt_zoom",
           "speed", "ZOOM_MIN", "ZOOM_MAX"]

# eventType (lower case) -> (alarm key in CameraState.alarms, canonical event or None)
EVENT_KINDS: dict[str, tuple[str, EventType | None]] = {
    "vmd": ("motion", EventType.CAMERA_MOTION),
    "tamperdetection": ("tamper", EventType.CAMERA_TAMPER),
    "shelteralarm": ("tamper", EventType.CAMERA_TAMPER),
    "videoloss": ("video_loss", EventType.CAMERA_VIDEO_LOSS),
    "io": ("io", None),  # no canonical event type yet; kept in state.alarms only
}
HEARTBEAT_TYPES = frozenset({"heartbeat"})  # plus videoloss/inactive while video is present

ZOOM_MIN, ZOOM_MAX = 10, 320


def event_kind(event_type: str) -> tuple[str, EventType | None] | None:
    return EVENT_KINDS.get(event_type.lower())


def stream(ch: StreamChannel, rtsp_base: str) -> MediaStream:
    """One streaming channel; `rtsp_base` is `rtsp://host:port` (no credentials, ever)."""
    kind = {1: "main", 2: "sub", 3: "third"}.get(ch.id % 100, f"stream{ch.id % 100}")
    return MediaStream(profile=f"{ch.id}-{kind}", codec=ch.codec, width=ch.width,
                       height=ch.height, fps=ch.fps,
                       rtsp_uri=f"{rtsp_base}/Streaming/Channels/{ch.id}")


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def pan_tilt_zoom(azimuth: int | None, elevation: int | None,
                  zoom: int | None) -> tuple[float | None, float | None, float | None]:
    """Raw ISAPI position to normalized (pan -1..1, tilt -1..1, zoom 0..1)."""
    pan = round(_clamp(azimuth / 1800 - 1, -1, 1), 4) if azimuth is not None else None
    tilt = round(_clamp(elevation / 900, -1, 1), 4) if elevation is not None else None
    z = round(_clamp((zoom - ZOOM_MIN) / (ZOOM_MAX - ZOOM_MIN), 0, 1), 4) \
        if zoom is not None else None
    return pan, tilt, z


def speed(value: float) -> int:
    """Normalized velocity -1..1 to an ISAPI continuous speed -100..100."""
    return round(_clamp(value, -1, 1) * 100)
