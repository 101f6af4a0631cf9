"""Ring state and eligibility: demand, conflicting calls, coordination windows, force-offs.

Split from rings.py (the transitions) so each file stays readable: this is the data a ring
controller keeps per phase and per ring, and the pure questions asked of it ("does phase q have
demand?", "may it start now?", "when is it forced off?"). Times are 0.1 s ticks.
"""

from __future__ import annotations

from simulators.engine.config import ControllerConfig
from simulators.engine.plan import Plan, PlanKind
from simulators.engine.timing import RingSequence, to_ticks

__all__ = [
    "DW", "GREEN", "INF", "PCLR", "RED", "RED_CLEAR", "WALK", "YELLOW", "Inputs", "RingState",
    "SeqInfo",
]  # fmt: skip

INF = 1 << 62
RED, GREEN, YELLOW, RED_CLEAR = 0, 1, 2, 3
DW, WALK, PCLR = 1, 2, 3


class Inputs:
    """Demand and control inputs the engine feeds the rings (all phase bitmasks, bit0 = phase 1)."""

    __slots__ = (
        "force_off", "hold", "no_gap", "omit", "ped_calls", "ped_omit", "ped_recall",
        "presence_end", "recall", "veh_calls",
    )  # fmt: skip

    def __init__(self, max_phases: int) -> None:
        self.veh_calls = 0
        self.ped_calls = 0
        self.recall = 0
        self.ped_recall = 0
        self.no_gap = 0
        self.omit = 0
        self.ped_omit = 0
        self.hold = 0
        self.force_off = 0
        self.presence_end = [0] * (max_phases + 1)


class SeqInfo:
    __slots__ = ("group_of", "later", "lists", "ring_mask")

    def __init__(self, seq: RingSequence, enabled: set[int]) -> None:
        self.lists = [[tuple(p for p in grp if p in enabled) for grp in ring] for ring in seq.rings]
        self.later: list[list[tuple[int, ...]]] = []
        self.ring_mask: list[int] = []
        self.group_of: dict[int, int] = {}
        for ring in self.lists:
            rl: list[tuple[int, ...]] = []
            rm = 0
            for g, grp in enumerate(ring):
                masks = []
                for i in range(len(grp) + 1):
                    m = 0
                    for q in grp[i:]:
                        m |= 1 << (q - 1)
                    masks.append(m)
                rl.append(tuple(masks))
                rm |= masks[0]
                for q in grp:
                    self.group_of[q] = g
            self.later.append(rl)
            self.ring_mask.append(rm)


