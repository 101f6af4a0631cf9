"""Simulated Hikvision cameras: the shared camera model behind an ISAPI face."""

from simulators.hikvision.camera import IsapiFaults, IsapiQuirks, SimulatedHikvision

__all__ = ["IsapiFaults", "IsapiQuirks", "SimulatedHikvision"]
