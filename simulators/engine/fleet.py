"""Ready-made controllers: the demo fleet and large varied fleets for benchmarks.

The demo fleet shows one controller in each interesting state (two coordinated corridors with
different cycles and offsets, one free-running actuated, one in flash, one with a failed
detector), so `junction demo` and the adapter tests exercise every status path without setup.
Every controller defines patterns 1-3, so central commands to 1, 2 and 3 work and 4+ are
unconfigured (they run Free with badPlan, pitfall 4).
"""

from __future__ import annotations

import dataclasses
import random

from simulators.engine.codes import PATTERN_FLASH, PATTERN_FREE, DetectorFault
from simulators.engine.config import ControllerConfig, SiteInfo, default_phases
from simulators.engine.timing import Pattern, PhaseTiming

__all__ = ["DEMO_ARRIVALS", "DEMO_PED_RATES", "demo_fleet", "fleet_of", "make_pattern"]

DEMO_ARRIVALS: dict[int, float] = {
    1: 0.05, 2: 0.25, 3: 0.03, 4: 0.10, 5: 0.05, 6: 0.25, 7: 0.03, 8: 0.10,
}  # fmt: skip
"""Vehicle arrivals per phase (veh/s): busy main street 2/6, light lefts and side street."""
DEMO_PED_RATES: dict[int, float] = {2: 0.02, 4: 0.02, 6: 0.02, 8: 0.02}


def make_pattern(
    number: int, cycle_s: int, offset_s: int, main_share: float = 0.55, lefts: int = 12
) -> Pattern:
    """A dual-ring pattern with coordinated 2/6 leading (sequence 2) for default_phases().

    main_share is the fraction of the cycle given to the main-street side of the barrier;
    lefts is the left-turn split (s). Splits are clamped to what default_phases() needs.
    """
    side_min = 9 + 25  # left (9) + ped through (25) on the side street
    main = min(max(round(cycle_s * main_share), 9 + 25), cycle_s - side_min)
    side = cycle_s - main
    left_a = min(max(lefts, 9), main - 25)
    left_b = min(max(lefts - 2, 9), side - 25)
    left_5 = min(max(left_a + 3, 9), main - 25)
    splits = {
        1: left_a, 2: main - left_a, 3: left_b, 4: side - left_b,
        5: left_5, 6: main - left_5, 7: left_b, 8: side - left_b,
    }  # fmt: skip
    return Pattern(number, cycle_s, offset_s, splits, coord_phases=(2, 6), sequence=2)


def _patterns(offset_shift: int) -> tuple[Pattern, ...]:
    return (
        make_pattern(1, 100, (0 + offset_shift) % 100, 0.50, 15),
        make_pattern(2, 120, (30 + offset_shift) % 120, 0.55, 20),
        make_pattern(3, 90, (10 + offset_shift) % 90, 0.50, 12),
    )


def _main_recall_phases() -> tuple[PhaseTiming, ...]:
    return tuple(
        dataclasses.replace(p, min_recall=True) if p.phase in (2, 6) else p
        for p in default_phases()
    )


def _site(n: int, name: str) -> SiteInfo:
    return SiteInfo(
        intersection_id=f"int-{n:04d}",
        intersection_name=name,
        latitude=round(44.9500 + 0.0040 * n, 6),
        longitude=round(-93.2650 + 0.0035 * n, 6),
        utc_offset_s=-6 * 3600,
    )


def _demo(
    n: int,
    ident: str,
    name: str,
    local_pattern: int,
    offset_shift: int,
    faults: dict[int, DetectorFault] | None = None,
) -> ControllerConfig:
    return ControllerConfig(
        id=ident,
        name=name,
        phases=_main_recall_phases(),
        patterns=_patterns(offset_shift),
        local_pattern=local_pattern,
        arrival_rates=DEMO_ARRIVALS,
        ped_rates=DEMO_PED_RATES,
        detector_faults=faults or {},
        site=_site(n, name),
    )


def demo_fleet() -> list[ControllerConfig]:
    """Five controllers, one per interesting state (see the module docstring)."""
    return [
        _demo(1, "ctl-main-1st", "Main St & 1st Ave", 1, 0),
        _demo(2, "ctl-main-2nd", "Main St & 2nd Ave", 2, 0),
        _demo(3, "ctl-oak-elm", "Oak St & Elm St", PATTERN_FREE, 17),
        _demo(4, "ctl-river-rd", "River Rd & Bridge St", PATTERN_FLASH, 40),
        _demo(5, "ctl-market-5th", "Market St & 5th Ave", 3, 5, {3: DetectorFault.STUCK_ON}),
    ]


def fleet_of(n: int, seed: int = 0) -> list[ControllerConfig]:
    """n varied controllers for benchmarks: cycles 80-140 s, random offsets and traffic;
    about 80 % coordinated, 15 % free, 5 % flash."""
    rng = random.Random(seed)
    phases = _main_recall_phases()
    out = []
    for i in range(n):
        cycles = rng.sample(range(80, 141, 10), 3)
        pats = tuple(
            make_pattern(k + 1, c, rng.randrange(c), rng.uniform(0.45, 0.65), rng.randint(10, 18))
            for k, c in enumerate(cycles)
        )
        roll = rng.random()
        local = rng.randint(1, 3) if roll < 0.80 else PATTERN_FREE if roll < 0.95 else PATTERN_FLASH
        scale = rng.uniform(0.5, 1.5)
        out.append(
            ControllerConfig(
                id=f"ctl-{i:05d}",
                name=f"Bench intersection {i}",
                phases=phases,
                patterns=pats,
                local_pattern=local,
                arrival_rates={ph: round(r * scale, 4) for ph, r in DEMO_ARRIVALS.items()},
                ped_rates=DEMO_PED_RATES,
                site=_site(1000 + i, f"Bench intersection {i}"),
            )
        )
    return out
