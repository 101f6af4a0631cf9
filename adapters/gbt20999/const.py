"""GB/T 20999-2017 identifiers: frame types, data class/object/attribute IDs, enumerations.

Every ID here comes from three public sources that agree (reference/signal-controllers.md §2):
the `lining1111/RVDataFusionServer` header (its `DataItemMap` gives class.object.attribute as one
32-bit number), the AITON firmware header `ComDefGb20999-2017.h`, and the 20999 test tool. An
address is (class, object, attribute, element); element 0 (and attribute 0) means "all".
Value sizes marked [I] differ between sources or are not stated; the adapter tolerates both.
"""

from __future__ import annotations

__all__ = [
    "Address", "FrameType", "QUERY", "QUERY_REPLY", "QUERY_ERROR", "SET", "SET_REPLY",
    "SET_ERROR", "BROADCAST", "TRAP", "HEARTBEAT", "HEARTBEAT_REPLY", "HEARTBEAT_REPLY_VENDOR",
    "REPLY_TYPES", "FRAME_TYPE_NAMES", "DATA_CLASSES", "MANUFACTURER", "DEVICE_VERSION",
    "DEVICE_SERIAL", "CONTROLLER_ID", "LIGHT_GROUP_COUNT", "LIGHT_GROUP_NUMBERS",
    "LIGHT_GROUP_TYPES", "LIGHT_GROUP_STATUS", "PHASE_COUNT", "PHASE_NUMBERS",
    "PHASE_LIGHT_GROUPS", "DETECTOR_COUNT", "STAGE_COUNT", "STAGE_NUMBERS", "STAGE_PHASES",
    "STAGE_STATE", "STAGE_ELAPSED", "STAGE_REMAINING", "PLAN_COUNT", "PLAN_NUMBERS",
    "PLAN_CYCLE", "PLAN_OFFSET", "DETECTOR_FAULTS", "CABINET_DOOR", "DEVICE_UTC", "RUN_MODE",
    "CURRENT_PLAN", "CURRENT_STAGE", "DETECTOR_PRESENCE", "ALARM_TYPES", "ALARM_VALUES",
    "FAULT_TYPES", "FAULT_ACTIONS", "ASSIGN_STAGE", "ASSIGN_PLAN", "ASSIGN_RUN_MODE",
    "COMMAND_PIPE", "LG_VEHICLE", "LG_NON_MOTOR", "LG_PEDESTRIAN", "LG_LANE", "LIGHT_STATUS",
    "STAGE_STATES", "RUN_MODES", "ALARM_TYPE_NAMES", "ALARM_VALUE_NAMES", "FAULT_TYPE_NAMES",
    "FAULT_ACTION_NAMES", "PIPE_CANCEL", "PIPE_FLASH", "PIPE_ALL_RED", "PIPE_LIGHTS_ON",
    "PIPE_LIGHTS_OFF", "PIPE_RESTART", "ERROR_STATUS", "VENDOR_STATUS",
]

Address = tuple[int, int, int, int]
FrameType = int

# Frame types (§2.3). Reply = request + 0x10, error reply = request + 0x11.
QUERY, QUERY_REPLY, QUERY_ERROR = 0x10, 0x20, 0x21
SET, SET_REPLY, SET_ERROR = 0x30, 0x40, 0x41
BROADCAST = 0x50
TRAP = 0x60
HEARTBEAT, HEARTBEAT_REPLY = 0x70, 0x80
HEARTBEAT_REPLY_VENDOR = 0x71  # one field tool answers heartbeats with 0x71 (pitfall 19)

REPLY_TYPES: dict[int, frozenset[int]] = {
    QUERY: frozenset({QUERY_REPLY, QUERY_ERROR}),
    SET: frozenset({SET_REPLY, SET_ERROR}),
    HEARTBEAT: frozenset({HEARTBEAT_REPLY, HEARTBEAT_REPLY_VENDOR}),
}
FRAME_TYPE_NAMES = {
    QUERY: "query", QUERY_REPLY: "query reply", QUERY_ERROR: "query error reply",
    SET: "set", SET_REPLY: "set reply", SET_ERROR: "set error reply", BROADCAST: "broadcast",
    TRAP: "active report", HEARTBEAT: "heartbeat", HEARTBEAT_REPLY: "heartbeat reply",
    HEARTBEAT_REPLY_VENDOR: "heartbeat reply (vendor 0x71)",
}

