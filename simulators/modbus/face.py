"""The register tables of one simulated Modbus controller, laid out by its profile.

Nothing is copied into a register array: each read asks the SignalEngine for the points it
touches at that moment (so values are never stale and an idle controller costs nothing), and
each write is decoded with the point's own encoding and applied to the engine. Central writes
feed a watchdog like NTCIP's backup timer (pitfall 3): the engine's own timer drops a central
pattern, and this face drops central overrides (flash / all-red / lamps-off coils, central
request) when no central write, such as a changed heartbeat, arrives within the backup time.
"""

from __future__ import annotations

from collections.abc import Callable

from simulators.engine import SignalEngine
from simulators.modbus.regmap import (
    TABLES,
    SimMap,
    SimPoint,
    from_bits,
    from_words,
    to_bits,
    to_words,
)
from simulators.modbus.values import OVERRIDE_COILS, PHASE_CONTROL, value_of

__all__ = ["ILLEGAL_ADDRESS", "ILLEGAL_VALUE", "ModbusFace"]

ILLEGAL_ADDRESS = 2
ILLEGAL_VALUE = 3
BIT_TABLES = ("coil", "discrete")
_FEEDS_WATCHDOG = {"central_request", "preempt_call", "assign_stage", "pattern_control",
                   "assign_plan", "sync_control", "backup_time", *OVERRIDE_COILS,
                   *PHASE_CONTROL}


def _whole(value: float, low: int, high: int) -> int:
    if value != int(value) or not low <= value <= high:
        raise ValueError(f"{value} is not a whole number in {low}..{high}")
    return int(value)


class ModbusFace:
    """Reads and writes by table and wire address; returns an exception code on refusal."""

    __slots__ = ("engine", "map", "clock", "stored", "on_arm", "deadline", "_tables",
                 "_extent", "_defined", "_central_override")

    def __init__(self, engine: SignalEngine, simmap: SimMap, clock: Callable[[], float]) -> None:
        self.engine = engine
        self.map = simmap
        self.clock = clock
        self.stored: dict[str, float] = {}
        self.on_arm: Callable[[float], None] | None = None
        self.deadline: float | None = None
        self._central_override = False
        self._tables = {t: sorted(simmap.table(t), key=lambda p: p.address) for t in TABLES}
        self._extent = {t: max((p.end for p in pts), default=0) for t, pts in self._tables.items()}
        self._defined = {t: {a for p in pts for a in range(p.address, p.end)}
                         for t, pts in self._tables.items()}

    def _now(self) -> float:
        now = self.clock()
        self.engine.advance(now)
        self.check_watchdog(now)
        return now

    def _refused(self, table: str, address: int, end: int) -> bool:
        if end > self._extent[table]:
            return True
        if self.map.read_holes:
            return False
        defined = self._defined[table]
        return any(a not in defined for a in range(address, end))

    def _touched(self, table: str, address: int, end: int) -> list[SimPoint]:
        return [p for p in self._tables[table] if p.address < end and p.end > address]

    def read(self, table: str, address: int, count: int) -> list[int] | list[bool] | int:
        """`count` registers or bits from `address`, or an exception code."""
        self._now()
        end = address + count
        if self._refused(table, address, end):
            return ILLEGAL_ADDRESS
        bits = table in BIT_TABLES
        out: list[int] = [0] * count
        for p in self._touched(table, address, end):
            for i, cell in enumerate(self._cells(p)):
                a = p.address + i
                if address <= a < end:
                    out[a - address] = cell
        return [bool(c) for c in out] if bits else out

    def write(self, table: str, address: int, cells: list[int] | list[bool]) -> int | None:
        """Apply written registers or bits; None, or an exception code (nothing applied)."""
        now = self._now()
        end = address + len(cells)
        if self._refused(table, address, end):
            return ILLEGAL_ADDRESS
        touched = self._touched(table, address, end)
        bits = table in BIT_TABLES
        try:
            for p in touched:
                if p.address >= address and p.end <= end:
                    part = [int(c) for c in cells[p.address - address:p.end - address]]
                elif p.type == "bitmask":  # some coils of a group: the others keep their state
                    part = self._cells(p)
                    for a in range(max(p.address, address), min(p.end, end)):
                        part[a - p.address] = int(cells[a - address])
                else:
                    return ILLEGAL_VALUE  # a 32-bit value must be written whole
                value = from_bits(p, [bool(c) for c in part]) if bits else from_words(p, part)
                self._apply(p.name, value, now)
        except ValueError:
            return ILLEGAL_VALUE
        return None

    def _cells(self, p: SimPoint) -> list[int]:
        value = value_of(p, self.engine, self.stored)
        if p.table in BIT_TABLES:
            return [int(b) for b in to_bits(p, float(_first(value)))]
        return to_words(p, value)

    def _apply(self, name: str, value: float, now: float) -> None:
        e = self.engine
        feeds = name in _FEEDS_WATCHDOG
        if name in ("pattern_control", "assign_plan"):
            e.set_system_pattern_control(_whole(value, 0, 255))
        elif name == "sync_control":
            e.set_system_sync_control(_whole(value, 0, 255))
        elif name == "backup_time":
            e.set_unit_backup_time(_whole(value, 0, 65535))
        elif name == "heartbeat":
            feeds = value != self.stored.get("heartbeat")
            if feeds:  # only a change counts: a stuck central must not keep control
                e.set_unit_backup_time(e.central.unit_backup_time_s)
        elif name in OVERRIDE_COILS:
            override = OVERRIDE_COILS[name]
            if value:
                e.set_override(override)
                self._central_override = True
            elif e.override is override:
                e.set_override(None)
        elif name in PHASE_CONTROL:
            e.set_phase_control(PHASE_CONTROL[name], _whole(value, 0, 0xFFFF))
        elif name == "device_time":
            e.set_device_time(value)
        self.stored[name] = value
        if feeds:
            self._arm(now)

    def _arm(self, now: float) -> None:
        backup = self.engine.central.unit_backup_time_s
        if backup <= 0:
            return
        self.deadline = now + backup
        if self.on_arm is not None:
            self.on_arm(self.deadline)

    def check_watchdog(self, now: float) -> None:
        """Drop central overrides once the backup time passed without a central write."""
        if self.deadline is None or now < self.deadline:
            return
        self.deadline = None
        self.stored.pop("central_request", None)
        if self._central_override and self.engine.override is not None:
            self.engine.set_override(None)
        self._central_override = False

    def reboot(self) -> None:
        """Power cycle: volatile central writes are lost with the engine's central state."""
        self.engine.reboot(self.clock())
        for name in ("heartbeat", "central_request", "preempt_call", "assign_stage"):
            self.stored.pop(name, None)
        self.deadline = None
        self._central_override = False


def _first(value: float | tuple[float, ...]) -> float:
    return value[0] if isinstance(value, tuple) else value
