"""One simulated Modbus controller: the shared signal timing engine, a register face laid out
by a profile, and a Modbus TCP server.

Faults are switches on the server (`faults`: exception codes, latency, silence, drops, wrong
unit id, malformed answers) or actions here (`stop_listening` for refused connects, `reboot`,
`set_door_open`); quirks of a device model (`MODEL_QUIRKS`) are server options chosen by the
profile the controller speaks. The engine itself is never edited to fake a fault.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from simulators.engine.config import ControllerConfig
from simulators.engine.signal import SignalEngine
from simulators.modbus.face import ModbusFace
from simulators.modbus.regmap import SimMap, load_map
from simulators.modbus.server import ModbusServer, ServerFaults, ServerQuirks

__all__ = ["MODEL_QUIRKS", "SimulatedModbusController"]

MODEL_QUIRKS: dict[str, ServerQuirks] = {
    "modbus/tsc-modbus": ServerQuirks(other_units="exception"),
    # the invented vendor map: a slow embedded stack that ignores foreign unit ids, says
    # "busy" to requests closer than 15 ms and is deaf for 80 ms after a connect
    "modbus/vendor-quirks": ServerQuirks(other_units="ignore", busy_gap_s=0.015,
                                         deaf_after_connect_s=0.08),
}


class SimulatedModbusController:
    __slots__ = ("config", "clock", "engine", "map", "face", "server", "address", "_timer")

    def __init__(self, config: ControllerConfig, *, profile: str | Path = "modbus/tsc-modbus",
                 seed: int = 0, overrides: Mapping[str, Any] | None = None,
                 quirks: ServerQuirks | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        """profile: profile id or YAML path; overrides: option keys as a device's `options:`
        would set them (unit_id, ...); quirks: default from MODEL_QUIRKS for the profile."""
        self.config = config
        self.clock = clock
        self.engine = SignalEngine(config, clock(), seed)
        self.map: SimMap = load_map(profile, overrides)
        self.face = ModbusFace(self.engine, self.map, clock)
        self.face.on_arm = self._schedule
        if quirks is None:
            quirks = MODEL_QUIRKS.get(str(profile), ServerQuirks())
        self.server = ModbusServer(self.face, self.map.unit_id, quirks=quirks)
        self.address: tuple[str, int] | None = None
        self._timer: asyncio.TimerHandle | None = None

    @property
    def port(self) -> int:
        if self.address is None:
            raise RuntimeError("call start() first")
        return self.address[1]

    @property
    def faults(self) -> ServerFaults:
        return self.server.faults

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        self.address = await self.server.start(host, port)
        return self.address

    async def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        await self.server.close()

    async def stop_listening(self) -> None:
        """Fault: the port closes, so connects are refused (TCP RST) until resume()."""
        await self.server.close()

    async def resume(self) -> None:
        if self.address is None:
            raise RuntimeError("call start() first")
        await self.server.start(*self.address)

    def reboot(self) -> None:
        """Power-cycle: uptime restarts, startup flash, central control and overrides lost."""
        self.face.reboot()

    def set_door_open(self, is_open: bool) -> None:
        self.face.stored["door_open"] = float(is_open)

    def _schedule(self, deadline: float) -> None:
        """Run the face's watchdog at `deadline` (epoch s) even if nobody polls."""
        if self._timer is not None:
            self._timer.cancel()
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(max(0.0, deadline - self.clock()) + 0.01, self._expire)

    def _expire(self) -> None:
        self._timer = None
        now = self.clock()
        self.engine.advance(now)
        self.face.check_watchdog(now)
