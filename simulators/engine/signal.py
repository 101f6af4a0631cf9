"""SignalEngine: one simulated traffic-signal controller, shared by every protocol face.

The NTCIP, GB/T 20999 and Modbus simulators all wrap this class, so a controller looks the same
whichever protocol polls it. It is pure Python with no I/O and no asyncio: faces call
`advance(now)` with wall-clock epoch seconds and then read plain attributes. Time moves on a
0.1 s tick grid but only ticks where something happens are computed, so an engine that is
polled often costs about a microsecond per call and 2,000 engines fit in one process.

Determinism: (config, start_time, seed) plus the sequence of advance() and command calls fully
determine every output. Commands apply at the engine's current tick; call advance(now) first.

Documented choices: entering flash / all red / dark from a running plan times the current greens
out (min green, ped clearance, yellow, red clear) before the lamps change; a reboot or MMU flash
cuts the lamps at once. Leaving any flash / all-red / dark state always goes through an all-red
interval (max of startup_all_red_s and the longest yellow + red clear) and then starts the
coordinated phases (or config.main_phases when running free); in coordination, if the
coordinated phases' force-off in the current cycle has already passed, the phases whose split
windows are current start instead, so the controller is in step by the next local cycle zero.
A new engine starts in that all-red interval without a startup flash; reboot() shows the
startup flash first. Pattern changes take effect at once (see rings.py).
"""

from __future__ import annotations

import random

from simulators.engine.central import CentralControl
from simulators.engine.codes import (
    SHORT_LOCAL_CYCLE_ZERO,
    UNIT_CONTROL_EXT_MIN_RECALL,
    Override,
    PhaseControl,
)
from simulators.engine.commands import EngineCommands
from simulators.engine.config import ControllerConfig
from simulators.engine.detectors import ON, PED, DetectorBank
from simulators.engine.plan import Plan, PlanBook, PlanKind
from simulators.engine.rings import GREEN, WALK, Inputs, Rings
from simulators.engine.status import EngineStatus
from simulators.engine.views import PhaseViews

__all__ = ["RESYNC_AFTER_S", "RESYNC_WARMUP_S", "SignalEngine"]

RESYNC_AFTER_S = 3600
"""A gap longer than this between advance() calls restarts the rings instead of replaying."""
RESYNC_WARMUP_S = 120
"""After a resync the last RESYNC_WARMUP_S seconds before `now` are simulated."""

_OVERRIDE_KIND = {
    Override.FLASH: PlanKind.FLASH,
    Override.ALL_RED: PlanKind.ALL_RED,
    Override.DARK: PlanKind.DARK,
}


def _to_tick(seconds: float) -> int:
    return int(seconds * 10.0 + 1e-6)


