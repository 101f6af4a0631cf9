"""The NTCIP 1202 v01 / 1201 / MIB-II objects the agent serves (reference §1.2-1.10).

The gateway may not import an adapter, so these are the agent's own constants; they match
adapters/ntcip/const.py (both are checked against reference/ntcip-oids.tsv by tests). Scalars
end in .0; tables are given without column and index.
"""

from __future__ import annotations

__all__ = [
    "OID", "SYSTEM", "SYS_DESCR", "SYS_OBJECT_ID", "SYS_UPTIME", "SYS_NAME", "SYS_LOCATION",
    "ASC", "GLOBAL", "MAX_PHASES", "MAX_PHASE_GROUPS", "PHASE_STATUS", "PHASE_STATUS_COLUMNS",
    "MAX_DETECTORS", "MAX_DETECTOR_GROUPS", "DETECTOR_STATUS", "UNIT_BACKUP_TIME",
    "UNIT_CONTROL_STATUS", "UNIT_FLASH_STATUS", "UNIT_ALARM_STATUS_2", "UNIT_ALARM_STATUS_1",
    "SHORT_ALARM_STATUS", "PATTERN_ENTRY", "COORD_PATTERN_STATUS", "LOCAL_FREE_STATUS",
    "COORD_CYCLE_STATUS", "COORD_SYNC_STATUS", "SYSTEM_PATTERN_CONTROL", "MAX_PREEMPTS",
    "PREEMPT_STATE", "GLOBAL_MAX_MODULES", "MODULE_ENTRY", "GLOBAL_TIME", "WRITABLE",
]

OID = tuple[int, ...]

SYSTEM: OID = (1, 3, 6, 1, 2, 1, 1)
SYS_DESCR = SYSTEM + (1, 0)
SYS_OBJECT_ID = SYSTEM + (2, 0)
SYS_UPTIME = SYSTEM + (3, 0)
SYS_NAME = SYSTEM + (5, 0)
SYS_LOCATION = SYSTEM + (6, 0)

ASC: OID = (1, 3, 6, 1, 4, 1, 1206, 4, 2, 1)
GLOBAL: OID = (1, 3, 6, 1, 4, 1, 1206, 4, 2, 6)

MAX_PHASES = ASC + (1, 1, 0)
MAX_PHASE_GROUPS = ASC + (1, 3, 0)
PHASE_STATUS = ASC + (1, 4, 1)  # + (column, group)
PHASE_STATUS_COLUMNS: dict[str, int] = {
    "number": 1, "reds": 2, "yellows": 3, "greens": 4, "dont_walks": 5, "ped_clears": 6,
    "walks": 7, "veh_calls": 8, "ped_calls": 9, "phase_ons": 10, "phase_nexts": 11,
}

MAX_DETECTORS = ASC + (2, 1, 0)
MAX_DETECTOR_GROUPS = ASC + (2, 3, 0)
DETECTOR_STATUS = ASC + (2, 4, 1)  # + (column 1 number / 2 active / 3 alarms, group)

UNIT_BACKUP_TIME = ASC + (3, 3, 0)
UNIT_CONTROL_STATUS = ASC + (3, 5, 0)
UNIT_FLASH_STATUS = ASC + (3, 6, 0)
UNIT_ALARM_STATUS_2 = ASC + (3, 7, 0)
UNIT_ALARM_STATUS_1 = ASC + (3, 8, 0)
SHORT_ALARM_STATUS = ASC + (3, 9, 0)

PATTERN_ENTRY = ASC + (4, 7, 1)  # + (column 1 number / 2 cycle s / 3 offset s, pattern)
COORD_PATTERN_STATUS = ASC + (4, 10, 0)
LOCAL_FREE_STATUS = ASC + (4, 11, 0)
COORD_CYCLE_STATUS = ASC + (4, 12, 0)
COORD_SYNC_STATUS = ASC + (4, 13, 0)
SYSTEM_PATTERN_CONTROL = ASC + (4, 14, 0)

MAX_PREEMPTS = ASC + (6, 1, 0)
PREEMPT_STATE = ASC + (6, 2, 1, 16)  # + (preempt)

GLOBAL_MAX_MODULES = GLOBAL + (1, 2, 0)
MODULE_ENTRY = GLOBAL + (1, 3, 1)  # + (column 1 number .. 6 type, module)
GLOBAL_TIME = GLOBAL + (3, 1, 0)

# Read-write in the MIB. Only systemPatternControl is writable through the agent; the others
# answer notWritable (see ntcip/setter.py).
WRITABLE = frozenset({SYSTEM_PATTERN_CONTROL, UNIT_BACKUP_TIME, GLOBAL_TIME})
