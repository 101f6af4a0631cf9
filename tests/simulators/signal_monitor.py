"""An independent conflict monitor for SignalEngine outputs (what an MMU checks in a cabinet).

It only looks at the public lamp bitmasks, tick by tick, and knows the intended rules from the
config: no conflicting greens, full yellow then red clear before a conflicting green, min green,
walk and ped clear only inside green and timed in full. Cuts (reboot, MMU flash) are the only
documented exceptions and must be announced with `cut()` at the tick they happen.
"""

from __future__ import annotations

from simulators.engine import ControllerConfig, SignalEngine
from simulators.engine.timing import to_ticks

NEG = -(10**12)


def bits(mask: int) -> list[int]:
    out = []
    p = 1
    while mask:
        if mask & 1:
            out.append(p)
        mask >>= 1
        p += 1
    return out


class SafetyViolation(AssertionError):
    pass


class SafetyMonitor:
    def __init__(self, config: ControllerConfig) -> None:
        seq = config.sequence(config.free_sequence)
        timing = config.phase_map()
        self.enabled = 0
        self.conflicts: dict[int, int] = {}
        for p in timing:
            self.enabled |= 1 << (p - 1)
        for p in timing:
            rp, gp, _ = seq.locate(p)
            m = 0
            for q in timing:
                rq, gq, _ = seq.locate(q)
                if q != p and (rq == rp or gq != gp):
                    m |= 1 << (q - 1)
            self.conflicts[p] = m
        self.y = {p: to_ticks(t.yellow_s) for p, t in timing.items()}
        self.r = {p: to_ticks(t.red_clear_s) for p, t in timing.items()}
        self.min = {p: to_ticks(t.min_green_s) for p, t in timing.items()}
        self.walk = {p: to_ticks(t.walk_s) for p, t in timing.items()}
        self.pclr = {p: to_ticks(t.ped_clear_s) for p, t in timing.items()}
        self.green_since = {p: NEG for p in timing}
        self.green_end = {p: NEG for p in timing}
        self.yellow_since = {p: NEG for p in timing}
        self.walk_since = {p: NEG for p in timing}
        self.pclr_since = {p: NEG for p in timing}
        self.prev = (0, 0, 0, 0)
        self.cut_tick = NEG
        self.greens_seen: dict[int, int] = {p: 0 for p in timing}
        self.green_durations: dict[int, list[int]] = {p: [] for p in timing}
        self.green_intervals: dict[int, list[tuple[int, int]]] = {p: [] for p in timing}
        self.ticks = 0

    def cut(self, tick: int) -> None:
        self.cut_tick = tick

    def fail(self, t: int, msg: str) -> None:
        raise SafetyViolation(f"tick {t} ({t / 10:.1f} s): {msg}")

    def observe(self, e: SignalEngine) -> None:
        t = e.tick
        self.ticks += 1
        g = e.greens
        y = 0 if e.flash_active else e.yellows
        w = e.walks
        pc = e.ped_clears
        if (g, y, w, pc) == self.prev:
            return
        if g & ~self.enabled:
            self.fail(t, f"green on a disabled phase: {bits(g)}")
        if e.flash_active and g:
            self.fail(t, "green during flash")
        for p in bits(g):
            if g & self.conflicts[p]:
                self.fail(t, f"conflicting greens {bits(g)}")
        if w & ~g or pc & ~g:
            self.fail(t, f"walk {bits(w)} / ped clear {bits(pc)} outside green {bits(g)}")
        if w & pc:
            self.fail(t, "walk and ped clear together")
        pg, py, pw, ppc = self.prev
        cut = t == self.cut_tick
        for p in bits(pg & ~g):
            dur = t - self.green_since[p]
            if not cut:
                if not y >> (p - 1) & 1:
                    self.fail(t, f"phase {p} left green without yellow")
                if dur < self.min[p]:
                    self.fail(t, f"phase {p} green {dur} ticks < min green {self.min[p]}")
            self.green_end[p] = t
            self.green_durations[p].append(dur)
            self.green_intervals[p].append((self.green_since[p], t))
        for p in bits(py & ~y):
            if not cut and t - self.yellow_since[p] != self.y[p] and not e.flash_active:
                self.fail(t, f"phase {p} yellow {t - self.yellow_since[p]} ticks != {self.y[p]}")
        for p in bits(y & ~py):
            self.yellow_since[p] = t
        for p in bits(g & ~pg):
            for q in bits(self.conflicts[p]):
                need = self.green_end[q] + self.y[q] + self.r[q]
                if t < need:
                    self.fail(t, f"phase {p} green {need - t} ticks before phase {q} cleared")
            self.green_since[p] = t
            self.greens_seen[p] += 1
        for p in bits(pw & ~w):
            if not cut:
                if t - self.walk_since[p] != self.walk[p]:
                    self.fail(t, f"phase {p} walk {t - self.walk_since[p]} != {self.walk[p]}")
                if not pc >> (p - 1) & 1:
                    self.fail(t, f"phase {p} walk not followed by ped clear")
        for p in bits(w & ~pw):
            self.walk_since[p] = t
        for p in bits(ppc & ~pc):
            if not cut and t - self.pclr_since[p] != self.pclr[p]:
                self.fail(t, f"phase {p} ped clear {t - self.pclr_since[p]} != {self.pclr[p]}")
        for p in bits(pc & ~ppc):
            self.pclr_since[p] = t
        self.prev = (g, y, w, pc)
