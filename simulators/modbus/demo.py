"""The Modbus part of `junction demo`: two controllers on free TCP ports of 127.0.0.1, one per
register map (the project's TSC-Modbus map and the invented vendor-style map)."""

from __future__ import annotations

import dataclasses
from typing import Any

from simulators.engine.config import ControllerConfig
from simulators.engine.fleet import fleet_of
from simulators.modbus.controller import SimulatedModbusController

__all__ = ["DEMO_PROFILES", "ModbusDemo", "device_entry", "plans_of"]

DEMO_PROFILES = ("modbus/tsc-modbus", "modbus/vendor-quirks")


def plans_of(config: ControllerConfig) -> list[dict[str, Any]]:
    """The controller's patterns as a register map's `plans:` (cycle and offset known)."""
    return [{"number": p.number, "cycle_s": p.cycle_s, "offset_s": p.offset_s}
            for p in config.patterns]


def device_entry(sim: SimulatedModbusController, *, interval_s: float = 1.0,
                 timeout_s: float = 0.8, options: dict[str, Any] | None = None,
                 **extra: Any) -> dict[str, Any]:
    """A `devices:` config entry for a running simulated controller."""
    config, site = sim.config, sim.config.site
    entry: dict[str, Any] = {
        "id": config.id, "name": config.name, "kind": "signal_controller",
        "adapter": "modbus", "profile": sim.map.profile,
        "endpoint": {"host": "127.0.0.1", "port": sim.port},
        "poll": {"interval_s": interval_s, "timeout_s": timeout_s},
        "site": {"intersection_id": site.intersection_id, "name": site.intersection_name,
                 "lat": site.latitude, "lon": site.longitude},
        "options": {"plans": plans_of(config), **(options or {})},
    }
    entry.update(extra)
    return entry


class ModbusDemo:
    def __init__(self) -> None:
        self.controllers: list[SimulatedModbusController] = []

    async def start(self) -> list[dict[str, Any]]:
        devices = []
        for i, (config, profile) in enumerate(zip(fleet_of(2, seed=502), DEMO_PROFILES,
                                                  strict=True)):
            config = dataclasses.replace(config, id=f"mb-{i + 1:02d}",
                                         name=f"Modbus intersection {i + 1} ({profile})")
            sim = SimulatedModbusController(config, profile=profile, seed=502 + i)
            await sim.start()
            self.controllers.append(sim)
            devices.append(device_entry(sim, tags={"simulated": "true"}))
        return devices

    async def close(self) -> None:
        for sim in self.controllers:
            await sim.close()
        self.controllers.clear()
