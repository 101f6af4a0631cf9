"""SignalEngine: safety invariants under random traffic and commands, coordination timing,
central control and the backup timer, faults, determinism and configuration validation."""

from __future__ import annotations

import dataclasses
import random
import time
from typing import cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulators.engine import (
    ControllerConfig,
    DetectorFault,
    Interval,
    LocalFreeStatus,
    OperatingMode,
    Override,
    Pattern,
    PedIndication,
    PhaseControl,
    PhaseTiming,
    RingSequence,
    SignalEngine,
    UnitControlStatus,
    UnitFlashStatus,
    default_phases,
    demo_fleet,
    fleet_of,
    make_pattern,
)
from simulators.engine.codes import (
    ALARM1_COORD_ACTIVE,
    ALARM1_LOCAL_FLASH,
    ALARM1_LOCAL_FREE,
    ALARM2_POWER_RESTART,
    SHORT_DETECTOR_FAULT,
    SHORT_LOCAL_CYCLE_ZERO,
)
from tests.simulators.signal_monitor import SafetyMonitor, SafetyViolation, bits

T0 = 1_699_999_200.0  # a multiple of 1800 s: local cycle zero of 90, 100 and 120 s cycles
FLEET = {c.id: c for c in demo_fleet()}


def cfg(ident: str, **changes: object) -> ControllerConfig:
    return dataclasses.replace(FLEET[ident], **changes)  # type: ignore[arg-type]


def sixteen_phase() -> ControllerConfig:
    """Four rings of four phases, two barrier groups: rings 1-2 as NEMA, rings 3-4 mirrored."""
    phases = tuple(
        dataclasses.replace(p, phase=p.phase + off, min_recall=p.phase in (2, 6))
        for off in (0, 8)
        for p in default_phases()
    )
    lead = RingSequence(
        1, (((1, 2), (3, 4)), ((5, 6), (7, 8)), ((9, 10), (11, 12)), ((13, 14), (15, 16)))
    )
    lag = RingSequence(
        2, (((2, 1), (3, 4)), ((6, 5), (7, 8)), ((10, 9), (11, 12)), ((14, 13), (15, 16)))
    )
    base = make_pattern(1, 110, 20)
    splits = dict(base.splits)
    splits.update({p + 8: s for p, s in base.splits.items()})
    pat = Pattern(1, 110, 20, splits, coord_phases=(2, 6, 10, 14), sequence=2)
    rates = {p: 0.05 + 0.01 * (p % 5) for p in range(1, 17)}
    return ControllerConfig(
        id="ctl-16",
        name="Sixteen",
        phases=phases,
        sequences=(lead, lag),
        patterns=(pat,),
        local_pattern=1,
        max_phases=16,
        main_phases=(2, 6, 10, 14),
        flash_yellow_phases=(2, 6, 10, 14),
        arrival_rates=rates,
        ped_rates={p: 0.02 for p in (2, 4, 6, 8, 10, 12, 14, 16)},
    )


# --- a command-driven run under the safety monitor ---------------------------------------------

COMMANDS = st.one_of(
    st.tuples(st.just("spc"), st.sampled_from([0, 1, 2, 3, 4, 9, 254, 255])),
    st.tuples(st.just("backup"), st.sampled_from([0, 15, 60])),
    st.tuples(st.just("override"), st.sampled_from([None, *Override])),
    st.tuples(st.just("reboot"), st.none()),
    st.tuples(st.just("mmu"), st.booleans()),
    st.tuples(st.just("fault"), st.tuples(st.integers(1, 16), st.sampled_from(DetectorFault))),
    st.tuples(st.just("phasectl"), st.tuples(st.sampled_from(PhaseControl), st.integers(0, 255))),
    st.tuples(st.just("clock"), st.integers(-200, 200)),
    st.tuples(st.just("unitctl"), st.sampled_from([0, 4, 16])),
    st.tuples(st.just("sync"), st.integers(0, 255)),
    st.tuples(st.just("opmode"), st.sampled_from([0, 0, 2, 254, 255])),
)


