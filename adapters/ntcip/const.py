"""NTCIP 1202 v01 / 1201 object identifiers the adapter reads and writes.

Every OID here is checked against reference/ntcip-oids.tsv by a contract test (public code has
several wrong ones; see reference/signal-controllers.md §0.1). Scalars end in .0; table columns
take the row index.
"""

from __future__ import annotations

__all__ = [
    "OID", "ASC", "GLOBAL", "SYS_UPTIME", "SYS_DESCR", "MAX_PHASES", "MAX_PHASE_GROUPS",
    "PHASE_STATUS", "PHASE_STATUS_COLUMNS", "MAX_DETECTORS", "MAX_DETECTOR_GROUPS",
    "DETECTOR_ACTIVE", "DETECTOR_ALARMS", "UNIT_BACKUP_TIME", "UNIT_CONTROL_STATUS",
    "UNIT_FLASH_STATUS", "UNIT_ALARM_STATUS_1", "UNIT_ALARM_STATUS_2", "SHORT_ALARM_STATUS",
    "MAX_PATTERNS", "PATTERN_CYCLE_TIME", "PATTERN_OFFSET_TIME", "COORD_PATTERN_STATUS",
    "LOCAL_FREE_STATUS", "COORD_CYCLE_STATUS", "COORD_SYNC_STATUS", "SYSTEM_PATTERN_CONTROL",
    "MAX_CHANNELS", "CHANNEL_CONTROL_SOURCE", "CHANNEL_CONTROL_TYPE", "CHANNEL_FLASH",
    "CHANNEL_TYPE_VEHICLE", "CHANNEL_FLASH_YELLOW", "CHANNEL_FLASH_RED",
    "MAX_PREEMPTS", "PREEMPT_STATE", "GLOBAL_SET_ID", "MODULE_MAKE", "MODULE_MODEL",
    "MODULE_VERSION", "GLOBAL_TIME", "scalar", "column",
    "PATTERN_STANDBY", "PATTERN_FREE", "PATTERN_FLASH",
]

OID = tuple[int, ...]

ASC: OID = (1, 3, 6, 1, 4, 1, 1206, 4, 2, 1)
GLOBAL: OID = (1, 3, 6, 1, 4, 1, 1206, 4, 2, 6)


def scalar(base: OID, *arcs: int) -> OID:
    return base + arcs + (0,)


def column(base: OID, *arcs: int) -> OID:
    """A table column without its index: append the row number."""
    return base + arcs


SYS_DESCR: OID = (1, 3, 6, 1, 2, 1, 1, 1, 0)
SYS_UPTIME: OID = (1, 3, 6, 1, 2, 1, 1, 3, 0)

MAX_PHASES = scalar(ASC, 1, 1)
MAX_PHASE_GROUPS = scalar(ASC, 1, 3)
PHASE_STATUS = column(ASC, 1, 4, 1)  # + (column, group)
# phaseStatusGroup columns: name -> column number (reference §1.4)
PHASE_STATUS_COLUMNS: dict[str, int] = {
    "reds": 2, "yellows": 3, "greens": 4, "dont_walks": 5, "ped_clears": 6, "walks": 7,
    "veh_calls": 8, "ped_calls": 9, "phase_ons": 10, "phase_nexts": 11,
}

MAX_DETECTORS = scalar(ASC, 2, 1)
MAX_DETECTOR_GROUPS = scalar(ASC, 2, 3)
DETECTOR_ACTIVE = column(ASC, 2, 4, 1, 2)
DETECTOR_ALARMS = column(ASC, 2, 4, 1, 3)

UNIT_BACKUP_TIME = scalar(ASC, 3, 3)
UNIT_CONTROL_STATUS = scalar(ASC, 3, 5)
UNIT_FLASH_STATUS = scalar(ASC, 3, 6)
UNIT_ALARM_STATUS_2 = scalar(ASC, 3, 7)
UNIT_ALARM_STATUS_1 = scalar(ASC, 3, 8)
SHORT_ALARM_STATUS = scalar(ASC, 3, 9)

MAX_PATTERNS = scalar(ASC, 4, 5)
PATTERN_CYCLE_TIME = column(ASC, 4, 7, 1, 2)
PATTERN_OFFSET_TIME = column(ASC, 4, 7, 1, 3)
COORD_PATTERN_STATUS = scalar(ASC, 4, 10)
LOCAL_FREE_STATUS = scalar(ASC, 4, 11)
COORD_CYCLE_STATUS = scalar(ASC, 4, 12)
COORD_SYNC_STATUS = scalar(ASC, 4, 13)
SYSTEM_PATTERN_CONTROL = scalar(ASC, 4, 14)

MAX_CHANNELS = scalar(ASC, 8, 1)
CHANNEL_CONTROL_SOURCE = column(ASC, 8, 2, 1, 2)
CHANNEL_CONTROL_TYPE = column(ASC, 8, 2, 1, 3)
CHANNEL_FLASH = column(ASC, 8, 2, 1, 4)
CHANNEL_TYPE_VEHICLE = 2
CHANNEL_FLASH_YELLOW = 0x02  # [I] bit 1; bit 2 (0x04) = red
CHANNEL_FLASH_RED = 0x04

MAX_PREEMPTS = scalar(ASC, 6, 1)
PREEMPT_STATE = column(ASC, 6, 2, 1, 16)

GLOBAL_SET_ID = scalar(GLOBAL, 1, 1)
MODULE_MAKE = column(GLOBAL, 1, 3, 1, 3)
MODULE_MODEL = column(GLOBAL, 1, 3, 1, 4)
MODULE_VERSION = column(GLOBAL, 1, 3, 1, 5)
GLOBAL_TIME = scalar(GLOBAL, 3, 1)

# systemPatternControl values (reference §1.7)
PATTERN_STANDBY = 0
PATTERN_FREE = 254
PATTERN_FLASH = 255
