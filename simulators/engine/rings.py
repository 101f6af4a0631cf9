"""The dual-ring (N-ring) phase sequencer: who is green, and when it must stop.

Safety comes from structure, not from checks: each ring times one phase at a time through
green -> yellow -> red clear, a ring only moves forward through its list for the current barrier
group, and the group changes only when every ring is idle. So conflicting greens (same ring, or
across the barrier) cannot be produced, and clearances are always timed in full.

Timing is event driven on a 0.1 s tick grid: `evaluate(t)` brings the state to a fixed point at
tick t and returns the next tick at which anything can change without new input (interval ends,
min green, gap, max, force-off, ped intervals, coordination decision points). Evaluating at any
extra tick changes nothing, which the tests check against a tick-by-tick run.

Simplifications (documented for the faces): the max timer runs from the start of green; calls
are locking; a ped phase gets one walk per green; in coordination the force-offs are fixed,
non-coordinated phases may gap out, coordinated phases dwell until their force-off and then yield
only to a call that can still be served, and a pattern change takes effect at once (a green phase
of the old pattern is forced off as soon as its min green and ped clearance allow).
"""

from __future__ import annotations

from simulators.engine.plan import STOP_KINDS, Plan, PlanKind
from simulators.engine.ringstate import (
    DW,
    GREEN,
    INF,
    PCLR,
    RED,
    RED_CLEAR,
    WALK,
    YELLOW,
    Inputs,
    RingState,
)

__all__ = ["DW", "GREEN", "INF", "PCLR", "RED", "RED_CLEAR", "WALK", "YELLOW", "Inputs", "Rings"]


