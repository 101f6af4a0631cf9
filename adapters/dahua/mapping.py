"""Dahua values to Junction's normalized model: event codes, streams, PTZ units and codes.

PTZ position units [I: the field names are from python-amcrest and rroller/dahua, the ranges
are a common configuration]: `Postion[0]` pan 0..360 degrees is pan -1..1, `Postion[1]` tilt
-90..90 degrees is tilt -1..1, `Postion[2]` zoom 0..128 is zoom 0..1. Move speeds are 1..8.
"""

from __future__ import annotations

from adapters.dahua.codec import EncodeStream
from gateway.model import EventType, MediaStream

__all__ = ["EVENT_CODES", "ACTIVE_ACTIONS", "event_kind", "stream", "pan_tilt_zoom",
           "direction", "zoom_code", "speed", "PAN_TILT_CODES", "ZOOM_CODES"]

# Code -> (alarm key in CameraState.alarms, canonical event or None)
EVENT_CODES: dict[str, tuple[str, EventType | None]] = {
    "VideoMotion": ("motion", EventType.CAMERA_MOTION),
    "VideoBlind": ("tamper", EventType.CAMERA_TAMPER),
    "VideoLoss": ("video_loss", EventType.CAMERA_VIDEO_LOSS),
    "AlarmLocal": ("io", None),  # no canonical event type yet; kept in state.alarms only
}
ACTIVE_ACTIONS = {"Start": True, "Stop": False}  # Pulse/State carry no on/off transition
PAN_TILT_CODES = ("Up", "Down", "Left", "Right", "LeftUp", "RightUp", "LeftDown", "RightDown")
ZOOM_CODES = ("ZoomTele", "ZoomWide")


def event_kind(code: str) -> tuple[str, EventType | None] | None:
    return EVENT_CODES.get(code)


def stream(s: EncodeStream, rtsp_base: str) -> MediaStream:
    """One encoder stream; `rtsp_base` is `rtsp://host:port` (no credentials, ever)."""
    name = "main" if s.subtype == 0 else f"sub{s.subtype}"
    return MediaStream(profile=f"{s.channel + 1}-{name}", codec=s.codec, width=s.width,
                       height=s.height, fps=s.fps,
                       rtsp_uri=f"{rtsp_base}/cam/realmonitor?channel={s.channel + 1}"
                                f"&subtype={s.subtype}")


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def pan_tilt_zoom(pan_deg: float | None, tilt_deg: float | None,
                  zoom: float | None) -> tuple[float | None, float | None, float | None]:
    return (round(_clamp(pan_deg / 180 - 1, -1, 1), 4) if pan_deg is not None else None,
            round(_clamp(tilt_deg / 90, -1, 1), 4) if tilt_deg is not None else None,
            round(_clamp(zoom / 128, 0, 1), 4) if zoom is not None else None)


def speed(value: float) -> int:
    """Normalized velocity magnitude to Dahua's 1..8 (0 stays 0)."""
    return 0 if value == 0 else max(1, min(8, round(abs(value) * 8)))


def direction(pan: float, tilt: float) -> tuple[str, int, int] | None:
    """(code, arg1, arg2) for a pan/tilt velocity, or None for no pan/tilt motion.
    Straight moves put the speed in arg2; diagonals take arg1 = vertical, arg2 = horizontal
    speed (python-amcrest `move_left_up`)."""
    h, v = speed(pan), speed(tilt)
    horizontal = "Right" if pan > 0 else "Left" if pan < 0 else ""
    vertical = "Up" if tilt > 0 else "Down" if tilt < 0 else ""
    if horizontal and vertical:
        return horizontal + vertical, v, h  # LeftUp, RightDown ...
    if horizontal:
        return horizontal, 0, h
    if vertical:
        return vertical, 0, v
    return None


def zoom_code(zoom: float) -> tuple[str, int, int] | None:
    if zoom == 0:
        return None
    return ("ZoomTele" if zoom > 0 else "ZoomWide"), 0, speed(zoom)
