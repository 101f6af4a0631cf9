"""Normalized camera state (filled by the camera adapters of a later issue)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

__all__ = ["MediaStream", "PtzState", "CameraState"]


class MediaStream(BaseModel):
    profile: str
    codec: str | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    rtsp_uri: str | None = Field(default=None, description="never carries credentials")


class PtzState(BaseModel):
    supported: bool = False
    pan: float | None = None
    tilt: float | None = None
    zoom: float | None = None
    moving: bool = False
    presets: list[str] = Field(default_factory=list)


class CameraState(BaseModel):
    kind: str = "camera"
    received_at: datetime
    device_time: datetime | None = None
    streams: list[MediaStream] = Field(default_factory=list)
    snapshot_supported: bool = False
    ptz: PtzState = PtzState()
    alarms: dict[str, bool] = Field(default_factory=dict, description="video_loss, tamper, motion")
