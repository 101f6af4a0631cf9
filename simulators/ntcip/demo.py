"""The NTCIP part of `junction demo`: the demo fleet on free UDP ports of 127.0.0.1."""

from __future__ import annotations

from typing import Any

from simulators.engine.fleet import demo_fleet
from simulators.ntcip.controller import SimulatedController

__all__ = ["NtcipDemo"]


class NtcipDemo:
    def __init__(self) -> None:
        self.controllers: list[SimulatedController] = []

    async def start(self) -> list[dict[str, Any]]:
        devices = []
        for seed, config in enumerate(demo_fleet()):
            sim = SimulatedController(config, seed=seed)
            host, port = await sim.start()
            self.controllers.append(sim)
            site = config.site
            devices.append({
                "id": config.id, "name": config.name, "kind": "signal_controller",
                "adapter": "ntcip", "profile": "ntcip/standard",
                "vendor": "Junction", "model": "Simulated NTCIP 1202 controller",
                "endpoint": {"host": host, "port": port},
                "poll": {"interval_s": 1.0, "timeout_s": 0.8},
                "site": {"intersection_id": site.intersection_id,
                         "name": site.intersection_name,
                         "lat": site.latitude, "lon": site.longitude},
                "tags": {"simulated": "true"},
            })
        return devices

    async def close(self) -> None:
        for sim in self.controllers:
            await sim.close()
        self.controllers.clear()