# Data classes (§2.4, AITON order; the Java SDK's different order is wrong, pitfall 20).
DATA_CLASSES = {
    1: "device info", 2: "basic info", 3: "light group", 4: "phase", 5: "detector",
    6: "phase stage", 7: "phase safety", 8: "priority / emergency", 9: "plan",
    10: "transition constraint", 11: "day plan", 12: "schedule", 13: "run status",
    14: "traffic data", 15: "alarm", 16: "fault", 17: "center control", 18: "command pipe",
}

# Class 1, device info: strings are NUL-padded (manufacturer 128 bytes, serial 16 bytes);
# version is 4 bytes, hardware (2) then software (2).
MANUFACTURER: Address = (1, 1, 0, 0)
DEVICE_VERSION: Address = (1, 2, 0, 0)
DEVICE_SERIAL: Address = (1, 3, 0, 0)
CONTROLLER_ID: Address = (2, 5, 0, 0)  # 4 bytes
# Class 3, light groups: 3.3.1 is one status byte per light group.
LIGHT_GROUP_COUNT: Address = (3, 1, 0, 0)
LIGHT_GROUP_NUMBERS: Address = (3, 2, 1, 0)
LIGHT_GROUP_TYPES: Address = (3, 2, 2, 0)
LIGHT_GROUP_STATUS: Address = (3, 3, 1, 0)
# Class 4, phases: 4.2.2 is the phase's light groups, a 64-bit map, bit 0 = light group 1
# (8 bytes in the AITON-style struct; the lining header says 1 byte [I]).
PHASE_COUNT: Address = (4, 1, 0, 0)
PHASE_NUMBERS: Address = (4, 2, 1, 0)
PHASE_LIGHT_GROUPS: Address = (4, 2, 2, 0)
DETECTOR_COUNT: Address = (5, 1, 0, 0)
# Class 6, stages: 6.2.2 phases of a stage (64-bit map); 6.3.2-4 state, elapsed, remaining
# (4 bytes each in lining, 2 in another implementation [I]).
STAGE_COUNT: Address = (6, 1, 0, 0)
STAGE_NUMBERS: Address = (6, 2, 1, 0)
STAGE_PHASES: Address = (6, 2, 2, 0)
STAGE_STATE: Address = (6, 3, 2, 0)
STAGE_ELAPSED: Address = (6, 3, 3, 0)
STAGE_REMAINING: Address = (6, 3, 4, 0)
# Class 9, plans: cycle 4 bytes, offset 2 bytes.
PLAN_COUNT: Address = (9, 1, 0, 0)
PLAN_NUMBERS: Address = (9, 2, 1, 0)
PLAN_CYCLE: Address = (9, 2, 3, 0)
PLAN_OFFSET: Address = (9, 2, 5, 0)
# Class 13, run status. 13.1.x is the device; 13.2.x is per intersection (element = number).
DETECTOR_FAULTS: Address = (13, 1, 1, 0)  # detector state: a bit map of faulty detectors [I]
CABINET_DOOR: Address = (13, 1, 3, 0)
DEVICE_UTC: Address = (13, 1, 10, 0)  # 7 bytes: year (2), month, day, hour, minute, second
RUN_MODE: Address = (13, 2, 2, 1)
CURRENT_PLAN: Address = (13, 2, 3, 1)
CURRENT_STAGE: Address = (13, 2, 4, 1)
# Class 14: 14.1 real-time data, 8 bytes, bit 0 = vehicle present on detector 1.
DETECTOR_PRESENCE: Address = (14, 1, 0, 0)
# Classes 15/16: alarm and fault records (type, value / action), one byte per record.
ALARM_TYPES: Address = (15, 2, 2, 0)
ALARM_VALUES: Address = (15, 2, 3, 0)
FAULT_TYPES: Address = (16, 2, 2, 0)
FAULT_ACTIONS: Address = (16, 2, 4, 0)
# Class 17 center control and class 18 command pipe (the only objects a command writes).
ASSIGN_STAGE: Address = (17, 2, 0, 0)
ASSIGN_PLAN: Address = (17, 3, 0, 0)
ASSIGN_RUN_MODE: Address = (17, 4, 0, 0)
COMMAND_PIPE: Address = (18, 1, 0, 0)

