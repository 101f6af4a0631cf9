"""One simulated NTCIP 1202 controller: a timing engine, its MIB face and an SNMP agent.

Faults are hooks on the face and the agent (latency, silence, malformed answers, missing
objects, wrong community), or engine actions (reboot, clock skew, detector faults); the engine
itself is never edited to fake a fault.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence

from simulators.engine.config import ControllerConfig
from simulators.engine.signal import SignalEngine
from simulators.ntcip.mib import NtcipFaceOptions, NtcipMibView
from simulators.snmp.agent import AgentFaults, SnmpAgent

__all__ = ["SimulatedController"]

Value = int | bytes | tuple[int, ...] | None


class _GuardedView:
    """The MIB face with run-time faults: every SET refused (a locked controller), objects
    hidden for a while (a firmware that drops objects, then has them again)."""

    __slots__ = ("view", "refuse_sets", "hidden")

    def __init__(self, view: NtcipMibView) -> None:
        self.view = view
        self.refuse_sets: int | None = None
        self.hidden: frozenset[tuple[int, ...]] = frozenset()

    def _is_hidden(self, oid: tuple[int, ...]) -> bool:
        return bool(self.hidden) and any(oid[:k] in self.hidden for k in range(1, len(oid) + 1))

    def get(self, oid: tuple[int, ...]) -> tuple[int, Value] | None:
        return None if self._is_hidden(oid) else self.view.get(oid)

    def get_each(self, oids: Sequence[tuple[int, ...]]) -> Iterator[tuple[int, Value] | None]:
        """The view's one-instant batch GET, unless objects are hidden (then one by one)."""
        if not self.hidden:
            return self.view.get_each(oids)
        return map(self.get, oids)

    def next_oid(self, oid: tuple[int, ...]) -> tuple[int, ...] | None:
        following = self.view.next_oid(oid)
        while following is not None and self._is_hidden(following):
            following = self.view.next_oid(following)
        return following

    def set(self, oid: tuple[int, ...], tag: int, value: Value) -> int:
        if self.refuse_sets is not None:
            return self.refuse_sets
        return self.view.set(oid, tag, value)


class SimulatedController:
    __slots__ = ("config", "engine", "view", "agent", "faults", "address", "clock", "_guard")

    def __init__(self, config: ControllerConfig, *, community: str = "public",
                 write_community: str | None = None, seed: int = 0,
                 options: NtcipFaceOptions | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock
        self.engine = SignalEngine(config, clock(), seed)
        self.view = NtcipMibView(self.engine, clock=clock, options=options or NtcipFaceOptions())
        self.faults = AgentFaults()
        write = (write_community or community).encode()
        self._guard = _GuardedView(self.view)
        self.agent = SnmpAgent(self._guard, communities_read={community.encode(), write},
                               communities_write={write}, faults=self.faults)
        self.address: tuple[str, int] | None = None

    @property
    def port(self) -> int:
        if self.address is None:
            raise RuntimeError("call start() first")
        return self.address[1]

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        self.address = await self.agent.start(host, port)
        return self.address

    async def close(self) -> None:
        await self.agent.close()

    @property
    def refuse_sets(self) -> int | None:
        """An SNMP error status every SET gets (e.g. 4 readOnly), or None to accept."""
        return self._guard.refuse_sets

    @refuse_sets.setter
    def refuse_sets(self, status: int | None) -> None:
        self._guard.refuse_sets = status

    def hide(self, *oids: tuple[int, ...]) -> None:
        """Make these objects (or subtrees) answer noSuchName until `hide()` is called again."""
        self._guard.hidden = frozenset(oids)

    def reboot(self) -> None:
        """Power-cycle: uptime restarts, startup flash, central control is lost."""
        self.engine.reboot(self.clock())
