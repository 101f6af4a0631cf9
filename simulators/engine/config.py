"""One simulated controller's static description: phases, patterns, detectors, identity.

Kept apart from the engine (which only runs it) so the fleet, the faces and tests can build and
compare configs without starting anything. Every cross-reference (a detector calling a disabled
phase, a pattern naming a missing sequence) is checked in __post_init__ and raises ValueError.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simulators.engine.codes import PATTERN_FLASH, PATTERN_FREE, DetectorFault, UnitFlashStatus
from simulators.engine.timing import (
    DEFAULT_SEQUENCES,
    Pattern,
    PhaseTiming,
    RingSequence,
    validate_pattern,
)

__all__ = [
    "DEFAULT_MODULES",
    "ControllerConfig",
    "DetectorConfig",
    "ModuleInfo",
    "SiteInfo",
    "default_phases",
]


@dataclass(frozen=True, slots=True)
class DetectorConfig:
    """A vehicle detector (loop) placing calls and extensions on one phase."""

    number: int
    call_phase: int


@dataclass(frozen=True, slots=True)
class SiteInfo:
    intersection_id: str = ""
    intersection_name: str = ""
    latitude: float = 0.0
    longitude: float = 0.0
    utc_offset_s: int = 0


@dataclass(frozen=True, slots=True)
class ModuleInfo:
    """NTCIP 1201 module table row. kind: 2 hardware, 3 software (moduleType)."""

    make: str
    model: str
    version: str
    kind: int = 2


DEFAULT_MODULES = (
    ModuleInfo("Junction Simulated ASC", "JS-1202", "1.0.0", 2),
    ModuleInfo("Junction Simulated ASC", "JS-1202-FW", "1.0.0", 3),
)


def default_phases(ped_phases: tuple[int, ...] = (2, 4, 6, 8)) -> tuple[PhaseTiming, ...]:
    """Eight typical NEMA phases: lefts 1/3/5/7 short, throughs 2/4/6/8 with peds."""
    out = []
    for ph in range(1, 9):
        through = ph % 2 == 0
        out.append(
            PhaseTiming(
                phase=ph,
                min_green_s=8 if through else 4,
                max_green_s=40 if through else 20,
                max2_s=50 if through else 25,
                passage_s=3.0 if through else 2.0,
                yellow_s=4.0 if through else 3.5,
                red_clear_s=1.5 if through else 1.0,
                walk_s=7 if ph in ped_phases else 0,
                ped_clear_s=12 if ph in ped_phases else 0,
            )
        )
    return tuple(out)


@dataclass(frozen=True, slots=True)
class ControllerConfig:
    """Everything static about one controller.

    detectors = () means "two per enabled phase": detectors 2k-1 and 2k call phase k.
    local_pattern is the time-of-day plan used when no central system holds control
    (1-253 pattern, 254 free, 255 flash). commanded_flash_status is the unitFlashStatus shown for
    a flash selected by a pattern (central 255 or local 255).
    """

    id: str
    name: str
    phases: tuple[PhaseTiming, ...] = dataclasses.field(default_factory=default_phases)
    sequences: tuple[RingSequence, ...] = DEFAULT_SEQUENCES
    patterns: tuple[Pattern, ...] = ()
    free_sequence: int = 1
    local_pattern: int = PATTERN_FREE
    max_phases: int = 8
    detectors: tuple[DetectorConfig, ...] = ()
    arrival_rates: Mapping[int, float] = dataclasses.field(default_factory=dict)
    ped_rates: Mapping[int, float] = dataclasses.field(default_factory=dict)
    detector_faults: Mapping[int, DetectorFault] = dataclasses.field(default_factory=dict)
    flash_yellow_phases: tuple[int, ...] = (2, 6)
    main_phases: tuple[int, ...] = (2, 6)
    startup_flash_s: int = 10
    startup_all_red_s: float = 4.0
    commanded_flash_status: UnitFlashStatus = UnitFlashStatus.AUTOMATIC
    unit_backup_time_s: int = 0
    clock_offset_s: float = 0.0
    site: SiteInfo = SiteInfo()
    modules: tuple[ModuleInfo, ...] = DEFAULT_MODULES

    def __post_init__(self) -> None:
        c = f"controller {self.id!r}"
        if not 1 <= self.max_phases <= 16:
            raise ValueError(f"{c}: max_phases={self.max_phases} must be 1..16")
        by_num = {t.phase: t for t in self.phases}
        if len(by_num) != len(self.phases):
            raise ValueError(f"{c}: a phase number is listed twice")
        if not by_num:
            raise ValueError(f"{c}: needs at least one enabled phase")
        if max(by_num) > self.max_phases:
            raise ValueError(f"{c}: phase {max(by_num)} exceeds max_phases={self.max_phases}")
        seqs = {s.number: s for s in self.sequences}
        if len(seqs) != len(self.sequences):
            raise ValueError(f"{c}: a sequence number is listed twice")
        if self.free_sequence not in seqs:
            raise ValueError(f"{c}: free_sequence {self.free_sequence} is not defined")
        ref = seqs[self.free_sequence]
        for s in self.sequences:
            if len(s.rings) != len(ref.rings) or s.n_groups != ref.n_groups:
                raise ValueError(
                    f"{c}: sequence {s.number} has a different number of rings or barrier groups"
                )
        for s in self.sequences:
            missing = set(by_num) - s.phases()
            if missing:
                raise ValueError(f"{c}: sequence {s.number} omits enabled phases {sorted(missing)}")
            for ph in by_num:
                if s.locate(ph)[:2] != ref.locate(ph)[:2]:
                    raise ValueError(
                        f"{c}: phase {ph} changes ring or barrier group in sequence {s.number}"
                    )
        pats = {p.number: p for p in self.patterns}
        if len(pats) != len(self.patterns):
            raise ValueError(f"{c}: a pattern number is listed twice")
        for p in self.patterns:
            if p.sequence not in seqs:
                raise ValueError(f"{c}: pattern {p.number} uses undefined sequence {p.sequence}")
            validate_pattern(p, by_num, seqs[p.sequence])
        if not (1 <= self.local_pattern <= PATTERN_FLASH):
            raise ValueError(f"{c}: local_pattern={self.local_pattern} must be 1..255")
        if not self.detectors:
            dets: list[DetectorConfig] = []
            for ph in sorted(by_num):
                dets.append(DetectorConfig(len(dets) + 1, ph))
                dets.append(DetectorConfig(len(dets) + 1, ph))
            object.__setattr__(self, "detectors", tuple(dets))
        if [d.number for d in self.detectors] != list(range(1, len(self.detectors) + 1)):
            raise ValueError(f"{c}: detectors must be numbered 1..N in order")
        if len(self.detectors) > 64:
            raise ValueError(f"{c}: at most 64 detectors")
        for d in self.detectors:
            if d.call_phase not in by_num:
                raise ValueError(f"{c}: detector {d.number} calls disabled phase {d.call_phase}")
        for ph, rate in self.arrival_rates.items():
            if ph not in by_num or not 0.0 <= rate <= 2.0:
                raise ValueError(f"{c}: arrival rate {rate} veh/s for phase {ph} is invalid")
        for ph, rate in self.ped_rates.items():
            if ph not in by_num or not by_num[ph].has_ped or not 0.0 <= rate <= 1.0:
                raise ValueError(f"{c}: ped rate {rate}/s for phase {ph} is invalid")
        for d_num, fault in self.detector_faults.items():
            if not 1 <= d_num <= len(self.detectors):
                raise ValueError(f"{c}: detector fault on unknown detector {d_num}")
            DetectorFault(fault)
        for name in ("flash_yellow_phases", "main_phases"):
            bad = [ph for ph in getattr(self, name) if ph not in by_num]
            if bad:
                raise ValueError(f"{c}: {name} lists disabled phases {bad}")
        rings = [ref.locate(ph) for ph in self.main_phases]
        if (
            not rings
            or len({g for _, g, _ in rings}) != 1
            or len({r for r, _, _ in rings}) != len(rings)
        ):
            raise ValueError(
                f"{c}: main_phases must be one phase per ring, on the same side of the barrier"
            )
        if not 0 <= self.startup_flash_s <= 255:
            raise ValueError(f"{c}: startup_flash_s must be 0..255")
        if not 0.0 <= self.startup_all_red_s <= 25.5:
            raise ValueError(f"{c}: startup_all_red_s must be 0..25.5")
        if not 0 <= self.unit_backup_time_s <= 65535:
            raise ValueError(f"{c}: unit_backup_time_s must be 0..65535")

    # --- lookups --------------------------------------------------------------------------
    def phase_map(self) -> dict[int, PhaseTiming]:
        return {t.phase: t for t in self.phases}

    def sequence(self, number: int) -> RingSequence:
        for s in self.sequences:
            if s.number == number:
                return s
        raise KeyError(number)

    def pattern(self, number: int) -> Pattern | None:
        for p in self.patterns:
            if p.number == number:
                return p
        return None

    # --- database edits (each returns a new, re-validated config) -------------------------
    def with_phase_timing(self, phase: int, **changes: Any) -> ControllerConfig:
        """Copy with one phase's timing changed; ValueError if the result is invalid."""
        by_num = self.phase_map()
        if phase not in by_num:
            raise ValueError(f"phase {phase} is not enabled")
        by_num[phase] = dataclasses.replace(by_num[phase], **changes)
        return dataclasses.replace(self, phases=tuple(by_num[p] for p in sorted(by_num)))

    def with_pattern(self, number: int, **changes: Any) -> ControllerConfig:
        """Copy with one pattern changed; ValueError if unknown or invalid."""
        pat = self.pattern(number)
        if pat is None:
            raise ValueError(f"pattern {number} is not configured")
        new = dataclasses.replace(pat, **changes)
        pats = tuple(new if p.number == number else p for p in self.patterns)
        return dataclasses.replace(self, patterns=pats)

    def with_startup_flash(self, seconds: int) -> ControllerConfig:
        return dataclasses.replace(self, startup_flash_s=seconds)
