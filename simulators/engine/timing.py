"""Phase timing, ring sequences and coordination patterns, each checking itself.

A timing plan that a real controller would refuse (splits that do not add up to the cycle, a split
too short for its clearances, a coordinated phase that does not lead its barrier group) must fail
here, with a message naming the field, so a bad simulator profile is caught at load and never shows
up later as a "controller bug". Times are seconds; yellow, red clear and passage take tenths.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "DEFAULT_SEQUENCES",
    "SEQ_LAG_LEFTS",
    "SEQ_LEAD_LEFTS",
    "Pattern",
    "PhaseTiming",
    "RingSequence",
    "to_ticks",
    "validate_pattern",
]

TICKS_PER_S = 10


def to_ticks(seconds: float) -> int:
    """Seconds -> engine ticks (0.1 s)."""
    return round(seconds * TICKS_PER_S)


def _tenths(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise ValueError(f"{name}={value} out of range {low}..{high} s")
    if abs(value * 10 - round(value * 10)) > 1e-6:
        raise ValueError(f"{name}={value} must be a multiple of 0.1 s")


def _int_range(name: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name}={value!r} must be an integer in {low}..{high}")


@dataclass(frozen=True, slots=True)
class PhaseTiming:
    """One phase's timing (NTCIP phaseTable). walk_s = 0 means the phase has no ped head."""

    phase: int
    min_green_s: int = 5
    max_green_s: int = 30
    max2_s: int = 45
    passage_s: float = 3.0
    yellow_s: float = 4.0
    red_clear_s: float = 1.5
    walk_s: int = 0
    ped_clear_s: int = 0
    min_recall: bool = False
    max_recall: bool = False
    ped_recall: bool = False

    def __post_init__(self) -> None:
        p = f"phase {self.phase}"
        _int_range("phase", self.phase, 1, 16)
        _int_range(f"{p} min_green_s", self.min_green_s, 1, 255)
        _int_range(f"{p} max_green_s", self.max_green_s, self.min_green_s, 255)
        _int_range(f"{p} max2_s", self.max2_s, 0, 255)
        _tenths(f"{p} passage_s", self.passage_s, 0.0, 25.5)
        _tenths(f"{p} yellow_s", self.yellow_s, 3.0, 25.5)
        _tenths(f"{p} red_clear_s", self.red_clear_s, 0.0, 25.5)
        _int_range(f"{p} walk_s", self.walk_s, 0, 255)
        _int_range(f"{p} ped_clear_s", self.ped_clear_s, 0, 255)
        if (self.walk_s == 0) != (self.ped_clear_s == 0):
            raise ValueError(f"{p}: walk_s and ped_clear_s must both be 0 (no ped) or both > 0")
        if self.ped_recall and not self.walk_s:
            raise ValueError(f"{p}: ped_recall needs a ped phase (walk_s > 0)")

    @property
    def has_ped(self) -> bool:
        return self.walk_s > 0

    @property
    def clearance_ticks(self) -> int:
        """Yellow + red clear, in ticks."""
        return to_ticks(self.yellow_s) + to_ticks(self.red_clear_s)


Rings = tuple[tuple[tuple[int, ...], ...], ...]


@dataclass(frozen=True, slots=True)
class RingSequence:
    """Service order: rings[r][g] = the phases of ring r+1 in barrier group g, in order.

    Both rings cross a barrier together, so the groups are the barrier-separated sides.
    """

    number: int
    rings: Rings

    def __post_init__(self) -> None:
        _int_range("sequence number", self.number, 1, 255)
        if not self.rings:
            raise ValueError(f"sequence {self.number}: needs at least one ring")
        n_groups = len(self.rings[0])
        if n_groups == 0 or any(len(r) != n_groups for r in self.rings):
            raise ValueError(
                f"sequence {self.number}: every ring needs the same number (>0) of barrier groups"
            )
        seen: set[int] = set()
        for ring in self.rings:
            for group in ring:
                for ph in group:
                    if ph in seen:
                        raise ValueError(f"sequence {self.number}: phase {ph} listed twice")
                    _int_range(f"sequence {self.number} phase", ph, 1, 16)
                    seen.add(ph)

    @property
    def n_groups(self) -> int:
        return len(self.rings[0])

    def phases(self) -> frozenset[int]:
        return frozenset(ph for ring in self.rings for group in ring for ph in group)

    def locate(self, phase: int) -> tuple[int, int, int]:
        """(ring index, group index, position in the group) of a phase; KeyError if absent."""
        for r, ring in enumerate(self.rings):
            for g, group in enumerate(ring):
                if phase in group:
                    return r, g, group.index(phase)
        raise KeyError(phase)