def apply(e: SignalEngine, mon: SafetyMonitor, cmd: str, arg: object) -> None:
    if cmd == "spc":
        e.set_system_pattern_control(arg)  # type: ignore[arg-type]
    elif cmd == "backup":
        e.set_unit_backup_time(arg)  # type: ignore[arg-type]
    elif cmd == "override":
        e.set_override(arg)  # type: ignore[arg-type]
    elif cmd == "reboot":
        mon.cut(e.tick)
        e.reboot(e.now_s)
    elif cmd == "mmu":
        if arg:
            mon.cut(e.tick)
        e.set_mmu_flash(bool(arg))
    elif cmd == "fault":
        det, fault = cast(tuple[int, DetectorFault], arg)
        e.set_detector_fault(det, fault)
    elif cmd == "phasectl":
        kind, mask = cast(tuple[PhaseControl, int], arg)
        e.set_phase_control(kind, mask)
    elif cmd == "clock":
        e.set_clock_offset(float(arg))  # type: ignore[arg-type]
    elif cmd == "unitctl":
        e.set_unit_control(arg)  # type: ignore[arg-type]
    elif cmd == "sync":
        e.set_system_sync_control(arg)  # type: ignore[arg-type]
    elif cmd == "opmode":
        e.set_coord_operational_mode(arg)  # type: ignore[arg-type]


def run_monitored(
    e: SignalEngine, mon: SafetyMonitor, steps: list[tuple[int, tuple[str, object]]], tail_s: int
) -> None:
    """Advance tick by tick; apply each command after its delay; observe every tick."""
    schedule: dict[int, list[tuple[str, object]]] = {}
    at = e.tick
    for delay_s, command in steps:
        at += delay_s * 10
        schedule.setdefault(at, []).append(command)
    end = max(at, e.tick) + tail_s * 10
    t = e.tick
    while t < end:
        t += 1
        e.advance(t / 10)
        for cmd, arg in schedule.get(t, ()):
            if cmd == "fault" and arg[0] > e.detector_count:  # type: ignore[index]
                continue
            apply(e, mon, cmd, arg)
        mon.observe(e)


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    ident=st.sampled_from(sorted(FLEET)),
    seed=st.integers(0, 2**31),
    rate_scale=st.floats(0.0, 4.0),
    steps=st.lists(st.tuples(st.integers(1, 150), COMMANDS), max_size=10),
)
def test_safety_invariants_under_random_commands(
    ident: str, seed: int, rate_scale: float, steps: list[tuple[int, tuple[str, object]]]
) -> None:
    base = FLEET[ident]
    rates = {p: min(2.0, r * rate_scale) for p, r in base.arrival_rates.items()}
    config = dataclasses.replace(base, arrival_rates=rates)
    e = SignalEngine(config, T0, seed)
    mon = SafetyMonitor(config)
    run_monitored(e, mon, steps, tail_s=120)
    assert mon.ticks > 0


def random_steps(rng: random.Random, n: int) -> list[tuple[int, tuple[str, object]]]:
    pick: list[tuple[str, object]] = []
    for _ in range(n):
        kind = rng.choice(["spc", "spc", "spc", "override", "reboot", "backup", "fault", "mmu"])
        if kind == "spc":
            pick.append((kind, rng.choice([0, 1, 2, 3, 5, 254, 255])))
        elif kind == "override":
            pick.append((kind, rng.choice([None, None, *Override])))
        elif kind == "backup":
            pick.append((kind, rng.choice([0, 30, 300])))
        elif kind == "fault":
            pick.append((kind, (rng.randint(1, 16), rng.choice(list(DetectorFault)))))
        elif kind == "mmu":
            pick.append((kind, rng.random() < 0.3))
        else:
            pick.append((kind, None))
    return [(rng.randint(60, 600), c) for c in pick]


@pytest.mark.parametrize("which", ["ctl-main-1st", "ctl-oak-elm", "ctl-16"])
def test_two_hour_runs_stay_safe(which: str) -> None:
    config = sixteen_phase() if which == "ctl-16" else FLEET[which]
    rng = random.Random(which)
    e = SignalEngine(config, T0, seed=42)
    mon = SafetyMonitor(config)
    steps = random_steps(rng, 14)
    total = sum(d for d, _ in steps)
    run_monitored(e, mon, steps, tail_s=max(0, 7200 - total))
    assert mon.ticks >= 72000
    served = [p for p, n in mon.greens_seen.items() if n]
    assert len(served) >= len(config.phases) - 1, f"phases never served: {mon.greens_seen}"


