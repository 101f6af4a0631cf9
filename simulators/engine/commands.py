"""Commands a face can give a SignalEngine: central control, overrides, faults, database edits.

Every command applies at the engine's current tick, so a face calls advance(now) first; each
re-selects the plan and re-evaluates the rings at once, so the status it reads back already shows
the effect (or the clearance that precedes it). Invalid values raise ValueError with the reason;
faces translate that into their protocol's error (NTCIP badValue, GB/T 0x10 bad value, ...).
"""

from __future__ import annotations

from simulators.engine.codes import DetectorFault, Override, PhaseControl
from simulators.engine.config import ControllerConfig
from simulators.engine.engine_state import EngineState
from simulators.engine.plan import PlanBook, PlanKind

__all__ = ["EngineCommands"]


class EngineCommands(EngineState):
    """Command methods of SignalEngine (call advance(now) first)."""

    __slots__ = ()

    def set_system_pattern_control(self, value: int) -> None:
        """NTCIP systemPatternControl; ValueError if not 0..255. Re-arms the backup timer."""
        self.central.set_pattern(value, self._tick)
        self._apply()

    def set_unit_backup_time(self, seconds: int) -> None:
        self.central.set_backup_time(seconds, self._tick)
        self._apply()

    def set_system_sync_control(self, value: int) -> None:
        """0-254: the system cycle is `value` s in now; 255: reference = epoch (local timebase)."""
        self.central.set_sync(value, self._tick)
        dev = self._tick + round(self.clock_offset_s * 10)
        self._sync_ref_dev = 0 if value == 255 else dev - value * 10
        self._apply()

    def set_unit_control(self, value: int) -> None:
        """NTCIP unitControl; ValueError for reserved bits 0/1 (NTCIP badValue)."""
        self.central.set_unit_control(value, self._tick)
        self._apply()

    def set_coord_operational_mode(self, value: int) -> None:
        self.central.set_operational_mode(value)
        self._apply()

    def set_phase_control(self, kind: PhaseControl, mask: int) -> None:
        """phaseControlGroup bitmask (all groups, bit0 = phase 1). Re-arms the backup timer."""
        self.central.set_phase_control(kind, mask & self._enabled, self._tick)
        self._apply()

    def set_override(self, mode: Override | None) -> None:
        """Manual flash / all red / dark (GB/T command pipe, Modbus coils); None releases."""
        self._override = None if mode is None else Override(mode)
        self._apply()

    def set_mmu_flash(self, active: bool) -> None:
        """Conflict-monitor flash: lamps cut to flash at once, unitFlashStatus mmu(6)."""
        self._mmu = active
        if active:
            self.rings.cut(PlanKind.FLASH)
        self._apply()

    def set_detector_fault(self, detector: int, fault: DetectorFault) -> None:
        self._det.set_fault(detector, DetectorFault(fault), self._tick)
        self._apply()

    def place_vehicle_call(self, phase: int) -> None:
        self._check_phase(phase)
        self._inp.veh_calls |= 1 << (phase - 1)
        self._apply()

    def place_ped_call(self, phase: int) -> None:
        self._check_phase(phase)
        self._inp.ped_calls |= 1 << (phase - 1)
        self._apply()

    def set_clock_offset(self, seconds: float) -> None:
        """Device clock skew: the device reports now + seconds; coordination follows it."""
        self.clock_offset_s = float(seconds)
        self._apply()

    def set_device_time(self, epoch_s: float) -> None:
        """Set the device clock (NTCIP globalTime SET) relative to the current tick."""
        self.set_clock_offset(epoch_s - self._tick / 10.0)

    def reboot(self, now: float) -> None:
        """Power cycle at `now`: uptime restarts, volatile central state is lost, lamps cut to
        the startup flash (unitFlashStatus startup(7)) for config.startup_flash_s."""
        self.advance(now)
        t = self._tick
        self.boot_tick = t
        self.reboots += 1
        self.central.reset()
        self._override = None
        self._mmu = False
        self._inp.veh_calls = self._inp.ped_calls = 0
        self._short_latch = 0
        self._sync_ref_dev = 0
        self.transitioning = False
        if self.config.startup_flash_s > 0:
            self._startup_until = t + self.config.startup_flash_s * 10
            self.rings.cut(PlanKind.FLASH)
        else:
            self._startup_until = -1
            self.rings.restart(t)
        self._apply()

    def update_config(self, config: ControllerConfig) -> None:
        """Database write: swap in an edited config (same phases, detectors and rings).

        ValueError if the structure differs. New timings apply from each phase's next
        interval; a changed running pattern takes effect at once (a transition).
        """
        old = self.config
        if (
            config.max_phases != old.max_phases
            or {p.phase for p in config.phases} != {p.phase for p in old.phases}
            or config.detectors != old.detectors
            or config.sequences != old.sequences
        ):
            raise ValueError("only timing, pattern and startup values can change at run time")
        self.config = config
        self._book = PlanBook(config)
        self.rings.load_timing(config)
        self.config_version = (self.config_version + 1) & 0xFFFF
        self._apply()

    def update_phase_timing(self, phase: int, **changes: object) -> None:
        self.update_config(self.config.with_phase_timing(phase, **changes))

    def update_pattern(self, number: int, **changes: object) -> None:
        self.update_config(self.config.with_pattern(number, **changes))

    def set_startup_flash(self, seconds: int) -> None:
        self.update_config(self.config.with_startup_flash(seconds))

    def _check_phase(self, phase: int) -> None:
        if not self._enabled >> (phase - 1) & 1 or phase < 1:
            raise ValueError(f"phase {phase} is not enabled")
