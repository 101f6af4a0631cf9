"""NTCIP 1202 unit, coordination, preempt, ring and channel objects (asc.3, .4, .6, .7, .8).

These are the objects a central system uses to take and keep control (systemPatternControl with
unitBackupTime, pitfall 3) and to confirm it (unitControlStatus, coordPatternStatus,
localFreeStatus). shortAlarmStatus is read destructively: a GET clears the Local Cycle Zero latch
(pitfall 7). Channels are derived, not configured: channel p (1..N) is phase p's vehicle head and
channel N+p its ped head, with walk -> green, flashing don't walk -> yellow (steady bit; the
flashing is implied by the ped channel type) and don't walk -> red; ped heads are dark in flash.
ringStatus is an NTCIP 1202 v02 object (hidden in v01_only mode); only its coded-status bits 0-2
are produced.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
from operator import attrgetter

from simulators.engine import SignalEngine
from simulators.engine.codes import UNIT_CONTROL_RESERVED
from simulators.ntcip.objects import (
    ASC,
    OCTET_STRING,
    RW,
    Getter,
    Setter,
    TreeBuilder,
    Value,
    group_byte,
    int_setter,
)

__all__ = ["add_coord_objects", "add_misc_objects", "add_unit_objects", "channel_masks"]

PREEMPTS = 2
PREEMPT_NOT_ACTIVE = 2
PATTERN_TABLE_PATTERNS = 2  # patternTableType patterns(2)
SPLIT_MODE_NONE = 2
SPLIT_MODE_OMITTED = 7
CHANNEL_PHASE_VEHICLE = 2
CHANNEL_PHASE_PEDESTRIAN = 3


def _const(value: Value) -> Getter:
    return lambda: value


def _attr(e: SignalEngine, name: str) -> Getter:
    """getattr(e, name) as partial(shared reader, e), which the view calls as reader(e)."""
    return partial(_field(name), e)


@cache
def _field(name: str) -> Callable[[SignalEngine], Value]:
    return attrgetter(name)


def _system_pattern_control(e: SignalEngine) -> Value:
    return e.central.system_pattern_control


def _preempt_not_active(e: SignalEngine) -> Value:
    return PREEMPT_NOT_ACTIVE


def add_unit_objects(b: TreeBuilder, e: SignalEngine) -> None:
    u = ASC + (3,)
    b.scalar(
        u + (1,), "unitStartUpFlash", lambda: e.config.startup_flash_s, access=RW,
        setter=int_setter(0, 255, e.set_startup_flash),
    )  # fmt: skip
    b.scalar(
        u + (3,), "unitBackupTime", lambda: e.central.unit_backup_time_s, access=RW,
        setter=int_setter(0, 65535, e.set_unit_backup_time),
    )  # fmt: skip
    b.scalar(u + (5,), "unitControlStatus", _attr(e, "unit_control_status"))
    b.scalar(u + (6,), "unitFlashStatus", _attr(e, "unit_flash_status"))
    b.scalar(u + (7,), "unitAlarmStatus2", _attr(e, "unit_alarm_status2"))
    b.scalar(u + (8,), "unitAlarmStatus1", _attr(e, "unit_alarm_status1"))
    b.scalar(u + (9,), "shortAlarmStatus", partial(SignalEngine.read_short_alarm_status, e))
    b.scalar(
        u + (10,), "unitControl", lambda: e.central.unit_control, access=RW,
        setter=int_setter(0, 255, e.set_unit_control, validate=_unit_control_ok),
    )  # fmt: skip


def _pattern_field(e: SignalEngine, number: int, field: str) -> Getter:
    def get() -> Value:
        pat = e.config.pattern(number)
        return 0 if pat is None else int(getattr(pat, field))

    return get


def _pattern_setter(e: SignalEngine, number: int, field: str) -> Setter:
    return int_setter(
        0,
        255,
        apply=lambda v: e.update_pattern(number, **{field: v}),
        validate=lambda v: e.config.with_pattern(number, **{field: v}),
    )


def _split_getter(e: SignalEngine, number: int, phase: int, what: str) -> Getter:
    def get() -> Value:
        pat = e.config.pattern(number)
        if pat is None:
            return 0
        if what == "time":
            return pat.splits.get(phase, 0)
        if what == "mode":
            return SPLIT_MODE_NONE if phase in pat.splits else SPLIT_MODE_OMITTED
        return int(phase in pat.coord_phases)

    return get


def _split_setter(e: SignalEngine, number: int, phase: int) -> Setter:
    def splits(v: int) -> dict[int, int]:
        pat = e.config.pattern(number)
        assert pat is not None
        out = {p: s for p, s in pat.splits.items() if p != phase}
        if v:
            out[phase] = v
        return out

    return int_setter(
        0,
        255,
        apply=lambda v: e.update_pattern(number, splits=splits(v)),
        validate=lambda v: e.config.with_pattern(number, splits=splits(v)),
    )


def _unit_control_ok(value: int) -> None:
    if value & UNIT_CONTROL_RESERVED:
        raise ValueError("unitControl bits 0 and 1 are reserved")


def add_coord_objects(b: TreeBuilder, e: SignalEngine) -> None:
    c = ASC + (4,)
    numbers = sorted(p.number for p in e.config.patterns)
    top = max(numbers, default=0)
    enabled = sorted(e.config.phase_map())
    b.scalar(
        c + (1,), "coordOperationalMode", lambda: e.central.coord_operational_mode, access=RW,
        setter=int_setter(0, 255, e.set_coord_operational_mode),
    )  # fmt: skip
    b.scalar(c + (5,), "maxPatterns", _const(top))
    b.scalar(c + (6,), "patternTableType", _const(PATTERN_TABLE_PATTERNS))
    pe = c + (7, 1)
    for n in numbers:
        b.column(pe + (1,), (n,), "patternNumber", _const(n))
        b.column(
            pe + (2,), (n,), "patternCycleTime", _pattern_field(e, n, "cycle_s"), access=RW,
            setter=_pattern_setter(e, n, "cycle_s"),
        )  # fmt: skip
        b.column(
            pe + (3,), (n,), "patternOffsetTime", _pattern_field(e, n, "offset_s"), access=RW,
            setter=_pattern_setter(e, n, "offset_s"),
        )  # fmt: skip
        b.column(pe + (4,), (n,), "patternSplitNumber", _const(n), access=RW)
        b.column(
            pe + (5,), (n,), "patternSequenceNumber", _pattern_field(e, n, "sequence"), access=RW
        )
    b.scalar(c + (8,), "maxSplits", _const(top))
    se = c + (9, 1)
    for n in numbers:
        for p in enabled:
            idx = (n, p)
            b.column(se + (1,), idx, "splitNumber", _const(n))
            b.column(se + (2,), idx, "splitPhase", _const(p))
            b.column(
                se + (3,), idx, "splitTime", _split_getter(e, n, p, "time"), access=RW,
                setter=_split_setter(e, n, p),
            )  # fmt: skip
            b.column(se + (4,), idx, "splitMode", _split_getter(e, n, p, "mode"), access=RW)
            b.column(se + (5,), idx, "splitCoordPhase", _split_getter(e, n, p, "coord"), access=RW)
    b.scalar(c + (10,), "coordPatternStatus", _attr(e, "coord_pattern_status"))
    b.scalar(c + (11,), "localFreeStatus", _attr(e, "local_free_status"))
    b.scalar(c + (12,), "coordCycleStatus", _attr(e, "cycle_timer"))
    b.scalar(c + (13,), "coordSyncStatus", _attr(e, "sync_timer"))
    b.scalar(
        c + (14,), "systemPatternControl", partial(_system_pattern_control, e), access=RW,
        setter=int_setter(0, 255, e.set_system_pattern_control),
    )  # fmt: skip
    b.scalar(
        c + (15,), "systemSyncControl", lambda: e.central.system_sync_control, access=RW,
        setter=int_setter(0, 255, e.set_system_sync_control),
    )  # fmt: skip


def channel_masks(e: SignalEngine) -> tuple[int, int, int]:
    """(reds, yellows, greens) over channels: 1..N vehicle heads, N+1..2N ped heads."""
    n = e.max_phases
    return (
        e.reds | e.dont_walks << n,
        e.yellows | e.ped_clears << n,
        e.greens | e.walks << n,
    )


def _channel(e: SignalEngine, which: int, group: int) -> Getter:
    return lambda: group_byte(channel_masks(e)[which], group)


def _sequence_data(e: SignalEngine, number: int, ring: int) -> bytes:
    seq = e.config.sequence(number)
    enabled = e.config.phase_map()
    return bytes(p for grp in seq.rings[ring - 1] for p in grp if p in enabled)


def _channel_flash(e: SignalEngine, channel: int) -> int:
    """channelFlash bits [I: NTCIP 1202 text, not in the compiled MIB]: bit 1 flash yellow,
    bit 2 flash red; ped channels (above max_phases) are dark in flash (0)."""
    if channel > e.max_phases:
        return 0
    return 0x02 if channel in e.config.flash_yellow_phases else 0x04


def add_misc_objects(b: TreeBuilder, e: SignalEngine) -> None:
    """Preempt, ring (incl. v02 ringStatus) and channel groups."""
    p = ASC + (6,)
    b.scalar(p + (1,), "maxPreempts", _const(PREEMPTS))
    for n in range(1, PREEMPTS + 1):
        b.column(p + (2, 1, 1), (n,), "preemptNumber", _const(n))
        b.column(p + (2, 1, 16), (n,), "preemptState", partial(_preempt_not_active, e))
    r = ASC + (7,)
    seqs = sorted(s.number for s in e.config.sequences)
    rings = len(e.config.sequence(e.config.free_sequence).rings)
    b.scalar(r + (1,), "maxRings", _const(rings))
    b.scalar(r + (2,), "maxSequences", _const(max(seqs)))
    for s in seqs:
        for ring in range(1, rings + 1):
            idx = (s, ring)
            b.column(r + (3, 1, 1), idx, "sequenceNumber", _const(s))
            b.column(r + (3, 1, 2), idx, "sequenceRingNumber", _const(ring))
            b.column(
                r + (3, 1, 3), idx, "sequenceData", _const(_sequence_data(e, s, ring)),
                tag=OCTET_STRING, access=RW,
            )  # fmt: skip
    for ring in range(1, rings + 1):
        b.column(r + (6, 1, 1), (ring,), "ringStatus", partial(e.ring_status, ring), origin="v02")
    ch = ASC + (8,)
    n = e.max_phases
    channels = 2 * n
    b.scalar(ch + (1,), "maxChannels", _const(channels))
    for c in range(1, channels + 1):
        phase = c if c <= n else c - n
        kind = CHANNEL_PHASE_VEHICLE if c <= n else CHANNEL_PHASE_PEDESTRIAN
        b.column(ch + (2, 1, 1), (c,), "channelNumber", _const(c))
        b.column(ch + (2, 1, 2), (c,), "channelControlSource", _const(phase), access=RW)
        b.column(ch + (2, 1, 3), (c,), "channelControlType", _const(kind), access=RW)
        b.column(ch + (2, 1, 4), (c,), "channelFlash", _const(_channel_flash(e, c)), access=RW)
    groups = (channels + 7) // 8
    b.scalar(ch + (3,), "maxChannelStatusGroups", _const(groups))
    for g in range(1, groups + 1):
        b.column(ch + (4, 1, 1), (g,), "channelStatusGroupNumber", _const(g))
        b.column(ch + (4, 1, 2), (g,), "channelStatusGroupReds", _channel(e, 0, g))
        b.column(ch + (4, 1, 3), (g,), "channelStatusGroupYellows", _channel(e, 1, g))
        b.column(ch + (4, 1, 4), (g,), "channelStatusGroupGreens", _channel(e, 2, g))
