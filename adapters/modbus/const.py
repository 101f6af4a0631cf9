"""The names a Modbus register map can use, and what the adapter does with each.

A register map (profile `options.points`) may name any point; the names below have a meaning
the adapter knows (polled every poll and mapped onto the normalized state). Other names are
documentation for people and for the simulator's layout, and are read only when `native:`,
`control:`, `alarms:` or a command refers to them.
"""

from __future__ import annotations

__all__ = [
    "PHASE_MASKS", "DETECTOR_MASKS", "NUMBERS", "PLACEHOLDERS", "BIT_TABLES", "WRITABLE",
    "WIDTH", "EXCEPTION_NAMES", "MAX_READ_REGISTERS", "MAX_READ_BITS",
]

# phase bitmasks: bit 0 = phase 1 (one uint16 register = phases 1-16)
PHASE_MASKS = ("greens", "yellows", "reds", "walks", "ped_clears", "dont_walks", "veh_calls",
               "ped_calls", "phase_ons", "phase_nexts")
# detector bitmasks: bit 0 = detector 1
DETECTOR_MASKS = ("detector_presence", "detector_faults")
# scalar numbers with a meaning (units after scale/offset)
NUMBERS = {
    "device_time": "device clock, UTC epoch seconds",
    "uptime": "seconds since power-up (reboot detection)",
    "cycle_timer": "seconds to the next local cycle zero (counts down, NTCIP coordCycleStatus)",
    "cycle_position": "seconds since local cycle zero (counts up)",
    "cycle_length": "running cycle length, seconds",
    "cycle_offset": "running offset, seconds",
}
# value templates in command writes
PLACEHOLDERS = ("pattern", "backup_time_s")

BIT_TABLES = frozenset({"coil", "discrete"})
WRITABLE = frozenset({"coil", "holding"})
# registers per value; bitmask and bool take their width from `count`
WIDTH = {"uint16": 1, "int16": 1, "uint32": 2, "int32": 2, "float32": 2, "bitmask": 1,
         "bool": 1}

MAX_READ_REGISTERS = 125  # Modbus application protocol v1.1b3, FC03/FC04
MAX_READ_BITS = 2000  # FC01/FC02

EXCEPTION_NAMES = {
    1: "illegal function", 2: "illegal data address", 3: "illegal data value",
    4: "server device failure", 5: "acknowledge", 6: "server device busy",
    8: "memory parity error", 10: "gateway path unavailable",
    11: "gateway target device failed to respond",
}