SEQ_LEAD_LEFTS = RingSequence(1, (((1, 2), (3, 4)), ((5, 6), (7, 8))))
"""NEMA standard: ring 1 = 1,2 | 3,4; ring 2 = 5,6 | 7,8 (left turns lead)."""
SEQ_LAG_LEFTS = RingSequence(2, (((2, 1), (3, 4)), ((6, 5), (7, 8))))
"""Same rings and barriers, main-street lefts lag so coordinated phases 2 and 6 lead."""
DEFAULT_SEQUENCES = (SEQ_LEAD_LEFTS, SEQ_LAG_LEFTS)


@dataclass(frozen=True, slots=True)
class Pattern:
    """A coordination pattern (NTCIP patternTable + splitTable; split number = pattern number).

    splits[phase] = split seconds including yellow and red clear; a phase without a split is not
    served in this pattern. Local cycle zero is the start of the coordinated phases' green, at
    offset_s after the system reference; coordinated phases must lead their barrier group in the
    pattern's sequence. offset_s >= cycle_s is accepted: the controller then runs Free with
    localFreeStatus invalidOffset(10), as real controllers do.
    """

    number: int
    cycle_s: int
    offset_s: int
    splits: Mapping[int, int]
    coord_phases: tuple[int, ...] = (2, 6)
    sequence: int = 2

    def __post_init__(self) -> None:
        _int_range("pattern number", self.number, 1, 253)
        p = f"pattern {self.number}"
        _int_range(f"{p} cycle_s", self.cycle_s, 30, 255)
        _int_range(f"{p} offset_s", self.offset_s, 0, 255)
        _int_range(f"{p} sequence", self.sequence, 1, 255)
        object.__setattr__(self, "splits", dict(self.splits))
        for ph, s in self.splits.items():
            _int_range(f"{p} split for phase {ph}", s, 1, 255)
        if not self.coord_phases:
            raise ValueError(f"{p}: needs at least one coordinated phase")

    @property
    def offset_valid(self) -> bool:
        return self.offset_s < self.cycle_s


def validate_pattern(
    pattern: Pattern, phases: Mapping[int, PhaseTiming], sequence: RingSequence
) -> None:
    """Check a pattern against the phase timings and its ring sequence; ValueError if wrong."""
    p = f"pattern {pattern.number}"
    for ph, split in pattern.splits.items():
        if ph not in phases:
            raise ValueError(f"{p}: split for phase {ph}, which is not an enabled phase")
        t = phases[ph]
        need = to_ticks(t.min_green_s) + t.clearance_ticks
        if split * 10 < need:
            raise ValueError(
                f"{p}: split {split} s for phase {ph} is shorter than min green + yellow + "
                f"red clear ({need / 10:g} s)"
            )
        if t.has_ped:
            need_ped = to_ticks(t.walk_s + t.ped_clear_s) + t.clearance_ticks
            if split * 10 < need_ped:
                raise ValueError(
                    f"{p}: split {split} s for ped phase {ph} is shorter than walk + ped clear + "
                    f"yellow + red clear ({need_ped / 10:g} s)"
                )
    total = 0
    for g in range(sequence.n_groups):
        sums = [sum(pattern.splits.get(ph, 0) for ph in ring[g]) for ring in sequence.rings]
        length = max(sums)
        bad = [r + 1 for r, s in enumerate(sums) if s not in (0, length)]
        if bad:
            raise ValueError(
                f"{p}: splits of barrier group {g + 1} differ between rings ({sums}); each ring's "
                f"splits must sum to the same time on each side of the barrier"
            )
        total += length
    if total != pattern.cycle_s:
        raise ValueError(
            f"{p}: each ring's splits sum to {total} s, not the cycle {pattern.cycle_s} s"
        )
    rings_used: set[int] = set()
    groups_used: set[int] = set()
    for ph in pattern.coord_phases:
        if ph not in pattern.splits:
            raise ValueError(f"{p}: coordinated phase {ph} has no split")
        r, g, _ = sequence.locate(ph)
        if r in rings_used:
            raise ValueError(f"{p}: two coordinated phases in ring {r + 1}")
        rings_used.add(r)
        groups_used.add(g)
        served = [q for q in sequence.rings[r][g] if q in pattern.splits]
        if served[0] != ph:
            raise ValueError(
                f"{p}: coordinated phase {ph} must lead its barrier group in sequence "
                f"{sequence.number} (local cycle zero = start of coordinated green)"
            )
    if len(groups_used) != 1:
        raise ValueError(f"{p}: coordinated phases must be on the same side of the barrier")
