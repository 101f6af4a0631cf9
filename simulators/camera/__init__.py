"""The shared camera model behind the ONVIF, Hikvision ISAPI and Dahua simulator faces."""

from simulators.camera.model import (
    AlarmKind,
    CameraAlarm,
    CameraConfig,
    CameraModel,
    PtzPosition,
    StreamProfile,
    demo_cameras,
)

__all__ = ["AlarmKind", "CameraAlarm", "CameraConfig", "CameraModel", "PtzPosition",
           "StreamProfile", "demo_cameras"]
