"""Normalized signal-controller state, bridging NTCIP 1202, GB/T 20999 and GA/T 1049.

Control is two fields (reference §6.2): `mode` is what the intersection does (coordinated, free,
flash ...), `source` is who decided it (central, local time-of-day, manual, backup ...), so no
protocol loses information in translation. Native values stay available in `control.native`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

__all__ = [
    "VehicleIndication", "PedIndication", "ControlMode", "ControlSource", "ControlState",
    "CycleState", "PhaseState", "StageState", "DetectorState", "AlarmSeverity", "Alarm",
    "PreemptState", "SignalControllerState",
]


class VehicleIndication(StrEnum):
    DARK = "dark"
    RED = "red"
    YELLOW = "yellow"
    GREEN = "green"
    RED_FLASH = "red_flash"
    YELLOW_FLASH = "yellow_flash"
    GREEN_FLASH = "green_flash"
    RED_YELLOW = "red_yellow"


class PedIndication(StrEnum):
    DARK = "dark"
    DONT_WALK = "dont_walk"
    PED_CLEAR = "ped_clear"  # flashing don't walk
    WALK = "walk"


class ControlMode(StrEnum):
    COORDINATED = "coordinated"
    FREE = "free"
    FIXED_TIME = "fixed_time"
    ADAPTIVE = "adaptive"
    FLASH = "flash"
    ALL_RED = "all_red"
    DARK = "dark"
    MANUAL = "manual"
    STAGE_LOCK = "stage_lock"
    PLAN_LOCK = "plan_lock"
    UNKNOWN = "unknown"


class ControlSource(StrEnum):
    CENTRAL = "central"
    TIME_OF_DAY = "time_of_day"
    LOCAL = "local"
    MANUAL = "manual"
    BACKUP = "backup"
    INTERCONNECT = "interconnect"
    STARTUP = "startup"
    FAULT = "fault"
    OTHER = "other"
    UNKNOWN = "unknown"


class ControlState(BaseModel):
    mode: ControlMode
    source: ControlSource
    pattern: int | None = Field(default=None, description="running pattern/plan number")
    reason: str | None = Field(default=None, description="why free/flash, when the device says")
    central_hold: bool = Field(default=False, description="the gateway holds central control")
    native: dict[str, int | str] = Field(default_factory=dict)


class CycleState(BaseModel):
    length_s: float | None = None
    position_s: float | None = Field(default=None, description="seconds since local cycle zero")
    offset_s: float | None = None


class PhaseState(BaseModel):
    number: int
    vehicle: VehicleIndication
    pedestrian: PedIndication | None = None
    vehicle_call: bool = False
    ped_call: bool = False
    is_next: bool = False
    is_on: bool = False


class StageState(BaseModel):
    number: int
    elapsed_s: float | None = None
    remaining_s: float | None = None


class DetectorState(BaseModel):
    number: int
    active: bool
    fault: bool


class AlarmSeverity(StrEnum):
    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"
    INFO = "info"


class Alarm(BaseModel):
    code: str
    severity: AlarmSeverity
    text: str


class PreemptState(BaseModel):
    number: int
    active: bool
    state: str


class SignalControllerState(BaseModel):
    kind: str = "signal_controller"
    device_time: datetime | None = None
    received_at: datetime
    clock_offset_s: float | None = Field(default=None, description="device clock minus gateway")
    control: ControlState
    cycle: CycleState = CycleState()
    phases: list[PhaseState] = Field(default_factory=list)
    stage: StageState | None = None
    detectors: list[DetectorState] = Field(default_factory=list)
    alarms: list[Alarm] = Field(default_factory=list)
    preemption: list[PreemptState] = Field(default_factory=list)
