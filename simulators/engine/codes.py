"""Enumerations and bit positions the engine reports, in NTCIP 1202 numbering.

Every face (NTCIP, GB/T 20999, Modbus) reads the same integers, so they are defined once here with
the NTCIP values from reference/signal-controllers.md sections 1.6 and 1.7. The interval and
indication enums are the engine's own vocabulary; faces map them onto their protocol's codes.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "ALARM1_COORD_ACTIVE",
    "ALARM1_COORD_FAIL",
    "ALARM1_COORD_FAULT",
    "ALARM1_CYCLE_FAIL",
    "ALARM1_CYCLE_FAULT",
    "ALARM1_LOCAL_FLASH",
    "ALARM1_LOCAL_FREE",
    "ALARM1_MMU_FLASH",
    "ALARM2_OFFSET_TRANSITIONING",
    "ALARM2_POWER_RESTART",
    "PATTERN_FLASH",
    "PATTERN_FREE",
    "PATTERN_NONE",
    "SHORT_DETECTOR_FAULT",
    "SHORT_LOCAL_CYCLE_ZERO",
    "SHORT_LOCAL_OVERRIDE",
    "SHORT_PREEMPT",
    "UNIT_CONTROL_EXT_MIN_RECALL",
    "UNIT_CONTROL_RESERVED",
    "DetectorFault",
    "Interval",
    "LocalFreeStatus",
    "OperatingMode",
    "Override",
    "PedIndication",
    "PhaseControl",
    "UnitControlStatus",
    "UnitFlashStatus",
]

PATTERN_NONE = 0
PATTERN_FREE = 254
PATTERN_FLASH = 255


class Interval(IntEnum):
    """Vehicle interval of one phase. RED = not timing (red dwell / not served)."""

    RED = 0
    GREEN = 1
    YELLOW = 2
    RED_CLEAR = 3
    FLASH = 4  # the cabinet is in flash; the lamp follows the 1 Hz flasher
    DARK = 5


class PedIndication(IntEnum):
    DARK = 0  # no ped head on this phase, or the cabinet is in flash / dark
    DONT_WALK = 1
    WALK = 2
    PED_CLEAR = 3  # flashing don't walk


class OperatingMode(IntEnum):
    """What the rings are doing now (not what was requested)."""

    COORDINATED = 1
    FREE = 2
    FLASH = 3
    ALL_RED = 4
    DARK = 5
    STARTUP_RED = 6  # the all-red interval that always follows flash / dark / all-red


class Override(IntEnum):
    """Local/manual overrides a face may command (GB/T 20999 command pipe, Modbus coils)."""

    FLASH = 1
    ALL_RED = 2
    DARK = 3


class DetectorFault(IntEnum):
    NONE = 0
    STUCK_ON = 1  # constant presence (shorted loop / max presence)
    OPEN = 2  # no activity (open loop)


class PhaseControl(IntEnum):
    """phaseControlGroup columns (NTCIP column numbers)."""

    PHASE_OMIT = 2
    PED_OMIT = 3
    HOLD = 4
    FORCE_OFF = 5
    VEH_CALL = 6
    PED_CALL = 7


class UnitControlStatus(IntEnum):
    OTHER = 1
    SYSTEM_CONTROL = 2
    SYSTEM_STANDBY = 3
    BACKUP_MODE = 4
    MANUAL = 5
    TIMEBASE = 6
    INTERCONNECT = 7
    INTERCONNECT_BACKUP = 8


class UnitFlashStatus(IntEnum):
    OTHER = 1
    NOT_FLASH = 2
    AUTOMATIC = 3
    LOCAL_MANUAL = 4
    FAULT_MONITOR = 5
    MMU = 6
    STARTUP = 7
    PREEMPT = 8


class LocalFreeStatus(IntEnum):
    OTHER = 1
    NOT_FREE = 2
    COMMAND_FREE = 3
    TRANSITION_FREE = 4
    INPUT_FREE = 5
    COORD_FREE = 6
    BAD_PLAN = 7
    BAD_CYCLE_TIME = 8
    SPLIT_OVERRUN = 9
    INVALID_OFFSET = 10
    FAILED = 11


# unitAlarmStatus1 bits
ALARM1_CYCLE_FAULT = 1 << 0
ALARM1_COORD_FAULT = 1 << 1
ALARM1_COORD_FAIL = 1 << 2
ALARM1_CYCLE_FAIL = 1 << 3
ALARM1_MMU_FLASH = 1 << 4
ALARM1_LOCAL_FLASH = 1 << 5
ALARM1_LOCAL_FREE = 1 << 6
ALARM1_COORD_ACTIVE = 1 << 7
# unitAlarmStatus2 bits
ALARM2_POWER_RESTART = 1 << 0
ALARM2_OFFSET_TRANSITIONING = 1 << 5
# shortAlarmStatus bits
SHORT_PREEMPT = 1 << 0
SHORT_LOCAL_CYCLE_ZERO = 1 << 2
SHORT_LOCAL_OVERRIDE = 1 << 3
SHORT_DETECTOR_FAULT = 1 << 5
# unitControl bits
UNIT_CONTROL_RESERVED = 0b11
UNIT_CONTROL_EXT_MIN_RECALL = 1 << 2
