"""Status a face reads from a SignalEngine: NTCIP unit and coordination values, calls, alarms.

Every value is computed on read from the current tick and the engine's state, so polling costs
nothing while nobody polls and can never be stale. Enumerations and bit layouts are NTCIP 1202's
(reference/signal-controllers.md sections 1.6 and 1.7); other faces map them to their own codes.
Reading shortAlarmStatus through read_short_alarm_status() clears the Local Cycle Zero latch, as
a real controller does on a GET (pitfall 7); the short_alarm_status property does not.
"""

from __future__ import annotations

from simulators.engine.central import NEVER
from simulators.engine.codes import (
    ALARM1_COORD_ACTIVE,
    ALARM1_LOCAL_FLASH,
    ALARM1_LOCAL_FREE,
    ALARM1_MMU_FLASH,
    ALARM2_OFFSET_TRANSITIONING,
    ALARM2_POWER_RESTART,
    SHORT_DETECTOR_FAULT,
    SHORT_LOCAL_OVERRIDE,
    OperatingMode,
    Override,
    UnitControlStatus,
    UnitFlashStatus,
)
from simulators.engine.detectors import DetectorBank
from simulators.engine.engine_state import EngineState
from simulators.engine.plan import PlanKind
from simulators.engine.timing import Pattern

__all__ = ["EngineStatus"]


class EngineStatus(EngineState):
    """Read-only status properties of SignalEngine."""

    __slots__ = ()

    # --- coordination ------------------------------------------------------------------------
    @property
    def coord_pattern_status(self) -> int:
        """coordPatternStatus of the selected plan: 1-253, 254 free, 255 flash, 0 all red/dark."""
        return self.rings.plan.pattern_status

    @property
    def local_free_status(self) -> int:
        return int(self.rings.plan.free_status)

    @property
    def running_pattern(self) -> Pattern | None:
        return self.rings.plan.pattern

    @property
    def cycle_length(self) -> int:
        plan = self.rings.plan
        return plan.cycle_ticks // 10 if plan.kind is PlanKind.COORDINATED else 0

    @property
    def cycle_timer(self) -> int:
        """coordCycleStatus: s to the next local cycle zero, rounded up (cycle length at cycle
        zero, 1 in the last second); 0 when not coordinated."""
        plan = self.rings.plan
        if plan.kind is not PlanKind.COORDINATED:
            return 0
        pos = (self._tick - self.rings.z0) % plan.cycle_ticks
        return (plan.cycle_ticks - pos + 9) // 10

    @property
    def cycle_position_ticks(self) -> int:
        """Ticks since local cycle zero (0 when not coordinated)."""
        plan = self.rings.plan
        if plan.kind is not PlanKind.COORDINATED:
            return 0
        return (self._tick - self.rings.z0) % plan.cycle_ticks

    # --- unit ---------------------------------------------------------------------------------
    @property
    def uptime_s(self) -> float:
        return (self._tick - self.boot_tick) / 10.0

    @property
    def boot_time(self) -> float:
        """Epoch seconds of the last power-up (true time, not device time)."""
        return self.boot_tick / 10.0

    @property
    def device_time_s(self) -> float:
        """The device's own clock: true time + clock_offset_s."""
        return self._tick / 10.0 + self.clock_offset_s

    # --- calls, modes and alarms --------------------------------------------------------------
    @property
    def veh_calls(self) -> int:
        inp = self._inp
        return (inp.veh_calls | inp.recall) & self._enabled & ~inp.omit & ~self.greens

    @property
    def ped_calls(self) -> int:
        inp = self._inp
        return (
            (inp.ped_calls | inp.ped_recall) & self.rings.ped_phases & ~inp.ped_omit & ~self.walks
        )

    @property
    def mode(self) -> OperatingMode:
        r = self.rings
        if r.stopped is not None:
            return OperatingMode(int(r.stopped))
        if r.red_until >= 0:
            return OperatingMode.STARTUP_RED
        return OperatingMode(int(r.run_kind))

    @property
    def unit_control_status(self) -> int:
        return int(self.central.control_status(self._override is not None))

    @property
    def unit_flash_status(self) -> int:
        if not self.flash_active:
            return UnitFlashStatus.NOT_FLASH
        if self._mmu:
            return UnitFlashStatus.MMU
        if self._startup_until >= 0:
            return UnitFlashStatus.STARTUP
        if self._override is Override.FLASH:
            return UnitFlashStatus.LOCAL_MANUAL
        return int(self.config.commanded_flash_status)

    @property
    def unit_alarm_status1(self) -> int:
        kind = self.rings.plan.kind
        v = 0
        if kind is PlanKind.COORDINATED:
            v |= ALARM1_COORD_ACTIVE
        elif kind is PlanKind.FREE:
            v |= ALARM1_LOCAL_FREE
        if self.flash_active:
            v |= ALARM1_LOCAL_FLASH
        if self._mmu:
            v |= ALARM1_MMU_FLASH
        return v

    @property
    def unit_alarm_status2(self) -> int:
        v = ALARM2_POWER_RESTART if self._startup_until >= 0 else 0
        if self.transitioning:
            v |= ALARM2_OFFSET_TRANSITIONING
        return v

    @property
    def short_alarm_status(self) -> int:
        """Current value; unlike read_short_alarm_status() it keeps the Local Cycle Zero latch."""
        v = self._short_latch
        if self._det.alarms:
            v |= SHORT_DETECTOR_FAULT
        if self._override is not None:
            v |= SHORT_LOCAL_OVERRIDE
        return v

    def read_short_alarm_status(self) -> int:
        """Read as an NTCIP GET does: returns the value and clears the latched bits (pitfall 7)."""
        v = self.short_alarm_status
        self._short_latch = 0
        return v

    @property
    def sync_timer(self) -> int:
        """coordSyncStatus: s since the system reference point (0 when not coordinated)."""
        plan = self.rings.plan
        if plan.kind is not PlanKind.COORDINATED:
            return 0
        dev = self._tick + round(self.clock_offset_s * 10)
        return ((dev - self._sync_ref_dev) % plan.cycle_ticks) // 10

    @property
    def detector_active(self) -> int:
        return self._det.active

    @property
    def detector_alarms(self) -> int:
        return self._det.alarms

    @property
    def detectors(self) -> DetectorBank:
        """Detector bank (read-only use: volume / occupancy counters, faults, call phases)."""
        return self._det

    @property
    def override(self) -> Override | None:
        return self._override

    @property
    def control_status(self) -> UnitControlStatus:
        return UnitControlStatus(self.unit_control_status)

    @property
    def backup_remaining_s(self) -> float:
        return self.central.backup_remaining_ticks(self._tick) / 10.0

    @property
    def next_event_tick(self) -> int:
        return min(self._ctl_next, self._det.next_tick, NEVER)

    @property
    def stage_started_tick(self) -> int:
        return self._stage_start
