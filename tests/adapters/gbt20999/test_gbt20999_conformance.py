"""The conformance kit against the GB/T 20999 adapter and its simulator (TCP framing)."""

from __future__ import annotations

from typing import Any

from adapters.gbt20999.adapter import Gbt20999Adapter
from gateway.model import EventType
from gateway.testing import AdapterConformance, NotApplicable
from simulators.engine.fleet import demo_fleet
from simulators.gbt20999.controller import SimulatedGbt20999Controller

pytest_plugins = ("gateway.testing.plugin",)


class Gbt20999Handle:
    """A coordinated demo controller behind the GB/T 20999-2017 face, over TCP."""

    def __init__(self) -> None:
        config = next(c for c in demo_fleet() if 1 <= c.local_pattern <= 253)
        self.sim = SimulatedGbt20999Controller(config, transport="tcp")
        self.sim.engine.boot_tick -= 6000  # powered up 600 s ago (tenths of a second)
        self._flash = False

    async def start(self) -> dict[str, Any]:
        await self.sim.start()
        return {"id": "gbt20999-conformance", "kind": "signal_controller",
                "adapter": "gbt20999", "profile": "gbt20999/standard",
                "endpoint": {"host": "127.0.0.1", "port": self.sim.port},
                "poll": {"interval_s": 0.5, "timeout_s": 0.4},
                "options": {"transport": "tcp"}}

    async def close(self) -> None:
        await self.sim.close()

    def silent(self, on: bool) -> None:
        self.sim.faults.silent = on

    def malformed(self, on: bool) -> None:
        self.sim.faults.truncate = on  # frames cut short: the CRC cannot match

    def wrong_credentials(self, device: dict[str, Any]) -> dict[str, Any]:
        raise NotApplicable("GB/T 20999-2017 has no credentials: a controller answers any "
                            "center that frames correctly")

    def reboot(self) -> None:
        self.sim.reboot()

    def trigger_event(self) -> EventType:
        self._flash = not self._flash  # conflict-monitor flash on, then off: a mode change
        self.sim.engine.set_mmu_flash(self._flash)
        return EventType.SIGNAL_MODE_CHANGED

    def not_applicable(self, check: str) -> str | None:
        return None


class TestGbt20999Conformance(AdapterConformance):
    adapter = Gbt20999Adapter
    simulator = Gbt20999Handle
    profile = "gbt20999/standard"
