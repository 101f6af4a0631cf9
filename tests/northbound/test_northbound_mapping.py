"""Normalized state -> NTCIP status values and GA/T 1049 codes, for devices that are not NTCIP
underneath (no `control.native`): the derivations of reference §6.2 read right to left."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.model import SignalControllerState
from gateway.northbound.gat1049.objects import control_mode_code, error_type
from gateway.northbound.ntcip import derive


def state(**control: Any) -> SignalControllerState:
    return SignalControllerState.model_validate({
        "received_at": datetime(2025, 1, 1, tzinfo=UTC),
        "control": {"mode": "coordinated", "source": "time_of_day", **control},
        "cycle": {"length_s": 100, "position_s": 30, "offset_s": 20},
        "alarms": [{"code": "mmu_flash", "severity": "critical", "text": "MMU flash"},
                   {"code": "vendor_thing", "severity": "minor", "text": "?"}],
        "detectors": [{"number": 3, "active": False, "fault": True}],
    })


@pytest.mark.parametrize("control, ucs, ufs, cps, lfs, spc, gat", [
    ({"pattern": 2}, 6, 2, 2, 2, 0, "31"),
    ({"pattern": 2, "source": "central", "central_hold": True}, 2, 2, 2, 2, 2, "53"),
    ({"mode": "free", "source": "central", "central_hold": True}, 2, 2, 254, 3, 254, "22"),
    ({"mode": "free", "reason": "badPlan"}, 6, 2, 254, 7, 0, "22"),
    ({"mode": "flash"}, 6, 3, 255, 2, 0, "13"),
    ({"mode": "flash", "source": "fault"}, 1, 5, 255, 2, 0, "13"),
    ({"mode": "flash", "source": "manual"}, 5, 4, 255, 2, 0, "13"),
    ({"mode": "all_red", "source": "central", "central_hold": True}, 2, 2, 0, 2, 0, "12"),
    ({"mode": "unknown", "source": "backup"}, 4, 2, 0, 2, 0, "00"),
])
def test_derived_ntcip_values_and_gat_modes(control: dict[str, Any], ucs: int, ufs: int,
                                            cps: int, lfs: int, spc: int, gat: str) -> None:
    c = state(**control).control
    assert derive.unit_control_status(c) == ucs
    assert derive.unit_flash_status(c) == ufs
    assert derive.coord_pattern_status(c) == cps
    assert derive.local_free_status(c) == lfs
    assert derive.system_pattern_control(c) == spc
    assert control_mode_code(c) == gat


def test_native_values_win() -> None:
    c = state(pattern=2, native={"unitControlStatus": 8, "coordPatternStatus": 7}).control
    assert derive.unit_control_status(c) == 8 and derive.coord_pattern_status(c) == 7


def test_cycle_timers_and_alarm_words() -> None:
    s = state(pattern=2)
    assert derive.cycle_timers(s) == (70, 50)  # counts down 100-30; sync = 30 + offset 20
    short, unit1, unit2 = derive.alarm_words(s)
    assert unit1 == (1 << 4) | (1 << 7)  # MMU flash, CoordActive
    assert short == (1 << 6) | (1 << 5)  # unknown minor -> non-critical; detector fault
    assert unit2 == 0
    assert [error_type(c) for c in ("mmu_flash", "power_restart", "central_control_lost",
                                    "detector_fault", "vendor_thing")] == ["1", "2", "5", "4", "9"]
