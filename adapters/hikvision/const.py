"""ISAPI paths (reference cameras.md §2.1). Old firmware serves them without `/ISAPI`."""

from __future__ import annotations

__all__ = ["DEVICE_INFO", "STATUS", "TIME", "CHANNELS", "ALERT_STREAM", "picture", "ptz",
           "ISAPI_PREFIX", "VENDOR"]

VENDOR = "Hikvision"
ISAPI_PREFIX = "/ISAPI"  # dropped for old firmware (pyHik retries /System/deviceInfo on 404)
DEVICE_INFO = "/System/deviceInfo"
STATUS = "/System/status"
TIME = "/System/time"
CHANNELS = "/Streaming/channels"
ALERT_STREAM = "/Event/notification/alertStream"


def picture(stream_id: int) -> str:
    """Snapshot of a streaming channel (channel x 100 + 1 for the main stream)."""
    return f"/Streaming/channels/{stream_id}/picture"


def ptz(channel: int, tail: str) -> str:
    """`/PTZCtrl/channels/{channel}/{tail}`: continuous, status, presets, presets/N/goto."""
    return f"/PTZCtrl/channels/{channel}/{tail}"
