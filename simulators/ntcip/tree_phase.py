"""NTCIP 1202 phase and detector objects (asc.1, asc.2) over a SignalEngine.

Phase timing columns report the engine's config (yellow, red clear and passage in tenths of a
second, everything else in seconds) and accept SETs that the engine validates; a value that would
make a pattern inconsistent (split too short) answers badValue. Status groups follow the NTCIP bit
rule (bit 0 = lowest-numbered member of the group).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial

from simulators.engine import PhaseControl, SignalEngine
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

__all__ = ["add_detector_objects", "add_phase_objects"]

# (column, name, PhaseTiming field, scale to MIB units)
_TIMING_COLUMNS = (
    (2, "phaseWalk", "walk_s", 1),
    (3, "phasePedestrianClear", "ped_clear_s", 1),
    (4, "phaseMinimumGreen", "min_green_s", 1),
    (5, "phasePassage", "passage_s", 10),
    (6, "phaseMaximum1", "max_green_s", 1),
    (7, "phaseMaximum2", "max2_s", 1),
    (8, "phaseYellowChange", "yellow_s", 10),
    (9, "phaseRedClear", "red_clear_s", 10),
)
_STATUS_COLUMNS = (
    (2, "phaseStatusGroupReds", "reds"),
    (3, "phaseStatusGroupYellows", "yellows"),
    (4, "phaseStatusGroupGreens", "greens"),
    (5, "phaseStatusGroupDontWalks", "dont_walks"),
    (6, "phaseStatusGroupPedClears", "ped_clears"),
    (7, "phaseStatusGroupWalks", "walks"),
    (8, "phaseStatusGroupVehCalls", "veh_calls"),
    (9, "phaseStatusGroupPedCalls", "ped_calls"),
    (10, "phaseStatusGroupPhaseOns", "phase_ons"),
    (11, "phaseStatusGroupPhaseNexts", "phase_nexts"),
)
_CONTROL_COLUMNS = (
    (PhaseControl.PHASE_OMIT, "phaseControlGroupPhaseOmit"),
    (PhaseControl.PED_OMIT, "phaseControlGroupPedOmit"),
    (PhaseControl.HOLD, "phaseControlGroupHold"),
    (PhaseControl.FORCE_OFF, "phaseControlGroupForceOff"),
    (PhaseControl.VEH_CALL, "phaseControlGroupVehCall"),
    (PhaseControl.PED_CALL, "phaseControlGroupPedCall"),
)


def _const(value: Value) -> Getter:
    return lambda: value


def _grouped(read: Callable[[], int], group: int) -> Getter:
    return lambda: group_byte(read(), group)


def _grouped_attr(e: SignalEngine, attr: str, group: int) -> Getter:
    """group_byte(getattr(e, attr), group) as partial(shared reader, e): read on every poll."""
    return partial(_group_reader(attr, group), e)


@cache
def _group_reader(attr: str, group: int) -> Callable[[SignalEngine], Value]:
    shift = (group - 1) * 8
    return lambda e: getattr(e, attr) >> shift & 0xFF


def _timing_getter(e: SignalEngine, phase: int, field: str, scale: int) -> Getter:
    def get() -> Value:
        t = e.config.phase_map().get(phase)
        return 0 if t is None else round(getattr(t, field) * scale)

    return get


def _timing_setter(e: SignalEngine, phase: int, field: str, scale: int) -> Setter:
    def change(v: int) -> dict[str, float]:
        return {field: v / scale if scale != 1 else v}

    return int_setter(
        0,
        255,
        apply=lambda v: e.update_phase_timing(phase, **change(v)),
        validate=lambda v: e.config.with_phase_timing(phase, **change(v)),
    )


def _options(e: SignalEngine, phase: int) -> Getter:
    def get() -> Value:
        t = e.config.phase_map().get(phase)
        if t is None:
            return 0
        return 1 | t.min_recall << 6 | t.max_recall << 7 | t.ped_recall << 8

    return get


def _ring_and_concurrency(e: SignalEngine, phase: int) -> tuple[int, bytes]:
    cfg = e.config
    if phase not in cfg.phase_map():
        return 0, b""
    seq = cfg.sequence(cfg.free_sequence)
    ring, group, _ = seq.locate(phase)
    enabled = cfg.phase_map()
    others = [p for r, rl in enumerate(seq.rings) if r != ring for p in rl[group] if p in enabled]
    return ring + 1, bytes(sorted(others))


def _control_setter(e: SignalEngine, kind: PhaseControl, group: int) -> Setter:
    shift = (group - 1) * 8

    def apply(v: int) -> None:
        cur = e.central.phase_control[kind]
        e.set_phase_control(kind, (cur & ~(0xFF << shift)) | (v << shift))

    return int_setter(0, 255, apply)


def add_phase_objects(b: TreeBuilder, e: SignalEngine) -> None:
    n = e.max_phases
    groups = (n + 7) // 8
    b.scalar(ASC + (1, 1), "maxPhases", _const(n))
    entry = ASC + (1, 2, 1)
    for p in range(1, n + 1):
        b.column(entry + (1,), (p,), "phaseNumber", _const(p))
        for col, name, field, scale in _TIMING_COLUMNS:
            b.column(
                entry + (col,),
                (p,),
                name,
                _timing_getter(e, p, field, scale),
                access=RW,
                setter=_timing_setter(e, p, field, scale),
            )
        ring, concurrency = _ring_and_concurrency(e, p)
        b.column(entry + (21,), (p,), "phaseOptions", _options(e, p), access=RW)
        b.column(entry + (22,), (p,), "phaseRing", _const(ring), access=RW)
        b.column(
            entry + (23,), (p,), "phaseConcurrency", _const(concurrency), tag=OCTET_STRING,
            access=RW,
        )  # fmt: skip
    b.scalar(ASC + (1, 3), "maxPhaseGroups", _const(groups))
    status = ASC + (1, 4, 1)
    control = ASC + (1, 5, 1)
    for g in range(1, groups + 1):
        b.column(status + (1,), (g,), "phaseStatusGroupNumber", _const(g))
        for col, name, attr in _STATUS_COLUMNS:
            b.column(status + (col,), (g,), name, _grouped_attr(e, attr, g))
        b.column(control + (1,), (g,), "phaseControlGroupNumber", _const(g))
        for kind, name in _CONTROL_COLUMNS:
            b.column(
                control + (int(kind),),
                (g,),
                name,
                _grouped(partial(e.central.phase_control.__getitem__, kind), g),
                access=RW,
                setter=_control_setter(e, kind, g),
            )


def add_detector_objects(b: TreeBuilder, e: SignalEngine) -> None:
    count = e.detector_count
    groups = (count + 7) // 8
    det = e.detectors
    b.scalar(ASC + (2, 1), "maxVehicleDetectors", _const(count))
    entry = ASC + (2, 2, 1)
    for d in range(1, count + 1):
        b.column(entry + (1,), (d,), "vehicleDetectorNumber", _const(d))
        b.column(entry + (4,), (d,), "vehicleDetectorCallPhase", _const(det.phase_of[d]), access=RW)
    b.scalar(ASC + (2, 3), "maxVehicleDetectorStatusGroups", _const(groups))
    status = ASC + (2, 4, 1)
    for g in range(1, groups + 1):
        b.column(status + (1,), (g,), "vehicleDetectorStatusGroupNumber", _const(g))
        b.column(
            status + (2,),
            (g,),
            "vehicleDetectorStatusGroupActive",
            _grouped_attr(e, "detector_active", g),
        )
        b.column(
            status + (3,),
            (g,),
            "vehicleDetectorStatusGroupAlarms",
            _grouped_attr(e, "detector_alarms", g),
        )
