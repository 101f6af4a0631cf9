"""The hikvision adapter's published contract: sample config, profiles and their JSON Schema, the
AdapterInfo the gateway and `junction adapters` rely on, and the SDK protocols it meets (the
checks are tests.adapters.camera_contract's)."""

from __future__ import annotations

from tests.adapters.camera_contract import CameraContract


class TestHikvisionContract(CameraContract):
    name = "hikvision"
    sample_env = "CAM_MAIN_1ST_PASSWORD"
    sample_profile = "hikvision/ds-2de-ptz"
    sample_option = ("heartbeat_timeout_s", 30)