class Rings(RingState):
    """The ring sequencer: lifecycle, interval transitions and the clock."""

    __slots__ = ()

    def cut(self, kind: PlanKind) -> None:
        """Lamps cut straight to a stop state (power-up, MMU): no clearance is timed."""
        self._all_red()
        self.stopped = kind
        self.red_until = -1

    def restart(self, t: int) -> None:
        """All red now, then the startup all-red interval, then the entry phases."""
        self._all_red()
        self.stopped = None
        self.red_until = t + self.startup_red

    def set_plan(self, plan: Plan, z0: int, t: int) -> None:
        """Switch plan and/or cycle reference at tick t (takes effect immediately)."""
        old_seq = self.plan.sequence
        self.plan = plan
        self.z0 = z0
        if plan.is_running:
            self.run_kind = plan.kind
        if plan.sequence is not old_seq:
            self._si = si = self._seqinfo(plan.sequence)
            for r in range(self.n_rings):
                lst = si.lists[r][self.group]
                p = self.ring_phase[r]
                self.ring_pos[r] = lst.index(p) if p else len(lst) - 1
        coord = plan.kind is PlanKind.COORDINATED
        for r in range(self.n_rings):
            p = self.ring_phase[r]
            if p and self.iv[p] == GREEN:
                if not coord:
                    self.fo[p] = INF
                elif plan.coord_mask >> (p - 1) & 1:
                    self.fo[p] = self._force_off(p, t)
                else:
                    self.fo[p] = t
        self.changes += 1

    # --- transitions ---------------------------------------------------------------------------
    def _start_green(self, r: int, i: int, t: int, stopping: bool = False) -> None:
        q = self._si.lists[r][self.group][i]
        b = 1 << (q - 1)
        self.ring_phase[r] = q
        self.ring_pos[r] = i
        self.iv[q] = GREEN
        self.g_start[q] = t
        self.min_end[q] = t + self.min_t[q]
        self.max_end[q] = t + self.max_t[q]
        pe = self.inp.presence_end[q]
        self.gap_end[q] = pe + self.pass_t[q] if pe > t else t
        self.fo[q] = self._force_off(q, t)
        self.ped_served[q] = False
        self.inp.veh_calls &= ~b
        self.greens |= b
        self.nexts &= ~self._si.ring_mask[r]
        self.changes += 1
        self._time_ped(r, q, t, stopping)

    def _time_ped(self, r: int, p: int, t: int, stopping: bool) -> None:
        b = 1 << (p - 1)
        ps = self.ped[p]
        if ps == WALK and t >= self.ped_end[p]:
            ps = self.ped[p] = PCLR
            self.ped_end[p] += self.pclr_t[p]
            self.walks &= ~b
            self.pclrs |= b
            self.changes += 1
        if ps == PCLR and t >= self.ped_end[p]:
            ps = self.ped[p] = DW
            self.pclrs &= ~b
            self.changes += 1
        if ps != DW or self.ped_served[p] or stopping or not self.ped_phases & b:
            return
        inp = self.inp
        if not (inp.ped_calls | inp.ped_recall) & ~inp.ped_omit & b:
            return
        need = self.walk_t[p] + self.pclr_t[p]
        if self.plan.kind is PlanKind.COORDINATED:
            fits = t + need <= self.fo[p]
        else:
            fits = (
                t == self.g_start[p]
                or t + need <= self.max_end[p]
                or not self._conflicts(r, self.demand())
            )
        if fits:
            self.ped[p] = WALK
            self.ped_end[p] = t + self.walk_t[p]
            self.ped_served[p] = True
            self.walks |= b
            inp.ped_calls &= ~b
            self.changes += 1

    def _should_end(self, r: int, p: int, t: int, stopping: bool) -> bool:
        if t < self.min_end[p] or self.ped[p] != DW:
            return False
        if stopping:
            return True
        b = 1 << (p - 1)
        inp = self.inp
        if inp.hold & b:
            return False
        plan = self.plan
        if not plan.served & b or inp.omit & b:
            return True
        if plan.kind is PlanKind.COORDINATED:
            if plan.coord_mask & b:
                return t >= self.fo[p] and self._yield_ok(r, p, t)
            if t >= self.fo[p]:
                return True
        conflicts = self._conflicts(r, self.demand())
        if not conflicts:
            return False
        if inp.force_off & b:
            return True
        if plan.kind is PlanKind.FREE and t >= self.max_end[p]:
            return True
        return not inp.no_gap & b and t >= self.gap_end[p]

    def _yield_ok(self, r: int, p: int, t: int) -> bool:
        """A coordinated phase past its force-off yields only to a call that still fits."""
        c = self._conflicts(r, self.demand()) & ~self.plan.coord_mask
        at = t + self.yel_t[p] + self.red_t[p]
        q = 1
        while c:
            if c & 1 and self._startable(q, at):
                return True
            c >>= 1
            q += 1
        return False

    def _end_green(self, r: int, p: int, t: int) -> None:
        b = 1 << (p - 1)
        self.iv[p] = YELLOW
        self.iv_end[p] = t + self.yel_t[p]
        self.greens &= ~b
        self.yellows |= b
        self.changes += 1
        dem = self.demand() & ~b
        rings = self._si.lists[r]
        g = self.group
        tail = rings[g][self.ring_pos[r] + 1 :]
        for k in range(self.n_groups):
            grp = tail if k == 0 else rings[(g + k) % self.n_groups]
            for q in grp:
                if dem >> (q - 1) & 1:
                    self.nexts |= 1 << (q - 1)
                    return

    def _step_ring(self, r: int, t: int, stopping: bool) -> None:
        p = self.ring_phase[r]
        if p == 0:
            if not stopping:
                i = self._next_in_ring(r, t, self.demand())
                if i >= 0:
                    self._start_green(r, i, t)
            return
        iv = self.iv[p]
        if iv == GREEN:
            self._time_ped(r, p, t, stopping)
            if self._should_end(r, p, t, stopping):
                self._end_green(r, p, t)
            return
        b = 1 << (p - 1)
        if iv == YELLOW:
            if t < self.iv_end[p]:
                return
            self.iv[p] = RED_CLEAR
            self.iv_end[p] += self.red_t[p]
            self.yellows &= ~b
            self.redclrs |= b
            self.changes += 1
        if t < self.iv_end[p]:
            return
        self.iv[p] = RED
        self.redclrs &= ~b
        self.ring_phase[r] = 0
        self.changes += 1
        if not stopping:
            i = self._next_in_ring(r, t, self.demand())
            if i >= 0:
                self._start_green(r, i, t)

    def _cross(self, t: int) -> None:
        """All rings idle: cross into the next barrier group that has an eligible call."""
        dem = self.demand()
        lists = self._si.lists
        for k in range(1, self.n_groups + 1):
            h = (self.group + k) % self.n_groups
            self.group = h
            self.ring_pos = [-1] * self.n_rings
            starts = [self._next_in_ring(r, t, dem) for r in range(self.n_rings)]
            if any(i >= 0 for i in starts):
                for r, i in enumerate(starts):
                    if i >= 0:
                        self._start_green(r, i, t)
                return
            self.ring_pos = [len(lists[r][h]) - 1 for r in range(self.n_rings)]

    def _enter(self, t: int) -> None:
        """Leave the startup all-red: start the entry (coordinated or main) phases.

        In coordination, if the coordinated phases' force-off in this cycle has already passed,
        the other side of the barrier is served first when its windows allow, so the controller
        falls into step with its cycle instead of holding the coordinated phases for a cycle.
        """
        plan = self.plan
        entry = plan.pattern.coord_phases if plan.pattern is not None else self.main_phases
        si = self._si
        self.group = si.group_of[entry[0]]
        if plan.pattern is not None:
            pos = (t - self.z0) % plan.cycle_ticks
            if pos > min(plan.fo_pos[p] for p in entry):
                self.ring_pos = [len(si.lists[r][self.group]) - 1 for r in range(self.n_rings)]
                self._cross(t)
                self.changes += 1
                return
        self.ring_pos = [-1] * self.n_rings
        dem = self.demand()
        for r in range(self.n_rings):
            lst = si.lists[r][self.group]
            first = [i for i, q in enumerate(lst) if q in entry]
            if first:
                self._start_green(r, first[0], t)
            else:
                i = self._next_in_ring(r, t, dem)
                if i >= 0:
                    self._start_green(r, i, t)
        self.changes += 1

    # --- the clock -----------------------------------------------------------------------------
    def evaluate(self, t: int) -> int:
        """Bring the state to a fixed point at tick t; return the next tick to look again."""
        plan = self.plan
        if self.stopped is not None:
            if plan.kind in STOP_KINDS:
                self.stopped = plan.kind
                return INF
            self.stopped = None
            self.red_until = t + self.startup_red
            self.changes += 1
        if self.red_until >= 0:
            if plan.kind in STOP_KINDS:
                self.red_until = -1
                self.stopped = plan.kind
                self.changes += 1
                return INF
            if t < self.red_until:
                return self.red_until
            self.red_until = -1
            self._enter(t)
        stopping = plan.kind in STOP_KINDS
        for _ in range(32):
            before = self.changes
            for r in range(self.n_rings):
                self._step_ring(r, t, stopping)
            if not any(self.ring_phase):
                if stopping:
                    self.stopped = plan.kind
                    self.changes += 1
                    return INF
                self._cross(t)
            if self.changes == before:
                break
        return self._next_wake(t)

    def _next_wake(self, t: int) -> int:
        w = INF
        for p in self.ring_phase:
            if not p:
                continue
            if self.iv[p] != GREEN:
                w = min(w, self.iv_end[p])
                continue
            if self.ped[p] != DW:
                w = min(w, self.ped_end[p])
            for x in (self.min_end[p], self.gap_end[p], self.max_end[p], self.fo[p]):
                if t < x < w:
                    w = x
        plan = self.plan
        if plan.kind is PlanKind.COORDINATED:
            w = min(w, t + plan.next_decision((t - self.z0) % plan.cycle_ticks))
        return w