# Light-group types (3.2.2).
LG_VEHICLE, LG_NON_MOTOR, LG_PEDESTRIAN, LG_LANE = 1, 2, 3, 4

LIGHT_STATUS = {
    0x01: "off", 0x10: "red", 0x11: "red flash", 0x12: "red fast flash", 0x20: "green",
    0x21: "green flash", 0x22: "green fast flash", 0x30: "yellow", 0x31: "yellow flash",
    0x32: "yellow fast flash", 0x40: "red and yellow",
}
STAGE_STATES = {0x10: "not released", 0x20: "releasing", 0x30: "transition"}
RUN_MODES = {
    0x10: "center", 0x11: "center_time_of_day", 0x12: "center_optimisation",
    0x13: "center_coordination", 0x14: "center_adaptive", 0x15: "center_manual",
    0x20: "local", 0x21: "local_fixed_cycle", 0x22: "local_actuated",
    0x23: "local_coordination", 0x24: "local_adaptive", 0x25: "local_manual",
    0x30: "special", 0x31: "yellow_flash", 0x32: "all_red", 0x33: "lights_off",
}
ALARM_TYPE_NAMES = {0x10: "signal lamp", 0x30: "detector", 0x40: "device",
                    0x60: "environment"}
ALARM_VALUE_NAMES = {  # lining header AlarmValue
    0x10: "voltage", 0x11: "voltage high", 0x12: "voltage low", 0x13: "power off",
    0x20: "temperature", 0x21: "temperature high", 0x22: "temperature low",
    0x30: "humidity", 0x31: "humidity high", 0x32: "humidity low", 0x40: "smoke",
    0x50: "movement", 0x60: "water", 0x70: "cabinet door", 0x71: "front door",
    0x72: "back door", 0x74: "left door", 0x78: "right door",
}
FAULT_TYPE_NAMES = {
    0x10: "green conflict", 0x11: "red/green conflict", 0x20: "red lamp", 0x21: "yellow lamp",
    0x22: "green lamp", 0x30: "communication", 0x40: "self-test", 0x41: "detector",
    0x42: "relay", 0x43: "memory", 0x44: "clock", 0x45: "mainboard", 0x46: "phase board",
    0x47: "detector board", 0x50: "configuration", 0x70: "control response",
}
FAULT_ACTION_NAMES = {
    0x00: "none", 0x10: "switch to flash", 0x20: "switch to lights off",
    0x30: "switch to all red", 0x40: "switch to local fixed cycle",
    0x50: "switch to local coordination", 0x60: "switch to local actuated",
}

# Command pipe (18.1) values.
PIPE_CANCEL, PIPE_FLASH, PIPE_ALL_RED, PIPE_LIGHTS_ON, PIPE_LIGHTS_OFF, PIPE_RESTART = range(6)

# Value status in error replies (AITON / lining).
ERROR_STATUS = {
    0x10: "bad_value", 0x11: "wrong_length", 0x12: "overflow", 0x20: "read_only",
    0x30: "does_not_exist", 0x40: "general_error", 0x50: "control_failed",
}
# The 0x00-0x0A status byte some devices put in front of reply values (pitfall 21) [I].
VENDOR_STATUS = {
    0x00: "ok", 0x01: "object does not exist", 0x02: "element does not exist",
    0x03: "attribute does not exist", 0x04: "not readable", 0x05: "not writable",
    0x06: "type mismatch", 0x07: "out of range", 0x08: "access denied", 0x09: "busy",
    0x0A: "other error",
}
