"""What the rings should run: a pattern number resolved into a precomputed plan.

Resolving is where NTCIP's fallbacks live (pitfall 4): an unconfigured pattern runs Free with
localFreeStatus badPlan(7), an offset >= cycle runs Free with invalidOffset(10). A coordinated plan
carries its cycle laid out once (force-off position and earliest start per phase, plus the cycle
positions where a phase's eligibility can change), so the ring logic never recomputes splits.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from enum import IntEnum

from simulators.engine.codes import PATTERN_FLASH, PATTERN_FREE, PATTERN_NONE, LocalFreeStatus
from simulators.engine.config import ControllerConfig
from simulators.engine.timing import Pattern, RingSequence, to_ticks

__all__ = ["STOP_KINDS", "Plan", "PlanBook", "PlanKind"]


class PlanKind(IntEnum):
    COORDINATED = 1
    FREE = 2
    FLASH = 3
    ALL_RED = 4
    DARK = 5


STOP_KINDS = frozenset({PlanKind.FLASH, PlanKind.ALL_RED, PlanKind.DARK})


@dataclass(frozen=True, slots=True, eq=False)
class Plan:
    """A resolved plan. Positions are ticks after local cycle zero; per-phase tuples are
    indexed by phase number (index 0 unused)."""

    kind: PlanKind
    pattern_status: int
    free_status: int
    sequence: RingSequence
    served: int  # bitmask of phases this plan serves
    pattern: Pattern | None = None
    cycle_ticks: int = 0
    offset_ticks: int = 0
    coord_mask: int = 0
    fo_pos: tuple[int, ...] = ()
    earliest_pos: tuple[int, ...] = ()
    latest_start_pos: tuple[int, ...] = ()
    decision_pos: tuple[int, ...] = ()

    @property
    def is_running(self) -> bool:
        return self.kind is PlanKind.COORDINATED or self.kind is PlanKind.FREE

    def next_decision(self, pos: int) -> int:
        """Ticks from cycle position `pos` to the next decision position (> 0)."""
        d = self.decision_pos
        i = bisect_right(d, pos)
        if i < len(d):
            return d[i] - pos
        return self.cycle_ticks - pos + d[0]


def _coordinated(config: ControllerConfig, pat: Pattern) -> Plan:
    seq = config.sequence(pat.sequence)
    timing = config.phase_map()
    n = config.max_phases
    cyc = pat.cycle_s * 10
    fo = [-1] * (n + 1)
    earliest = [0] * (n + 1)
    latest = [-1] * (n + 1)
    coord_group = seq.locate(pat.coord_phases[0])[1]
    group_start = 0
    for k in range(seq.n_groups):
        g = (coord_group + k) % seq.n_groups
        length = 0
        for ring in seq.rings:
            cursor = group_start
            for ph in ring[g]:
                split = pat.splits.get(ph)
                if split is None:
                    continue
                cursor += split * 10
                fo[ph] = cursor - timing[ph].clearance_ticks
            length = max(length, cursor - group_start)
        group_start += length
    coord_mask = 0
    for ph in pat.coord_phases:
        coord_mask |= 1 << (ph - 1)
    yield_pos = min(fo[ph] for ph in pat.coord_phases)
    served = 0
    positions = {0}
    for ph in pat.splits:
        served |= 1 << (ph - 1)
        if ph in pat.coord_phases:
            continue
        earliest[ph] = yield_pos
        latest[ph] = fo[ph] - to_ticks(timing[ph].min_green_s)
        for shift in {0} | {timing[c].clearance_ticks for c in pat.coord_phases}:
            positions.add((earliest[ph] - shift) % cyc)
            positions.add((latest[ph] + 1 - shift) % cyc)
            positions.add((cyc - shift) % cyc)
    return Plan(
        kind=PlanKind.COORDINATED,
        pattern_status=pat.number,
        free_status=LocalFreeStatus.NOT_FREE,
        sequence=seq,
        served=served,
        pattern=pat,
        cycle_ticks=cyc,
        offset_ticks=pat.offset_s * 10,
        coord_mask=coord_mask,
        fo_pos=tuple(fo),
        earliest_pos=tuple(earliest),
        latest_start_pos=tuple(latest),
        decision_pos=tuple(sorted(positions)),
    )


class PlanBook:
    """Plans for one config, built on first use and reused (a config never changes in place)."""

    __slots__ = ("_config", "_enabled", "_plans")

    def __init__(self, config: ControllerConfig) -> None:
        self._config = config
        self._plans: dict[tuple[int, int], Plan] = {}
        self._enabled = 0
        for t in config.phases:
            self._enabled |= 1 << (t.phase - 1)

    def special(self, kind: PlanKind) -> Plan:
        """A non-pattern plan (flash / all red / dark / free) for overrides."""
        key = (0, int(kind))
        plan = self._plans.get(key)
        if plan is None:
            status = {
                PlanKind.FLASH: PATTERN_FLASH,
                PlanKind.FREE: PATTERN_FREE,
            }.get(kind, PATTERN_NONE)
            free = (
                LocalFreeStatus.COMMAND_FREE if kind is PlanKind.FREE else LocalFreeStatus.NOT_FREE
            )
            plan = Plan(
                kind, status, free, self._config.sequence(self._config.free_sequence), self._enabled
            )
            self._plans[key] = plan
        return plan

    def for_pattern(self, number: int) -> Plan:
        """Resolve a requested pattern number 1..255 as an NTCIP controller would."""
        if number == PATTERN_FLASH:
            return self.special(PlanKind.FLASH)
        if number == PATTERN_FREE:
            return self.special(PlanKind.FREE)
        key = (1, number)
        plan = self._plans.get(key)
        if plan is None:
            pat = self._config.pattern(number)
            seq = self._config.sequence(self._config.free_sequence)
            if pat is None:
                plan = Plan(
                    PlanKind.FREE, PATTERN_FREE, LocalFreeStatus.BAD_PLAN, seq, self._enabled
                )
            elif not pat.offset_valid:
                plan = Plan(
                    PlanKind.FREE, PATTERN_FREE, LocalFreeStatus.INVALID_OFFSET, seq, self._enabled
                )
            else:
                plan = _coordinated(self._config, pat)
            self._plans[key] = plan
        return plan