class RingState:
    """Ring/barrier state and the eligibility rules (who has demand, who may start).

    Per-phase lists are indexed by phase number (0 unused). Rings adds the transitions."""

    __slots__ = (
        "_enabled", "_seq_cache", "_si", "changes", "fo", "g_start", "gap_end", "greens", "group",
        "inp", "iv", "iv_end", "main_phases", "max_end", "max_t", "min_end", "min_t", "n_groups",
        "n_rings", "nexts", "pass_t", "pclr_t", "pclrs", "ped", "ped_end", "ped_phases",
        "ped_served", "plan", "red_t", "red_until", "redclrs", "ring_phase", "ring_pos",
        "run_kind", "startup_red", "stopped", "walk_t", "walks", "yel_t", "yellows", "z0",
    )  # fmt: skip

    def __init__(self, config: ControllerConfig, inputs: Inputs, plan: Plan) -> None:
        n = config.max_phases
        self.inp = inputs
        self._enabled = {t.phase for t in config.phases}
        self._seq_cache: dict[int, SeqInfo] = {}
        self.plan = plan
        self._si = self._seqinfo(plan.sequence)
        self.n_rings = len(plan.sequence.rings)
        self.n_groups = plan.sequence.n_groups
        self.z0 = 0
        self.main_phases = config.main_phases
        self.min_t = [0] * (n + 1)
        self.max_t = [0] * (n + 1)
        self.pass_t = [0] * (n + 1)
        self.yel_t = [0] * (n + 1)
        self.red_t = [0] * (n + 1)
        self.walk_t = [0] * (n + 1)
        self.pclr_t = [0] * (n + 1)
        self.ped_phases = 0
        self.load_timing(config)
        self.iv = [RED] * (n + 1)
        self.iv_end = [0] * (n + 1)
        self.g_start = [0] * (n + 1)
        self.min_end = [0] * (n + 1)
        self.max_end = [0] * (n + 1)
        self.gap_end = [0] * (n + 1)
        self.fo = [INF] * (n + 1)
        self.ped = [DW] * (n + 1)
        self.ped_end = [0] * (n + 1)
        self.ped_served = [False] * (n + 1)
        self.ring_phase = [0] * self.n_rings
        self.ring_pos = [-1] * self.n_rings
        self.group = 0
        self.greens = self.yellows = self.redclrs = self.walks = self.pclrs = self.nexts = 0
        self.changes = 0
        self.stopped: PlanKind | None = None
        self.red_until = -1
        self.run_kind = plan.kind if plan.is_running else PlanKind.FREE

    def load_timing(self, config: ControllerConfig) -> None:
        """(Re)load per-phase timing in ticks; takes effect at each phase's next interval."""
        clear = 0
        for t in config.phases:
            p = t.phase
            self.min_t[p] = to_ticks(t.min_green_s)
            self.max_t[p] = to_ticks(t.max_green_s)
            self.pass_t[p] = to_ticks(t.passage_s)
            self.yel_t[p] = to_ticks(t.yellow_s)
            self.red_t[p] = to_ticks(t.red_clear_s)
            self.walk_t[p] = to_ticks(t.walk_s)
            self.pclr_t[p] = to_ticks(t.ped_clear_s)
            if t.has_ped:
                self.ped_phases |= 1 << (p - 1)
            clear = max(clear, t.clearance_ticks)
        self.startup_red = max(to_ticks(config.startup_all_red_s), clear)

    def _seqinfo(self, seq: RingSequence) -> SeqInfo:
        si = self._seq_cache.get(seq.number)
        if si is None:
            si = self._seq_cache[seq.number] = SeqInfo(seq, self._enabled)
        return si

    # --- lifecycle -----------------------------------------------------------------------------
    def _all_red(self) -> None:
        for p in range(len(self.iv)):
            self.iv[p] = RED
            self.ped[p] = DW
            self.fo[p] = INF
        self.ring_phase = [0] * self.n_rings
        self.ring_pos = [-1] * self.n_rings
        self.greens = self.yellows = self.redclrs = self.walks = self.pclrs = self.nexts = 0
        self.changes += 1

    # --- demand and eligibility ----------------------------------------------------------------
    def demand(self) -> int:
        i = self.inp
        veh = i.veh_calls | i.recall
        ped = (i.ped_calls | i.ped_recall) & ~i.ped_omit & self.ped_phases
        return (veh | ped) & self.plan.served & ~i.omit

    def _conflicts(self, r: int, dem: int) -> int:
        """Demand that phase timing in ring r must yield to: later in its ring, or needing a
        barrier crossing (other groups, or phases already passed in this group)."""
        later = self._si.later
        g = self.group
        reach = 0
        for r2 in range(self.n_rings):
            reach |= later[r2][g][self.ring_pos[r2] + 1]
        return dem & ~self.greens & (later[r][g][self.ring_pos[r] + 1] | ~reach)

    def _startable(self, q: int, t: int) -> bool:
        plan = self.plan
        if plan.kind is not PlanKind.COORDINATED or plan.coord_mask >> (q - 1) & 1:
            return True
        pos = (t - self.z0) % plan.cycle_ticks
        return plan.earliest_pos[q] <= pos <= plan.latest_start_pos[q]

    def _force_off(self, q: int, t: int) -> int:
        plan = self.plan
        if plan.kind is not PlanKind.COORDINATED:
            return INF
        cyc = plan.cycle_ticks
        f = t - (t - self.z0) % cyc + plan.fo_pos[q]
        if plan.coord_mask >> (q - 1) & 1 and f < t:
            f += cyc
        return f

    def _next_in_ring(self, r: int, t: int, dem: int) -> int:
        lst = self._si.lists[r][self.group]
        for i in range(self.ring_pos[r] + 1, len(lst)):
            q = lst[i]
            if dem >> (q - 1) & 1 and self._startable(q, t):
                return i
        return -1
