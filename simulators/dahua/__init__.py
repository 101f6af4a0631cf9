"""Simulated Dahua cameras: the shared camera model behind the HTTP CGI face."""

from simulators.dahua.camera import CgiFaults, CgiQuirks, SimulatedDahua

__all__ = ["CgiFaults", "CgiQuirks", "SimulatedDahua"]
