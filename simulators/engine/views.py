"""Per-phase, per-stage and per-ring views of a SignalEngine for faces that need them.

Modbus input registers 20-35 want each phase's remaining time, GB/T 20999 wants stages (number,
elapsed, remaining) and NTCIP v02 wants ringStatus. All are computed on read.

Stages: for each barrier group, every combination of one phase (or none) per ring is a stage,
numbered from 1 in ring-sequence order of the free sequence (for the standard 8 phases: 1=(1,5),
2=(1,6), 3=(1,), 4=(2,5), ... ). The current stage is the combination of phases the rings are
timing (green, yellow or red clear); 0 when no phase is timing (flash, all red, dark).
"""

from __future__ import annotations

from itertools import product

from simulators.engine.codes import Interval, PedIndication
from simulators.engine.config import ControllerConfig
from simulators.engine.engine_state import EngineState
from simulators.engine.plan import PlanKind
from simulators.engine.rings import DW, GREEN, INF, PCLR, RED_CLEAR, WALK, YELLOW

__all__ = ["PhaseViews", "build_stage_table"]

RING_MIN_GREEN, RING_EXTENSION, RING_MAXIMUM, RING_GREEN_REST = 0, 1, 2, 3
RING_YELLOW, RING_RED_CLEAR, RING_RED_REST = 4, 5, 6


def build_stage_table(config: ControllerConfig) -> tuple[tuple[int, ...], ...]:
    """All stages (phase tuples) in numbering order; stage n is element n-1."""
    seq = config.sequence(config.free_sequence)
    enabled = {t.phase for t in config.phases}
    out: list[tuple[int, ...]] = []
    for g in range(seq.n_groups):
        choices = [[p for p in ring[g] if p in enabled] + [0] for ring in seq.rings]
        for combo in product(*choices):
            phases = tuple(p for p in combo if p)
            if phases:
                out.append(phases)
    return tuple(out)


class PhaseViews(EngineState):
    """Phase interval, ped indication, stage and ring views of SignalEngine."""

    __slots__ = ()

    # --- per phase ------------------------------------------------------------------------------
    def _green_end(self, p: int) -> int:
        r = self.rings
        end = r.min_end[p]
        if r.ped[p] == WALK:
            end = max(end, r.ped_end[p] + r.pclr_t[p])
        elif r.ped[p] == PCLR:
            end = max(end, r.ped_end[p])
        if r.plan.kind is PlanKind.COORDINATED:
            if r.fo[p] < INF:
                end = max(end, r.fo[p])
        else:
            no_gap = self._inp.no_gap >> (p - 1) & 1
            end = max(end, r.max_end[p] if no_gap else min(r.max_end[p], r.gap_end[p]))
        return end

    def phase_interval(self, phase: int) -> tuple[Interval, float]:
        """(interval, seconds remaining). For green, the remaining time is until the earliest
        moment the phase may end (min green, ped clearance, gap or max, force-off)."""
        r = self.rings
        t = self._tick
        if r.stopped is PlanKind.FLASH:
            return Interval.FLASH, 0.0
        if r.stopped is PlanKind.DARK:
            return Interval.DARK, 0.0
        if r.stopped is not None:
            return Interval.RED, 0.0
        if r.red_until >= 0:
            return Interval.RED, (r.red_until - t) / 10.0
        iv = r.iv[phase]
        if iv == GREEN:
            return Interval.GREEN, max(0, self._green_end(phase) - t) / 10.0
        if iv == YELLOW or iv == RED_CLEAR:
            return Interval(iv), max(0, r.iv_end[phase] - t) / 10.0
        return Interval.RED, 0.0

    def ped_indication(self, phase: int) -> PedIndication:
        r = self.rings
        if not r.ped_phases >> (phase - 1) & 1 or r.stopped in (PlanKind.FLASH, PlanKind.DARK):
            return PedIndication.DARK
        if r.stopped is None and r.ped[phase] == WALK:
            return PedIndication.WALK
        if r.stopped is None and r.ped[phase] == PCLR:
            return PedIndication.PED_CLEAR
        return PedIndication.DONT_WALK

    # --- stages ---------------------------------------------------------------------------------
    @property
    def stage_table(self) -> tuple[tuple[int, ...], ...]:
        return build_stage_table(self.config)

    @property
    def current_stage(self) -> int:
        on = tuple(p for p in self._stage_key if p)
        if not on:
            return 0
        try:
            return self.stage_table.index(on) + 1
        except ValueError:
            return 0

    @property
    def stage_elapsed_s(self) -> float:
        return (self._tick - self._stage_start) / 10.0 if self.current_stage else 0.0

    @property
    def stage_remaining_s(self) -> float:
        """Seconds until the current stage's first phase finishes its clearance (estimate)."""
        r = self.rings
        t = self._tick
        best = -1
        for p in self._stage_key:
            if not p:
                continue
            iv = r.iv[p]
            if iv == GREEN:
                end = self._green_end(p) + r.yel_t[p] + r.red_t[p]
            elif iv == YELLOW:
                end = r.iv_end[p] + r.red_t[p]
            else:
                end = r.iv_end[p]
            if best < 0 or end < best:
                best = end
        return max(0, best - t) / 10.0 if best >= 0 else 0.0

    # --- rings ----------------------------------------------------------------------------------
    def ring_phase(self, ring: int) -> int:
        """Phase ring `ring` (1-based) is timing, 0 if none."""
        r = self.rings
        if r.stopped is not None or r.red_until >= 0:
            return 0
        return r.ring_phase[ring - 1]

    def ring_status(self, ring: int) -> int:
        """NTCIP v02 ringStatus coded status (bits 0-2 only): 0 min green, 1 extension,
        2 maximum, 3 green rest, 4 yellow, 5 red clear, 6 red rest."""
        r = self.rings
        p = self.ring_phase(ring)
        if not p:
            return RING_RED_REST
        iv = r.iv[p]
        if iv == YELLOW:
            return RING_YELLOW
        if iv == RED_CLEAR:
            return RING_RED_CLEAR
        t = self._tick
        if t < r.min_end[p] or r.ped[p] != DW:
            return RING_MIN_GREEN
        if r.plan.kind is PlanKind.FREE and t >= r.max_end[p]:
            return RING_MAXIMUM
        if not r._conflicts(ring - 1, r.demand()):
            return RING_GREEN_REST
        return RING_EXTENSION
