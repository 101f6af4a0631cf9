"""One event vocabulary for every source; signal events carry the Indiana hi-res code."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

__all__ = ["EventType", "Event", "HIRES_CODES"]


class EventType(StrEnum):
    DEVICE_UP = "device.up"
    DEVICE_DOWN = "device.down"
    DEVICE_DEGRADED = "device.degraded"
    DEVICE_REBOOTED = "device.rebooted"
    SIGNAL_PHASE_CHANGED = "signal.phase_changed"
    SIGNAL_PED_CHANGED = "signal.ped_changed"
    SIGNAL_MODE_CHANGED = "signal.mode_changed"
    SIGNAL_PATTERN_CHANGED = "signal.pattern_changed"
    SIGNAL_ALARM = "signal.alarm"
    SIGNAL_ALARM_CLEARED = "signal.alarm_cleared"
    SIGNAL_DETECTOR_FAULT = "signal.detector_fault"
    SIGNAL_DETECTOR_RESTORED = "signal.detector_restored"
    SIGNAL_CONTROL_LOST = "signal.control_lost"
    CAMERA_MOTION = "camera.motion"
    CAMERA_TAMPER = "camera.tamper"
    CAMERA_VIDEO_LOSS = "camera.video_loss"
    ENFORCEMENT_VIOLATION = "enforcement.violation"
    ENFORCEMENT_PLATE_READ = "enforcement.plate_read"
    COMMAND_EXECUTED = "command.executed"
    CONFIG_RELOADED = "config.reloaded"  # device "_gateway": the config file changed, applied
    CONFIG_REJECTED = "config.rejected"  # device "_gateway": a bad edit, the old config runs on


# Indiana high-resolution event codes (reference/signal-controllers.md §1.14).
HIRES_CODES: dict[str, int] = {
    "green": 1,
    "yellow": 8,
    "red_clear": 10,
    "walk": 21,
    "ped_clear": 22,
    "dont_walk": 23,
    "detector_on": 82,
    "detector_fault": 84,
    "detector_restored": 83,
    "pattern_change": 131,
    "unit_control_status_change": 155,
    "unit_flash_status_change": 173,
    "unit_alarm_change": 174,
    "power_restored": 184,
}


class Event(BaseModel):
    id: int | None = Field(default=None, description="store sequence; SSE Last-Event-ID")
    type: EventType
    device: str
    time: datetime
    data: dict[str, Any] = Field(default_factory=dict)
    hires_code: int | None = None
