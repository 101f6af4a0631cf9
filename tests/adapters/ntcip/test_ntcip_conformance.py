"""The conformance kit against the NTCIP adapter and the NTCIP 1202 simulator (SNMP/UDP)."""

from __future__ import annotations

from typing import Any

from adapters.ntcip.adapter import NtcipAdapter
from gateway.model import EventType
from gateway.testing import AdapterConformance
from simulators.engine.fleet import demo_fleet
from simulators.ntcip.controller import SimulatedController

pytest_plugins = ("gateway.testing.plugin",)

COMMUNITY = "ntcip-Conformance-7"


class NtcipHandle:
    """A coordinated demo controller behind the SNMP agent, 600 s after power-up."""

    # An SNMPv1 agent drops a request with a wrong community without a word (RFC 1157 §4.1),
    # so a wrong community can only show as a timeout (adapters/ntcip/README.md, quirks).
    auth_failure_reasons = frozenset({"timeout"})

    def __init__(self) -> None:
        self.sim = SimulatedController(demo_fleet()[0], community=COMMUNITY)
        self.sim.engine.boot_tick -= 6000  # tenths of a second: powered up 600 s ago
        self._flash = False

    async def start(self) -> dict[str, Any]:
        await self.sim.start()
        return {"id": "ntcip-conformance", "kind": "signal_controller", "adapter": "ntcip",
                "profile": "ntcip/standard",
                "endpoint": {"host": "127.0.0.1", "port": self.sim.port},
                "credentials": {"password": COMMUNITY},
                "poll": {"interval_s": 0.5, "timeout_s": 0.3}}

    async def close(self) -> None:
        await self.sim.close()

    def silent(self, on: bool) -> None:
        self.sim.faults.silent = on

    def malformed(self, on: bool) -> None:
        self.sim.faults.malformed = on

    def wrong_credentials(self, device: dict[str, Any]) -> dict[str, Any]:
        return {**device, "credentials": {"password": "not-the-community"}}

    def reboot(self) -> None:
        self.sim.reboot()

    def trigger_event(self) -> EventType:
        self._flash = not self._flash  # conflict-monitor flash on, then off: a mode change
        self.sim.engine.set_mmu_flash(self._flash)
        return EventType.SIGNAL_MODE_CHANGED

    def not_applicable(self, check: str) -> str | None:
        return None


class TestNtcipConformance(AdapterConformance):
    adapter = NtcipAdapter
    simulator = NtcipHandle
    profile = "ntcip/standard"
