"""The dahua adapter's published contract: sample config, profiles and their JSON Schema, the
AdapterInfo the gateway and `junction adapters` rely on, and the SDK protocols it meets (the
checks are tests.adapters.camera_contract's)."""

from __future__ import annotations

from tests.adapters.camera_contract import CameraContract


class TestDahuaContract(CameraContract):
    name = "dahua"
    sample_env = "CAM_RIVER_RD_PASSWORD"
    sample_profile = "dahua/cgi-camera"
    sample_option = ("heartbeat_s", 5)
