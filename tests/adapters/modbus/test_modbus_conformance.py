"""The conformance kit against the Modbus adapter and simulator, with each shipped register
map: the project's TSC-Modbus map and the invented vendor map with field quirks."""

from __future__ import annotations

from typing import Any

from adapters.modbus.adapter import ModbusAdapter
from gateway.model import EventType
from gateway.testing import AdapterConformance, NotApplicable
from simulators.engine.fleet import demo_fleet
from simulators.modbus.controller import SimulatedModbusController
from simulators.modbus.demo import device_entry

pytest_plugins = ("gateway.testing.plugin",)


class ModbusHandle:
    """A coordinated demo controller behind the Modbus face, laid out by `PROFILE`."""

    PROFILE = "modbus/tsc-modbus"

    def __init__(self) -> None:
        config = next(c for c in demo_fleet() if 1 <= c.local_pattern <= 253)
        self.sim = SimulatedModbusController(config, profile=self.PROFILE)
        self.sim.engine.boot_tick -= 6000  # powered up 600 s ago (tenths of a second)
        self._flash = False

    async def start(self) -> dict[str, Any]:
        await self.sim.start()
        return device_entry(self.sim, interval_s=0.5, timeout_s=0.4,
                            id="modbus-conformance")

    async def close(self) -> None:
        await self.sim.close()

    def silent(self, on: bool) -> None:
        self.sim.faults.silent = on

    def malformed(self, on: bool) -> None:
        self.sim.faults.malformed = on

    def wrong_credentials(self, device: dict[str, Any]) -> dict[str, Any]:
        raise NotApplicable("Modbus TCP has no credentials")

    def reboot(self) -> None:
        self.sim.reboot()

    def trigger_event(self) -> EventType:
        self._flash = not self._flash  # conflict-monitor flash on, then off: a mode change
        self.sim.engine.set_mmu_flash(self._flash)
        return EventType.SIGNAL_MODE_CHANGED

    def not_applicable(self, check: str) -> str | None:
        return None


class VendorQuirksHandle(ModbusHandle):
    PROFILE = "modbus/vendor-quirks"


class TestModbusConformance(AdapterConformance):
    adapter = ModbusAdapter
    simulator = ModbusHandle
    profile = "modbus/tsc-modbus"


class TestModbusVendorQuirksConformance(AdapterConformance):
    adapter = ModbusAdapter
    simulator = VendorQuirksHandle
    profile = "modbus/vendor-quirks"
