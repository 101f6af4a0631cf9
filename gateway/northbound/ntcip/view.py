"""A device's NTCIP 1202 / 1201 MIB, built from the gateway's cache for one request.

Why a snapshot: every varbind of one PDU (and every step of one GETBULK) must see the same state,
and building ~100 instances from the cache costs far less than the wire round trip. Nothing here
talks to a device. Objects the cache cannot fill (no state yet, no cycle, no backup time) are
left out, so the agent answers noSuchInstance / noSuchName for them rather than a made-up value.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from datetime import datetime

from gateway.model import PedIndication, SignalControllerState, VehicleIndication
from gateway.northbound.ntcip import derive
from gateway.northbound.ntcip import oids as O
from gateway.registry import DeviceRuntime
from gateway.sdk.snmp import OID, Tag

__all__ = ["Value", "MibSnapshot", "gateway_view", "device_view"]

Value = int | bytes | OID | None

_REDS = frozenset({VehicleIndication.RED, VehicleIndication.RED_FLASH,
                   VehicleIndication.RED_YELLOW})
_YELLOWS = frozenset({VehicleIndication.YELLOW, VehicleIndication.YELLOW_FLASH,
                      VehicleIndication.RED_YELLOW})
_GREENS = frozenset({VehicleIndication.GREEN, VehicleIndication.GREEN_FLASH})


class MibSnapshot:
    """Instances in OID order: O(1) get, bisect for the next instance."""

    __slots__ = ("_values", "_keys")

    def __init__(self, values: dict[OID, tuple[int, Value]]) -> None:
        self._values = values
        self._keys = sorted(values)

    def get(self, oid: OID) -> tuple[int, Value] | None:
        return self._values.get(oid)

    def next_after(self, oid: OID) -> OID | None:
        i = bisect_right(self._keys, oid)
        return self._keys[i] if i < len(self._keys) else None

    def has_object(self, oid: OID) -> bool:
        """True if some instance of the object `oid` names (all arcs but the last) exists."""
        parent = oid[:-1]
        nxt = self.next_after(parent)
        return nxt is not None and nxt[:len(parent)] == parent

    def __contains__(self, oid: object) -> bool:
        return oid in self._values

    def __len__(self) -> int:
        return len(self._keys)


def _ticks(seconds: float) -> int:
    return int(seconds * 100) & 0xFFFFFFFF


def gateway_view(started_at: datetime | None, now: float) -> MibSnapshot:
    """What a plain `<community>` (no device) sees: the gateway's own system group."""
    up = now - started_at.timestamp() if started_at is not None else 0.0
    return MibSnapshot({
        O.SYS_DESCR: (Tag.OCTET_STRING, b"Junction gateway NTCIP 1202 agent: use community "
                                        b"<community>@<device-id> to read a controller"),
        O.SYS_UPTIME: (Tag.TIMETICKS, _ticks(max(up, 0.0))),
        O.SYS_NAME: (Tag.OCTET_STRING, b"junction"),
    })


