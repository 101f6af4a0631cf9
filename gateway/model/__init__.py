"""Junction's normalized model: the shapes every adapter produces and every API consumer reads."""

from gateway.model.camera import CameraState, MediaStream, PtzState
from gateway.model.commands import COMMAND_ARGS, Command, CommandName, CommandOutcome
from gateway.model.device import (
    Credentials,
    DeviceConfig,
    DeviceKind,
    Endpoint,
    PollSettings,
    Site,
)
from gateway.model.events import Event, EventType
from gateway.model.health import Health, HealthStatus
from gateway.model.signal import (
    Alarm,
    AlarmSeverity,
    ControlMode,
    ControlSource,
    ControlState,
    CycleState,
    DetectorState,
    PedIndication,
    PhaseState,
    PreemptState,
    SignalControllerState,
    StageState,
    VehicleIndication,
)
from gateway.model.violation import ViolationRecord

__all__ = [
    "COMMAND_ARGS", "Command", "CommandName", "CommandOutcome",
    "Credentials", "DeviceConfig", "DeviceKind", "Endpoint", "PollSettings", "Site",
    "Event", "EventType", "Health", "HealthStatus",
    "Alarm", "AlarmSeverity", "ControlMode", "ControlSource", "ControlState", "CycleState",
    "DetectorState", "PedIndication", "PhaseState", "PreemptState", "SignalControllerState",
    "StageState", "VehicleIndication",
    "CameraState", "MediaStream", "PtzState", "ViolationRecord",
]
