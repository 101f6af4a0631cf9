"""Central control and its fail-safe, per NTCIP 1202 section 1.8 (pitfall 3).

A central system takes a controller with systemPatternControl and must keep re-sending it within
unitBackupTime; if the refresh stops, the controller drops back to its own time-of-day plan in
Backup mode and forgets the central settings. Gateways that lose this fail-safe leave signals
stuck on a central plan, so the rule lives in one small class that tests can drive tick by tick.

Choices (documented because NTCIP leaves them open): the timer is armed by any write to a system
control object (systemPatternControl, systemSyncControl, unitControl, phaseControlGroup objects,
unitBackupTime) while unitBackupTime > 0; on expiry Backup mode is entered only if central state
is actually held (a pattern other than 0, unitControl bits or phase-control bits), otherwise the
timer simply lapses. Any later systemPatternControl SET leaves Backup mode.
"""

from __future__ import annotations

from simulators.engine.codes import (
    UNIT_CONTROL_RESERVED,
    PhaseControl,
    UnitControlStatus,
)

__all__ = ["NEVER", "CentralControl"]

NEVER = 1 << 62


class CentralControl:
    """Central-control objects and the backup timer. Ticks are 0.1 s engine ticks."""

    __slots__ = (
        "backup_expiry", "backups_entered", "coord_operational_mode", "in_backup",
        "phase_control", "system_pattern_control", "system_sync_control", "unit_backup_time_s",
        "unit_control",
    )  # fmt: skip

    def __init__(self, backup_time_s: int = 0) -> None:
        self.unit_backup_time_s = backup_time_s
        self.system_pattern_control = 0
        self.system_sync_control = 255
        self.unit_control = 0
        self.coord_operational_mode = 0
        self.phase_control: dict[PhaseControl, int] = {k: 0 for k in PhaseControl}
        self.backup_expiry = NEVER
        self.in_backup = False
        self.backups_entered = 0

    # --- writes (each re-arms the timer) ---------------------------------------------------
    def _arm(self, tick: int) -> None:
        if self.unit_backup_time_s > 0:
            self.backup_expiry = tick + self.unit_backup_time_s * 10
        else:
            self.backup_expiry = NEVER

    def set_pattern(self, value: int, tick: int) -> None:
        """systemPatternControl: 0 standby, 1-253 pattern, 254 free, 255 flash."""
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 255:
            raise ValueError(f"systemPatternControl={value!r} must be 0..255")
        self.system_pattern_control = value
        self.in_backup = False
        self._arm(tick)

    def set_backup_time(self, seconds: int, tick: int) -> None:
        if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 <= seconds <= 65535:
            raise ValueError(f"unitBackupTime={seconds!r} must be 0..65535 s")
        self.unit_backup_time_s = seconds
        self._arm(tick)

    def set_sync(self, value: int, tick: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 255:
            raise ValueError(f"systemSyncControl={value!r} must be 0..255")
        self.system_sync_control = value
        self._arm(tick)

    def set_unit_control(self, value: int, tick: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 255:
            raise ValueError(f"unitControl={value!r} must be 0..255")
        if value & UNIT_CONTROL_RESERVED:
            raise ValueError(f"unitControl={value}: bits 0 and 1 are reserved")
        self.unit_control = value
        self._arm(tick)

    def set_phase_control(self, kind: PhaseControl, mask: int, tick: int) -> None:
        if mask < 0:
            raise ValueError("phase control mask must be >= 0")
        self.phase_control[PhaseControl(kind)] = mask
        self._arm(tick)

    def set_operational_mode(self, value: int) -> None:
        """coordOperationalMode: 0 automatic, 1-253 manual pattern, 254 free, 255 flash."""
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 255:
            raise ValueError(f"coordOperationalMode={value!r} must be 0..255")
        self.coord_operational_mode = value

    # --- timer -----------------------------------------------------------------------------
    def holds_control(self) -> bool:
        return bool(
            self.system_pattern_control or self.unit_control or any(self.phase_control.values())
        )

    def expire(self) -> bool:
        """Called at the expiry tick. Returns True if Backup mode was entered."""
        self.backup_expiry = NEVER
        if not self.holds_control():
            return False
        self.system_pattern_control = 0
        self.unit_control = 0
        for k in self.phase_control:
            self.phase_control[k] = 0
        self.in_backup = True
        self.backups_entered += 1
        return True

    def reset(self) -> None:
        """Power-up: central settings are volatile; unitBackupTime (database) persists."""
        self.system_pattern_control = 0
        self.system_sync_control = 255
        self.unit_control = 0
        self.coord_operational_mode = 0
        for k in self.phase_control:
            self.phase_control[k] = 0
        self.backup_expiry = NEVER
        self.in_backup = False

    # --- what to run -----------------------------------------------------------------------
    def requested_pattern(self, local_pattern: int) -> int:
        if self.coord_operational_mode:
            return self.coord_operational_mode
        if self.system_pattern_control:
            return self.system_pattern_control
        return local_pattern

    def control_status(self, manual_override: bool) -> UnitControlStatus:
        if manual_override or self.coord_operational_mode:
            return UnitControlStatus.MANUAL
        if self.system_pattern_control:
            return UnitControlStatus.SYSTEM_CONTROL
        if self.in_backup:
            return UnitControlStatus.BACKUP_MODE
        return UnitControlStatus.TIMEBASE

    def backup_remaining_ticks(self, tick: int) -> int:
        return 0 if self.backup_expiry == NEVER else max(0, self.backup_expiry - tick)
