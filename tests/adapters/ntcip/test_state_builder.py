"""StateBuilder: status groups beyond the first (phases 9-16, detectors 9-16) land on the
right numbers, and each part is rebuilt exactly when its own values change."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.ntcip import const as C
from adapters.ntcip.snmp import Values
from adapters.ntcip.state import Layout, StateBuilder
from gateway.model import ControlMode, PedIndication, VehicleIndication

NOW = datetime(2026, 11, 29, tzinfo=UTC)


def values(greens: tuple[int, int], reds: tuple[int, int], det_active: tuple[int, int],
           pattern: int = 3) -> Values:
    v = Values()
    col = C.PHASE_STATUS_COLUMNS
    for g in (1, 2):
        v.ints[C.PHASE_STATUS + (col["greens"], g)] = greens[g - 1]
        v.ints[C.PHASE_STATUS + (col["reds"], g)] = reds[g - 1]
        v.ints[C.PHASE_STATUS + (col["dont_walks"], g)] = reds[g - 1]
        v.ints[C.DETECTOR_ACTIVE + (g,)] = det_active[g - 1]
        v.ints[C.DETECTOR_ALARMS + (g,)] = 0
    v.ints.update({C.UNIT_CONTROL_STATUS: 6, C.UNIT_FLASH_STATUS: 2,
                   C.COORD_PATTERN_STATUS: pattern, C.LOCAL_FREE_STATUS: 2,
                   C.PREEMPT_STATE + (1,): 2, C.PREEMPT_STATE + (2,): 6})
    return v


def builder() -> StateBuilder:
    return StateBuilder(Layout(phases=16, phase_groups=2, detectors=16, detector_groups=2,
                               preempts=2))


def test_second_groups_map_to_phases_and_detectors_9_to_16() -> None:
    # green: phases 2 and 10 (bit 1 of each group); red: every other phase
    state = builder().build(values((0x02, 0x02), (0xFD, 0xFD), (0x00, 0x80)), NOW, None)
    green = {p.number for p in state.phases if p.vehicle is VehicleIndication.GREEN}
    red = {p.number for p in state.phases if p.vehicle is VehicleIndication.RED}
    assert green == {2, 10} and red == set(range(1, 17)) - {2, 10}
    assert {p.number for p in state.phases
            if p.pedestrian is PedIndication.DONT_WALK} == set(range(1, 17)) - {2, 10}
    assert [d.number for d in state.detectors if d.active] == [16]
    assert state.control.mode is ControlMode.COORDINATED and state.control.pattern == 3
    assert [(p.number, p.active, p.state) for p in state.preemption] == [
        (1, False, "notActive"), (2, True, "dwell")]


def test_each_part_is_rebuilt_only_when_its_own_values_change() -> None:
    b = builder()
    first = b.build(values((0x02, 0), (0xFD, 0xFF), (0, 0)), NOW, None)
    same = b.build(values((0x02, 0), (0xFD, 0xFF), (0, 0)), NOW, None)
    assert same.phases is first.phases and same.detectors is first.detectors
    assert same.control is first.control and same.preemption is first.preemption
    cars = b.build(values((0x02, 0), (0xFD, 0xFF), (0x01, 0)), NOW, None)
    assert cars.phases is first.phases and cars.detectors is not first.detectors
    assert cars.detectors[0].active
    change = b.build(values((0x04, 0), (0xFB, 0xFF), (0x01, 0)), NOW, None)
    assert change.phases is not first.phases and change.detectors is cars.detectors
    assert change.phases[2].vehicle is VehicleIndication.GREEN
    plan = b.build(values((0x04, 0), (0xFB, 0xFF), (0x01, 0), pattern=4), NOW, None)
    assert plan.control is not first.control and plan.control.pattern == 4
    assert plan.phases is change.phases
    held = b.build(values((0x04, 0), (0xFB, 0xFF), (0x01, 0), pattern=4), NOW, 4)
    assert held.control is not plan.control  # the held command is part of the control key