def _groups(numbered: Iterable[tuple[int, bool]], count: int) -> list[int]:
    """Status-group bytes (8 members each, group 1 first; bit 0 = lowest member, §1.4)."""
    out = [0] * count
    for number, on in numbered:
        if on and 1 <= number <= count * 8:
            out[(number - 1) // 8] |= 1 << ((number - 1) % 8)
    return out


def device_view(rt: DeviceRuntime, *, now: float, started_at: datetime | None,
                backup_time_s: int | None, patterns: dict[int, tuple[int, int]]) -> MibSnapshot:
    """The device's MIB. `patterns` remembers pattern rows (cycle, offset s) seen running; the
    running one is added to it here."""
    v: dict[OID, tuple[int, Value]] = {}
    _system(v, rt, now, started_at)
    _modules(v, rt)
    state = rt.state
    if isinstance(state, SignalControllerState):
        _signal(v, state, now, backup_time_s, patterns)
    return MibSnapshot(v)


def _system(v: dict[OID, tuple[int, Value]], rt: DeviceRuntime, now: float,
            started_at: datetime | None) -> None:
    firmware = rt.identity.firmware
    descr = f"{rt.vendor} {rt.model}" + (f" {firmware}" if firmware else "") + \
        f" - {rt.config.name or rt.id} ({rt.id}), via the Junction gateway"
    h = rt.health.health
    if h.uptime_s is not None and h.last_seen is not None:
        up = h.uptime_s + max(now - h.last_seen.timestamp(), 0.0)
    else:  # [I] unknown device uptime: the gateway's own
        up = max(now - started_at.timestamp(), 0.0) if started_at is not None else 0.0
    v[O.SYS_DESCR] = (Tag.OCTET_STRING, descr.encode()[:255])
    v[O.SYS_OBJECT_ID] = (Tag.OBJECT_ID, O.ASC)
    v[O.SYS_UPTIME] = (Tag.TIMETICKS, _ticks(up))
    v[O.SYS_NAME] = (Tag.OCTET_STRING, rt.id.encode())
    site = rt.config.site
    where = site.name or site.intersection_id if site is not None else None
    if where:
        v[O.SYS_LOCATION] = (Tag.OCTET_STRING, where.encode()[:255])


def _modules(v: dict[OID, tuple[int, Value]], rt: DeviceRuntime) -> None:
    v[O.GLOBAL_MAX_MODULES] = (Tag.INTEGER, 1)
    row = O.MODULE_ENTRY
    v[row + (1, 1)] = (Tag.INTEGER, 1)
    v[row + (2, 1)] = (Tag.OBJECT_ID, O.ASC)
    v[row + (3, 1)] = (Tag.OCTET_STRING, rt.vendor.encode()[:255])
    v[row + (4, 1)] = (Tag.OCTET_STRING, rt.model.encode()[:255])
    v[row + (5, 1)] = (Tag.OCTET_STRING, (rt.identity.firmware or "").encode()[:255])
    v[row + (6, 1)] = (Tag.INTEGER, 2)  # hardware [I]: one row stands for the whole unit


def _put_groups(v: dict[OID, tuple[int, Value]], base: OID, columns: dict[int, list[int]],
                count: int) -> None:
    for g in range(1, count + 1):
        v[base + (1, g)] = (Tag.INTEGER, g)
        for col, values in columns.items():
            v[base + (col, g)] = (Tag.INTEGER, values[g - 1])


def _signal(v: dict[OID, tuple[int, Value]], s: SignalControllerState, now: float,
            backup_time_s: int | None, patterns: dict[int, tuple[int, int]]) -> None:
    phases = s.phases
    max_phase = max((p.number for p in phases), default=0)
    groups = (max_phase + 7) // 8
    v[O.MAX_PHASES] = (Tag.INTEGER, max_phase)
    v[O.MAX_PHASE_GROUPS] = (Tag.INTEGER, groups)

    def col(test: Callable[[VehicleIndication, PedIndication | None], bool]) -> list[int]:
        return _groups(((p.number, test(p.vehicle, p.pedestrian)) for p in phases), groups)

    c = O.PHASE_STATUS_COLUMNS
    _put_groups(v, O.PHASE_STATUS, {
        c["reds"]: col(lambda veh, ped: veh in _REDS),
        c["yellows"]: col(lambda veh, ped: veh in _YELLOWS),
        c["greens"]: col(lambda veh, ped: veh in _GREENS),
        c["dont_walks"]: col(lambda veh, ped: ped == PedIndication.DONT_WALK),
        c["ped_clears"]: col(lambda veh, ped: ped == PedIndication.PED_CLEAR),
        c["walks"]: col(lambda veh, ped: ped == PedIndication.WALK),
        c["veh_calls"]: _groups(((p.number, p.vehicle_call) for p in phases), groups),
        c["ped_calls"]: _groups(((p.number, p.ped_call) for p in phases), groups),
        c["phase_ons"]: _groups(((p.number, p.is_on) for p in phases), groups),
        c["phase_nexts"]: _groups(((p.number, p.is_next) for p in phases), groups),
    }, groups)

    dets = s.detectors
    max_det = max((d.number for d in dets), default=0)
    det_groups = (max_det + 7) // 8
    v[O.MAX_DETECTORS] = (Tag.INTEGER, max_det)
    v[O.MAX_DETECTOR_GROUPS] = (Tag.INTEGER, det_groups)
    _put_groups(v, O.DETECTOR_STATUS, {
        2: _groups(((d.number, d.active) for d in dets), det_groups),
        3: _groups(((d.number, d.fault) for d in dets), det_groups),
    }, det_groups)

    control = s.control
    if backup_time_s is not None:
        v[O.UNIT_BACKUP_TIME] = (Tag.INTEGER, backup_time_s)
    short, unit1, unit2 = derive.alarm_words(s)
    v[O.UNIT_CONTROL_STATUS] = (Tag.INTEGER, derive.unit_control_status(control))
    v[O.UNIT_FLASH_STATUS] = (Tag.INTEGER, derive.unit_flash_status(control))
    v[O.UNIT_ALARM_STATUS_2] = (Tag.INTEGER, unit2)
    v[O.UNIT_ALARM_STATUS_1] = (Tag.INTEGER, unit1)
    v[O.SHORT_ALARM_STATUS] = (Tag.INTEGER, short)

    pattern = control.pattern
    if pattern is not None and 1 <= pattern <= 253 and s.cycle.length_s:
        patterns[pattern] = (int(round(s.cycle.length_s)), int(round(s.cycle.offset_s or 0)))
    for number, (cycle, offset) in patterns.items():
        v[O.PATTERN_ENTRY + (1, number)] = (Tag.INTEGER, number)
        v[O.PATTERN_ENTRY + (2, number)] = (Tag.INTEGER, cycle)
        v[O.PATTERN_ENTRY + (3, number)] = (Tag.INTEGER, offset)
    v[O.COORD_PATTERN_STATUS] = (Tag.INTEGER, derive.coord_pattern_status(control))
    v[O.LOCAL_FREE_STATUS] = (Tag.INTEGER, derive.local_free_status(control))
    timers = derive.cycle_timers(s)
    if timers is not None:
        v[O.COORD_CYCLE_STATUS] = (Tag.INTEGER, timers[0])
        v[O.COORD_SYNC_STATUS] = (Tag.INTEGER, timers[1])
    v[O.SYSTEM_PATTERN_CONTROL] = (Tag.INTEGER, derive.system_pattern_control(control))

    if s.preemption:
        v[O.MAX_PREEMPTS] = (Tag.INTEGER, max(p.number for p in s.preemption))
        for p in s.preemption:
            v[O.PREEMPT_STATE + (p.number,)] = (Tag.INTEGER, derive.PREEMPT_CODES.get(p.state, 1))
    if s.device_time is not None:
        clock = s.device_time.timestamp() + max(now - s.received_at.timestamp(), 0.0)
        v[O.GLOBAL_TIME] = (Tag.COUNTER32, int(clock) & 0xFFFFFFFF)