def test_monitor_catches_a_conflict() -> None:
    """The monitor must be able to fail: feed it a fabricated conflicting state."""
    e = SignalEngine(FLEET["ctl-main-1st"], T0, 1)
    mon = SafetyMonitor(FLEET["ctl-main-1st"])
    e.advance(T0 + 10)
    e.greens = (1 << 1) | (1 << 2)  # phases 2 and 3: across the barrier
    with pytest.raises(SafetyViolation):
        mon.observe(e)


@pytest.mark.parametrize("bug", ["short_yellow", "no_red_clear", "ignore_min_green", "walk_late"])
def test_monitor_catches_injected_engine_bugs(bug: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Break the engine on purpose: the same monitored run must now fail."""
    from simulators.engine import rings as rings_mod

    config = FLEET["ctl-oak-elm"]
    e = SignalEngine(config, T0, 4)
    if bug == "short_yellow":
        e.rings.yel_t[4] -= 5
    elif bug == "no_red_clear":
        e.rings.red_t[:] = [0] * len(e.rings.red_t)
    elif bug == "ignore_min_green":
        orig = rings_mod.Rings._should_end

        def early(self: rings_mod.Rings, r: int, p: int, t: int, stopping: bool) -> bool:
            self.min_end[p] = min(self.min_end[p], self.g_start[p] + 10)
            return orig(self, r, p, t, stopping)

        monkeypatch.setattr(rings_mod.Rings, "_should_end", early)
    else:
        e.rings.walk_t[2] += 5  # walk runs longer than configured
    with pytest.raises(SafetyViolation):
        run_monitored(e, SafetyMonitor(config), [], tail_s=1800)


def test_monitor_catches_short_clearance() -> None:
    e = SignalEngine(FLEET["ctl-main-1st"], T0, 1)
    mon = SafetyMonitor(FLEET["ctl-main-1st"])
    e.advance(T0 + 10)
    e.greens, e.yellows = 0b10, 0
    mon.observe(e)
    e.advance(T0 + 30)
    e.greens, e.yellows = 0, 0b10
    mon.observe(e)
    e.advance(T0 + 31)
    e.greens, e.yellows = 0b100, 0  # phase 3 green 1 s into phase 2's yellow
    with pytest.raises(SafetyViolation):
        mon.observe(e)


# --- coordination --------------------------------------------------------------------------------


@pytest.mark.parametrize("ident", ["ctl-main-1st", "ctl-main-2nd", "ctl-market-5th"])
def test_coordinated_timers_and_cycle_zero(ident: str) -> None:
    config = FLEET[ident]
    pat = config.pattern(config.local_pattern)
    assert pat is not None
    e = SignalEngine(config, T0, seed=3)
    cyc = pat.cycle_s
    zeros = 0
    prev_timer = None
    for k in range(1, 8 * cyc * 10):
        e.advance(T0 + k / 10)
        assert e.mode is OperatingMode.COORDINATED or k < 60
        assert e.cycle_length == cyc
        assert e.coord_pattern_status == pat.number
        timer, sync = e.cycle_timer, e.sync_timer
        assert 1 <= timer <= cyc and 0 <= sync < cyc
        assert timer == cyc - (sync - pat.offset_s) % cyc  # local zero = offset after reference
        assert sync == int((e.device_time_s % cyc) // 1)  # reference = epoch, counts up
        if prev_timer is not None:
            assert timer in (prev_timer, prev_timer - 1) or (prev_timer == 1 and timer == cyc)
        prev_timer = timer
        if e.cycle_position_ticks == 0 and k > 3 * cyc * 10:
            zeros += 1
            assert e.greens & 0b100010 == 0b100010, f"2/6 not green at cycle zero: {bits(e.greens)}"
            assert not e.transitioning
            assert e.read_short_alarm_status() & SHORT_LOCAL_CYCLE_ZERO
        assert e.unit_alarm_status1 & ALARM1_COORD_ACTIVE
    assert zeros >= 4


def test_non_coordinated_greens_end_by_their_force_off() -> None:
    config = FLEET["ctl-main-1st"]
    pat = config.pattern(1)
    assert pat is not None
    e = SignalEngine(config, T0, seed=5)
    mon = SafetyMonitor(config)
    run_monitored(e, mon, [], tail_s=12 * pat.cycle_s)
    plan = e.rings.plan
    cyc = plan.cycle_ticks
    checked = 0
    for p, intervals in mon.green_intervals.items():
        if p in pat.coord_phases:
            continue
        for start, end in intervals:
            if start < e.rings.z0 + 3 * cyc:
                continue  # startup transition
            zero = start - (start - e.rings.z0) % cyc
            assert end <= zero + plan.fo_pos[p], (p, start, end)
            assert end - start >= mon.min[p]
            checked += 1
    assert checked > 20


def test_offset_changes_move_cycle_zero() -> None:
    a = SignalEngine(FLEET["ctl-main-1st"], T0, 1)
    b = SignalEngine(FLEET["ctl-main-2nd"], T0, 1)
    a.advance(T0 + 1)
    b.advance(T0 + 1)
    # local zero = offset after the epoch reference (T0 is a multiple of both cycles)
    assert a.cycle_position_ticks == 10  # pattern 1, offset 0, 1 s after zero
    assert b.cycle_position_ticks == (10 - 30 * 10) % 1200  # pattern 2: cycle 120, offset 30


# --- central control and the backup timer ------------------------------------------------------


def test_system_pattern_control_and_backup_expiry() -> None:
    e = SignalEngine(FLEET["ctl-oak-elm"], T0, 1)
    e.advance(T0 + 20)
    assert e.unit_control_status == UnitControlStatus.TIMEBASE
    assert e.coord_pattern_status == 254 and e.local_free_status == LocalFreeStatus.COMMAND_FREE
    e.set_unit_backup_time(30)
    e.set_system_pattern_control(2)
    assert e.unit_control_status == UnitControlStatus.SYSTEM_CONTROL
    assert e.coord_pattern_status == 2 and e.cycle_length == 120
    for k in range(1, 6):  # refresh every 25 s: control is kept
        e.advance(T0 + 20 + 25 * k)
        assert e.unit_control_status == UnitControlStatus.SYSTEM_CONTROL
        e.set_system_pattern_control(2)
    last = T0 + 20 + 125
    e.advance(last + 29.9)
    assert e.unit_control_status == UnitControlStatus.SYSTEM_CONTROL
    assert e.central.system_pattern_control == 2
    e.advance(last + 30.0)
    assert e.unit_control_status == UnitControlStatus.BACKUP_MODE
    assert e.central.system_pattern_control == 0 and e.central.unit_control == 0
    assert e.coord_pattern_status == 254  # back on the local plan (free)
    e.set_system_pattern_control(0)  # a later SET leaves Backup; 0 = local time base
    assert e.unit_control_status == UnitControlStatus.TIMEBASE


def test_backup_clears_phase_control_and_unit_control() -> None:
    e = SignalEngine(FLEET["ctl-main-1st"], T0, 1)
    e.set_unit_backup_time(10)
    e.set_phase_control(PhaseControl.HOLD, 0b10)
    e.set_unit_control(4)
    e.advance(T0 + 9.9)
    assert e.central.phase_control[PhaseControl.HOLD] == 0b10
    e.advance(T0 + 10)
    assert e.central.phase_control[PhaseControl.HOLD] == 0
    assert e.central.unit_control == 0
    assert e.unit_control_status == UnitControlStatus.BACKUP_MODE


def test_backup_disabled_when_zero() -> None:
    e = SignalEngine(FLEET["ctl-main-1st"], T0, 1)
    e.set_system_pattern_control(3)
    e.advance(T0 + 5000)
    assert e.unit_control_status == UnitControlStatus.SYSTEM_CONTROL
    assert e.coord_pattern_status == 3


@pytest.mark.parametrize("pattern", [4, 9, 200])
def test_unconfigured_pattern_runs_free_with_bad_plan(pattern: int) -> None:
    e = SignalEngine(FLEET["ctl-main-1st"], T0, 1)
    e.advance(T0 + 30)
    e.set_system_pattern_control(pattern)
    e.advance(T0 + 200)
    assert e.coord_pattern_status == 254
    assert e.local_free_status == LocalFreeStatus.BAD_PLAN
    assert e.mode is OperatingMode.FREE and e.cycle_length == 0 and e.cycle_timer == 0
    assert e.unit_alarm_status1 & ALARM1_LOCAL_FREE
    assert e.unit_control_status == UnitControlStatus.SYSTEM_CONTROL


def test_offset_not_less_than_cycle_runs_free() -> None:
    pats = tuple(
        dataclasses.replace(p, offset_s=p.cycle_s) if p.number == 1 else p
        for p in FLEET["ctl-main-1st"].patterns
    )
    e = SignalEngine(cfg("ctl-main-1st", patterns=pats), T0, 1)
    assert e.local_free_status == LocalFreeStatus.INVALID_OFFSET and e.coord_pattern_status == 254


def test_reserved_unit_control_bits_rejected() -> None:
    e = SignalEngine(FLEET["ctl-main-1st"], T0, 1)
    for bad in (1, 2, 3, 7):
        with pytest.raises(ValueError, match="reserved"):
            e.set_unit_control(bad)
    with pytest.raises(ValueError):
        e.set_system_pattern_control(256)


def test_flash_entry_clears_and_lamps_toggle_at_1hz_and_exit_goes_through_all_red() -> None:
    config = FLEET["ctl-main-1st"]
    e = SignalEngine(config, T0, 1)
    mon = SafetyMonitor(config)
    run_monitored(e, mon, [], tail_s=60)
    e.set_system_pattern_control(255)
    mon.observe(e)
    assert e.coord_pattern_status == 255
    t = e.tick
    while not e.flash_active:  # greens time out (min green, ped, yellow, red clear) first
        t += 1
        e.advance(t / 10)
        mon.observe(e)
    assert e.unit_flash_status == UnitFlashStatus.AUTOMATIC
    assert e.unit_alarm_status1 & ALARM1_LOCAL_FLASH
    samples = []
    for _ in range(20):
        t += 1
        e.advance(t / 10)
        samples.append((e.yellows, e.reds, e.greens))
    lit = [s for s in samples if s[0]]
    dark = [s for s in samples if not s[0]]
    assert len(lit) == len(dark) == 10
    assert all(y == 0b100010 and r == 0b11011101 and g == 0 for y, r, g in lit)
    assert all(r == 0 and g == 0 for _, r, g in dark)
    e.set_system_pattern_control(0)  # release to local pattern 1
    start = e.tick
    assert not e.flash_active and e.mode is OperatingMode.STARTUP_RED
    while not e.greens:
        t += 1
        e.advance(t / 10)
        assert e.reds == 0b11111111 or e.greens
    assert e.tick - start >= 55  # max(startup_all_red_s, yellow + red clear)
    plan = e.rings.plan
    if e.cycle_position_ticks <= min(plan.fo_pos[2], plan.fo_pos[6]):
        assert e.greens == 0b100010  # coordinated phases first while their split allows
    else:
        assert e.greens & 0b100010 == 0  # else the side street, whose windows are current
    for _ in range(2 * 1000):
        t += 1
        e.advance(t / 10)
        if e.cycle_position_ticks == 0:
            assert e.greens == 0b100010  # in step by the next local cycle zero


def test_override_all_red_and_dark() -> None:
    config = FLEET["ctl-oak-elm"]
    e = SignalEngine(config, T0, 1)
    mon = SafetyMonitor(config)
    run_monitored(e, mon, [(30, ("override", Override.ALL_RED))], tail_s=60)
    assert e.mode is OperatingMode.ALL_RED and e.reds == 0xFF and e.greens == 0
    assert e.unit_control_status == UnitControlStatus.MANUAL
    assert e.coord_pattern_status == 0
    run_monitored(e, mon, [(5, ("override", Override.DARK))], tail_s=5)
    assert OperatingMode(e.mode) is OperatingMode.DARK
    assert e.reds == e.yellows == e.greens == 0
    assert e.ped_indication(2) is PedIndication.DARK
    run_monitored(e, mon, [(5, ("override", Override.FLASH))], tail_s=5)
    assert e.unit_flash_status == UnitFlashStatus.LOCAL_MANUAL
    run_monitored(e, mon, [(5, ("override", None))], tail_s=30)
    assert OperatingMode(e.mode) is OperatingMode.FREE and e.greens


def test_reboot_resets_uptime_and_shows_startup_flash() -> None:
    e = SignalEngine(FLEET["ctl-main-1st"], T0, 1)
    e.set_unit_backup_time(100)
    e.set_system_pattern_control(2)
    e.advance(T0 + 500)
    assert e.uptime_s == 500
    e.reboot(T0 + 500)
    assert e.uptime_s == 0 and e.reboots == 1
    assert e.flash_active and e.unit_flash_status == UnitFlashStatus.STARTUP
    assert e.unit_alarm_status2 & ALARM2_POWER_RESTART
    assert e.central.system_pattern_control == 0 and e.central.unit_backup_time_s == 100
    e.advance(T0 + 509.9)
    assert e.flash_active
    e.advance(T0 + 510)
    assert not e.flash_active and e.unit_flash_status == UnitFlashStatus.NOT_FLASH
    assert e.mode is OperatingMode.STARTUP_RED
    e.advance(T0 + 520)
    assert e.coord_pattern_status == 1 and e.greens
    assert e.uptime_s == 20


def test_detector_faults_set_alarms_and_max_recall() -> None:
    config = cfg("ctl-oak-elm", arrival_rates={**FLEET["ctl-oak-elm"].arrival_rates, 4: 0.0})
    e = SignalEngine(config, T0, 2)
    mon = SafetyMonitor(config)
    e.advance(T0 + 1)
    assert e.detector_alarms == 0 and not e.short_alarm_status & SHORT_DETECTOR_FAULT
    e.set_detector_fault(7, DetectorFault.STUCK_ON)  # detector 7 calls phase 4
    assert e.detector_alarms == 1 << 6 and e.detector_active & (1 << 6)
    assert e.short_alarm_status & SHORT_DETECTOR_FAULT
    e.set_detector_fault(8, DetectorFault.OPEN)
    assert e.detector_alarms == 0b11 << 6 and not e.detector_active & (1 << 7)
    run_monitored(e, mon, [], tail_s=900)
    durs = mon.green_durations[4]
    assert len(durs) >= 5
    assert all(d == 400 for d in durs[1:]), durs  # max recall: every green maxes out at 40 s
    e.set_detector_fault(7, DetectorFault.NONE)
    e.set_detector_fault(8, DetectorFault.NONE)
    assert e.detector_alarms == 0


def test_short_alarm_latch_clears_on_read() -> None:
    e = SignalEngine(FLEET["ctl-main-1st"], T0, 1)
    e.advance(T0 + 99.9)
    e.read_short_alarm_status()
    assert not e.short_alarm_status & SHORT_LOCAL_CYCLE_ZERO
    e.advance(T0 + 100)
    assert e.short_alarm_status & SHORT_LOCAL_CYCLE_ZERO
    assert e.read_short_alarm_status() & SHORT_LOCAL_CYCLE_ZERO
    assert not e.read_short_alarm_status() & SHORT_LOCAL_CYCLE_ZERO
    e.advance(T0 + 150)
    assert not e.short_alarm_status & SHORT_LOCAL_CYCLE_ZERO
    e.advance(T0 + 200.5)
    assert e.short_alarm_status & SHORT_LOCAL_CYCLE_ZERO  # latched although zero has passed


def test_clock_skew_is_reported_and_shifts_coordination() -> None:
    e = SignalEngine(FLEET["ctl-main-1st"], T0, 1)
    e.advance(T0 + 10)
    assert e.cycle_position_ticks == 100
    e.set_clock_offset(7.0)
    assert e.device_time_s == T0 + 17
    assert e.cycle_position_ticks == 170 and e.transitioning
    e.set_device_time(T0 + 10)
    assert e.clock_offset_s == 0.0


def test_system_sync_control_rereferences_the_cycle() -> None:
    e = SignalEngine(FLEET["ctl-main-1st"], T0, 1)
    e.advance(T0 + 33)
    e.set_system_sync_control(5)
    assert e.sync_timer == 5
    e.advance(T0 + 40)
    assert e.sync_timer == 12
    e.set_system_sync_control(255)
    assert e.sync_timer == 40


# --- phases, peds, calls, stages ---------------------------------------------------------------


def test_phase_status_bits_and_intervals() -> None:
    e = SignalEngine(FLEET["ctl-main-1st"], T0, 1)
    e.advance(T0 + 10)
    assert e.greens == 34  # phases 2 and 6: bit 0 = phase 1
    assert e.reds == 0xFF & ~34 and e.phase_ons & 34 == 34
    iv, remaining = e.phase_interval(2)
    assert iv is Interval.GREEN and remaining > 0
    assert e.phase_interval(3) == (Interval.RED, 0.0)
    assert e.stage_table[e.current_stage - 1] == (2, 6)
    assert e.ring_phase(1) == 2 and e.ring_phase(2) == 6
    assert e.max_phases == 8 and e.detector_count == 16


def test_ped_calls_and_vehicle_calls_are_served() -> None:
    config = cfg("ctl-oak-elm", arrival_rates={}, ped_rates={})
    e = SignalEngine(config, T0, 1)
    mon = SafetyMonitor(config)
    run_monitored(e, mon, [], tail_s=30)
    assert e.greens == 34 and e.veh_calls == 0  # rest in green on the main street
    e.place_vehicle_call(4)
    e.place_ped_call(4)
    mon.observe(e)  # commands act at the current tick: observe it again
    assert e.veh_calls & 0b1000 and e.ped_calls == 0b1000
    run_monitored(e, mon, [], tail_s=40)
    assert mon.greens_seen[4] == 1 and mon.walk_since[4] > 0
    assert e.ped_calls == 0


def test_phase_control_omit_and_hold() -> None:
    config = cfg("ctl-oak-elm")
    e = SignalEngine(config, T0, 3)
    mon = SafetyMonitor(config)
    run_monitored(e, mon, [(1, ("phasectl", (PhaseControl.PHASE_OMIT, 0b1000)))], tail_s=600)
    served_before = mon.greens_seen[4]
    run_monitored(e, mon, [], tail_s=600)
    assert mon.greens_seen[4] == served_before  # omitted: never green again
    e.set_phase_control(PhaseControl.HOLD, 0b100010)
    mon.observe(e)
    run_monitored(e, mon, [], tail_s=120)
    assert e.greens & 0b100010 == 0b100010


# --- determinism and cost ----------------------------------------------------------------------


def trace(
    e: SignalEngine, ticks: int, commands: dict[int, tuple[str, object]]
) -> list[tuple[int, ...]]:
    mon = SafetyMonitor(e.config)
    out: list[tuple[int, ...]] = []
    for k in range(ticks):
        t = e.tick + 1
        e.advance(t / 10)
        if k in commands:
            apply(e, mon, *commands[k])
        out.append(
            (e.greens, e.yellows, e.walks, e.ped_clears, e.veh_calls, e.ped_calls, e.phase_nexts,
             e.cycle_timer, e.coord_pattern_status, e.unit_control_status, e.flash_active)
        )  # fmt: skip
    return out


@pytest.mark.parametrize("ident", ["ctl-main-2nd", "ctl-oak-elm", "ctl-market-5th"])
def test_event_driven_equals_tick_by_tick(ident: str) -> None:
    config = FLEET[ident]
    cmds: dict[int, tuple[str, object]] = {
        3000: ("spc", 3), 6000: ("spc", 254), 7000: ("override", Override.FLASH),
        8000: ("override", None), 9000: ("phasectl", (PhaseControl.FORCE_OFF, 0xFF)),
        11000: ("spc", 1), 12000: ("clock", 13),
    }  # fmt: skip
    fast = trace(SignalEngine(config, T0, 9), 15000, cmds)
    slow = trace(SignalEngine(config, T0, 9, tick_by_tick=True), 15000, cmds)
    for k, (a, b) in enumerate(zip(fast, slow, strict=True)):
        assert a == b, f"tick {k}: {a} != {b}"


def test_same_seed_same_history_and_chunking_does_not_matter() -> None:
    config = FLEET["ctl-oak-elm"]
    a = SignalEngine(config, T0, 11)
    b = SignalEngine(config, T0, 11)
    c = SignalEngine(config, T0, 12)
    checkpoints = [T0 + s for s in (7.3, 61.0, 300.2, 1234.5, 3000.0)]
    for now in checkpoints:
        t = a.now_s
        while t < now:  # a: 0.1 s steps; b: one jump per checkpoint
            t = round(t + 0.1, 1)
            a.advance(t)
        b.advance(now)
        c.advance(now)
        assert (a.greens, a.yellows, a.walks, a.veh_calls) == (
            b.greens, b.yellows, b.walks, b.veh_calls
        )  # fmt: skip
        assert a.detectors.volume == b.detectors.volume
    assert a.detectors.volume != c.detectors.volume


def test_long_gap_resyncs_quickly() -> None:
    e = SignalEngine(FLEET["ctl-main-1st"], T0, 1)
    e.set_unit_backup_time(60)
    e.set_system_pattern_control(2)
    start = time.perf_counter()
    e.advance(T0 + 5 * 86400)
    assert time.perf_counter() - start < 0.1
    assert e.unit_control_status == UnitControlStatus.BACKUP_MODE
    assert e.coord_pattern_status == 1 and e.greens
    assert e.uptime_s == 5 * 86400


# --- configuration validation ------------------------------------------------------------------


def test_demo_fleet_shape() -> None:
    fleet = demo_fleet()
    assert len(fleet) >= 5 and len({c.id for c in fleet}) == len(fleet)
    for c in fleet:
        assert {p.number for p in c.patterns} == {1, 2, 3}
        assert c.modules[0].make and c.site.intersection_name
    assert FLEET["ctl-river-rd"].local_pattern == 255
    e = SignalEngine(FLEET["ctl-river-rd"], T0, 1)
    e.advance(T0 + 10)
    assert e.flash_active and e.unit_flash_status == UnitFlashStatus.AUTOMATIC
    m = SignalEngine(FLEET["ctl-market-5th"], T0, 1)
    assert m.detector_alarms == 0b100 and m.coord_pattern_status == 3
    assert len(fleet_of(50, seed=3)) == 50


@pytest.mark.parametrize(
    ("splits", "message"),
    [
        ({1: 15, 2: 35, 3: 15, 4: 35, 5: 15, 6: 35, 7: 15, 8: 30}, "differ between rings"),
        ({1: 15, 2: 35, 3: 15, 4: 40, 5: 15, 6: 35, 7: 15, 8: 40}, "not the cycle"),
        ({1: 5, 2: 45, 3: 15, 4: 35, 5: 5, 6: 45, 7: 15, 8: 35}, "shorter than min green"),
        ({1: 30, 2: 20, 3: 15, 4: 35, 5: 30, 6: 20, 7: 15, 8: 35}, "walk \\+ ped clear"),
    ],
)
def test_bad_splits_rejected(splits: dict[int, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ControllerConfig(id="x", name="x", patterns=(Pattern(1, 100, 0, splits),))


def test_coordinated_phase_must_lead_its_group() -> None:
    good = make_pattern(1, 100, 0)
    with pytest.raises(ValueError, match="must lead"):
        ControllerConfig(id="x", name="x", patterns=(dataclasses.replace(good, sequence=1),))


@pytest.mark.parametrize(
    "changes",
    [
        {"yellow_s": 2.5},
        {"yellow_s": 3.55},
        {"max_green_s": 3, "min_green_s": 5},
        {"walk_s": 5, "ped_clear_s": 0},
    ],
)
def test_bad_phase_timing_rejected(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        PhaseTiming(phase=2, **changes)  # type: ignore[arg-type]


def test_database_edit_bumps_version_and_validates() -> None:
    e = SignalEngine(FLEET["ctl-main-1st"], T0, 1)
    v = e.config_version
    e.update_phase_timing(4, min_green_s=6)
    assert e.config_version == v + 1 and e.config.phase_map()[4].min_green_s == 6
    with pytest.raises(ValueError):
        e.update_phase_timing(2, min_green_s=40)  # no longer fits the splits
    assert e.config.phase_map()[2].min_green_s == 8 and e.config_version == v + 1
    e.update_pattern(1, offset_s=25)
    assert e.running_pattern is not None and e.running_pattern.offset_s == 25
