"""The GB/T 20999 part of `junction demo`: two controllers on free ports of 127.0.0.1.

The first speaks the standard variant (CRC 0x1005 / init 0) over TCP, the second the CCITT CRC
variant (0x1021 / 0xFFFF) over TCP, matching profiles `gbt20999/standard` and
`gbt20999/ccitt-crc`. Both also answer UDP on the same port.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from simulators.engine.fleet import fleet_of
from simulators.gbt20999.controller import Gbt20999SimOptions, SimulatedGbt20999Controller

__all__ = ["Gbt20999Demo", "DEMO_VARIANTS"]

DEMO_VARIANTS: tuple[tuple[str, Gbt20999SimOptions], ...] = (
    ("gbt20999/standard", Gbt20999SimOptions()),
    ("gbt20999/ccitt-crc", Gbt20999SimOptions(crc_poly=0x1021, crc_init=0xFFFF)),
)


class Gbt20999Demo:
    def __init__(self) -> None:
        self.controllers: list[SimulatedGbt20999Controller] = []

    async def start(self) -> list[dict[str, Any]]:
        devices = []
        configs = fleet_of(len(DEMO_VARIANTS), seed=20999)
        for seed, (config, (profile, options)) in enumerate(zip(configs, DEMO_VARIANTS,
                                                                strict=True)):
            config = dataclasses.replace(config, id="gbt-" + config.id.removeprefix("ctl-"),
                                         name=f"GB/T 20999 intersection {seed + 1}")
            sim = SimulatedGbt20999Controller(config, seed=seed, options=options)
            host, port = await sim.start()
            self.controllers.append(sim)
            site = config.site
            devices.append({
                "id": config.id, "name": config.name, "kind": "signal_controller",
                "adapter": "gbt20999", "profile": profile,
                "vendor": "Junction", "model": "Simulated GB/T 20999 controller",
                "endpoint": {"host": host, "port": port},
                "poll": {"interval_s": 1.0, "timeout_s": 0.8},
                "site": {"intersection_id": site.intersection_id, "name": config.name,
                         "lat": site.latitude, "lon": site.longitude},
                "tags": {"simulated": "true"},
            })
        return devices

    async def close(self) -> None:
        for sim in self.controllers:
            await sim.close()
        self.controllers.clear()