class SignalEngine(EngineCommands, EngineStatus, PhaseViews):
    """A NEMA-style actuated / coordinated controller. See the module docstring.

    Bitmasks (bit 0 = phase 1; plain attributes, updated whenever the state changes):
    greens, yellows, reds, walks, ped_clears, dont_walks, phase_ons, phase_nexts; properties
    veh_calls, ped_calls, detector_active, detector_alarms (bit 0 = detector 1). In flash the
    lamp bits follow a 1 Hz flasher (lit when (tick // 5) is even) and flash_active is True.
    NTCIP values: unit_control_status, unit_flash_status, unit_alarm_status1/2,
    short_alarm_status (read_short_alarm_status() clears the latch), coord_pattern_status,
    local_free_status, cycle_length, cycle_timer, sync_timer. Identity and time: config,
    max_phases, detector_count, boot_time, uptime_s, device_time_s, clock_offset_s,
    config_version. Per phase / stage / ring: phase_interval(p), ped_indication(p),
    stage_table, current_stage, stage_elapsed_s, stage_remaining_s, ring_phase(r),
    ring_status(r). Central state: central (CentralControl), backup_remaining_s.
    """

    __slots__ = ("_flash_yellow", "_tick_by_tick")

    def __init__(
        self,
        config: ControllerConfig,
        start_time: float,
        seed: int = 0,
        *,
        tick_by_tick: bool = False,
    ) -> None:
        """tick_by_tick=True evaluates every 0.1 s tick (slow; used by tests to prove that
        the event-driven stepping skips nothing)."""
        t = _to_tick(start_time)
        self.config = config
        self.seed = seed
        self._tick = t
        self.boot_tick = t
        self.max_phases = config.max_phases
        self.detector_count = len(config.detectors)
        self.config_version = 1
        self.clock_offset_s = float(config.clock_offset_s)
        self.daylight_saving = 2  # NTCIP 1201 disableDST(2)
        self.local_time_differential_s = config.site.utc_offset_s
        self.transitioning = False
        self.reboots = 0
        self.central = CentralControl(config.unit_backup_time_s)
        self._book = PlanBook(config)
        self._inp = Inputs(config.max_phases)
        self._det = DetectorBank(config, random.Random(seed), t)
        self._override: Override | None = None
        self._mmu = False
        self._startup_until = -1
        self._sync_ref_dev = 0
        self._short_latch = 0
        self._tick_by_tick = tick_by_tick
        self._enabled = 0
        for pt in config.phases:
            self._enabled |= 1 << (pt.phase - 1)
        self._flash_yellow = 0
        for ph in config.flash_yellow_phases:
            self._flash_yellow |= 1 << (ph - 1)
        self.greens = self.yellows = self.reds = self.walks = self.ped_clears = 0
        self.dont_walks = self.phase_ons = self.phase_nexts = 0
        self.flash_active = False
        self._stage_key: tuple[int, ...] = ()
        self._stage_start = t
        self.rings = Rings(config, self._inp, self._book.for_pattern(config.local_pattern))
        self._ctl_next = t
        self.rings.restart(t)
        self._reselect(t)
        self._evaluate(t)

    # --- time -----------------------------------------------------------------------------------
    @property
    def tick(self) -> int:
        """Current engine tick (tenths of a second since the epoch)."""
        return self._tick

    @property
    def now_s(self) -> float:
        return self._tick / 10.0

    def advance(self, now: float) -> None:
        """Step to wall-clock `now` (epoch s). Cheap when nothing is due; never goes back."""
        target = int(now * 10.0 + 1e-6)
        if target <= self._tick:
            return
        if self._ctl_next > target and self._det.next_tick > target:
            self._tick = target
            return
        if target - self._tick > RESYNC_AFTER_S * 10:
            self._resync(target)
        self._run(target)

    def _run(self, target: int) -> None:
        det = self._det
        inp = self._inp
        rings = self.rings
        while True:
            dn = det.next_tick
            cn = self._ctl_next
            n = min(cn, dn)
            if n > target:
                break
            self._tick = n
            need_eval = cn <= n
            while True:
                ev = det.pop(n)
                if ev is None:
                    break
                kind, num, off = ev
                if kind == ON:
                    ph = det.phase_of[num]
                    inp.presence_end[ph] = max(inp.presence_end[ph], off)
                    if rings.iv[ph] == GREEN:
                        ext = off + rings.pass_t[ph]
                        if ext > rings.gap_end[ph]:
                            rings.gap_end[ph] = ext
                            need_eval = True
                    elif not inp.veh_calls >> (ph - 1) & 1:
                        inp.veh_calls |= 1 << (ph - 1)
                        need_eval = True
                elif kind == PED and rings.ped[num] != WALK and not inp.ped_calls >> (num - 1) & 1:
                    inp.ped_calls |= 1 << (num - 1)
                    need_eval = True
            if need_eval:
                self._evaluate(n)
        self._tick = target

    def _resync(self, target: int) -> None:
        start = target - RESYNC_WARMUP_S * 10
        if self.central.backup_expiry <= start:
            self.central.expire()
        if 0 <= self._startup_until <= start:
            self._startup_until = -1
        self._tick = start
        self._inp.veh_calls = self._inp.ped_calls = 0
        self._inp.presence_end[:] = [0] * len(self._inp.presence_end)
        self._det.reschedule(start)
        self.rings.restart(start)
        self._reselect(start)
        self._evaluate(start)

    # --- plan selection and evaluation -----------------------------------------------------------
    def _z0(self, plan: Plan) -> int:
        if plan.kind is not PlanKind.COORDINATED:
            return 0
        return self._sync_ref_dev + plan.offset_ticks - round(self.clock_offset_s * 10)

    def _reselect(self, t: int) -> None:
        if self._mmu or self._startup_until >= 0:
            plan = self._book.special(PlanKind.FLASH)
        elif self._override is not None:
            plan = self._book.special(_OVERRIDE_KIND[self._override])
        else:
            plan = self._book.for_pattern(self.central.requested_pattern(self.config.local_pattern))
        z0 = self._z0(plan)
        rings = self.rings
        if plan is not rings.plan or z0 != rings.z0:
            self.transitioning = plan.kind is PlanKind.COORDINATED
            rings.set_plan(plan, z0, t)
        self._update_inputs()

    def _update_inputs(self) -> None:
        inp = self._inp
        c = self.central
        pc = c.phase_control
        recall = no_gap = ped_recall = 0
        for pt in self.config.phases:
            b = 1 << (pt.phase - 1)
            if pt.min_recall or pt.max_recall:
                recall |= b
            if pt.max_recall:
                no_gap |= b
            if pt.ped_recall:
                ped_recall |= b
        faulty = self._det.fault_phases()
        recall |= faulty | self.rings.plan.coord_mask | pc[PhaseControl.VEH_CALL]
        if c.unit_control & UNIT_CONTROL_EXT_MIN_RECALL:
            recall |= self._enabled
        inp.recall = recall & self._enabled
        inp.no_gap = no_gap | faulty
        inp.ped_recall = ped_recall | pc[PhaseControl.PED_CALL]
        inp.omit = pc[PhaseControl.PHASE_OMIT]
        inp.ped_omit = pc[PhaseControl.PED_OMIT]
        inp.hold = pc[PhaseControl.HOLD]
        inp.force_off = pc[PhaseControl.FORCE_OFF]

    def _evaluate(self, t: int) -> None:
        c = self.central
        if t >= c.backup_expiry:
            c.expire()
            self._reselect(t)
        if 0 <= self._startup_until <= t:
            self._startup_until = -1
            self._reselect(t)
        rings = self.rings
        nxt = rings.evaluate(t)
        plan = rings.plan
        if plan.kind is PlanKind.COORDINATED:
            pos = (t - rings.z0) % plan.cycle_ticks
            if pos == 0:
                self._short_latch |= SHORT_LOCAL_CYCLE_ZERO
                if self.transitioning and rings.greens & plan.coord_mask == plan.coord_mask:
                    self.transitioning = False
            nxt = min(nxt, t + plan.cycle_ticks - pos)
        if rings.stopped is PlanKind.FLASH:
            nxt = min(nxt, t + 5 - t % 5)
        if self._startup_until >= 0:
            nxt = min(nxt, self._startup_until)
        nxt = min(nxt, c.backup_expiry)
        self._ctl_next = t + 1 if self._tick_by_tick else nxt
        self._refresh(t)

    def _refresh(self, t: int) -> None:
        r = self.rings
        enabled = self._enabled
        kind = r.stopped
        self.flash_active = kind is PlanKind.FLASH
        if kind is None:
            self.greens = g = r.greens
            self.yellows = y = r.yellows
            self.reds = enabled & ~(g | y)
            self.walks = r.walks
            self.ped_clears = r.pclrs
            self.dont_walks = r.ped_phases & ~(r.walks | r.pclrs)
            ons = 0
            for p in r.ring_phase:
                if p:
                    ons |= 1 << (p - 1)
            self.phase_ons = ons
            self.phase_nexts = r.nexts
        else:
            self.greens = self.walks = self.ped_clears = self.phase_ons = self.phase_nexts = 0
            if kind is PlanKind.FLASH:
                lit = (t // 5) % 2 == 0
                self.yellows = self._flash_yellow if lit else 0
                self.reds = enabled & ~self._flash_yellow if lit else 0
                self.dont_walks = 0
            elif kind is PlanKind.ALL_RED:
                self.yellows = 0
                self.reds = enabled
                self.dont_walks = r.ped_phases
            else:
                self.yellows = self.reds = self.dont_walks = 0
        key = tuple(r.ring_phase) if kind is None and r.red_until < 0 else ()
        if key != self._stage_key:
            self._stage_key = key
            self._stage_start = t

    def _apply(self) -> None:
        """Re-select the plan and re-evaluate at the current tick after a command."""
        t = self._tick
        self._reselect(t)
        self._evaluate(t)
