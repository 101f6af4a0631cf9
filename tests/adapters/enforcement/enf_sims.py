"""Simulator set-ups shared by the enforcement tests, and the red-light cross-check."""

from __future__ import annotations

from collections.abc import Iterable

from simulators.enforcement.traffic import Crossing, Lane, phase_signal
from simulators.engine import ControllerConfig, SignalEngine, demo_fleet

CONTROLLER = demo_fleet()[0]  # Main St & 1st Ave: coordinated, 100 s cycle


def all_phase_lanes(rate: float, run_red_p: float = 1.0) -> tuple[Lane, ...]:
    """One lane per phase 1-8: every phase's red gets visited within one cycle."""
    return tuple(Lane(n, n, arrivals_per_s=rate, run_red_p=run_red_p) for n in range(1, 9))


def check_signals(controller: ControllerConfig, start_time: float, seed: int,
                  crossings: Iterable[Crossing]) -> int:
    """Replay an independent engine to each crossing's time: the recorded signal must be what
    the engine shows, and a violation exists only on red. Returns the number checked."""
    engine = SignalEngine(controller, start_time, seed=seed)
    checked = 0
    for c in sorted(crossings, key=lambda c: c.time):
        engine.advance(c.time)
        shown = phase_signal(engine, c.phase)
        assert shown == c.signal, (c, shown)
        assert c.is_violation == (shown == "red"), (c, shown)
        checked += 1
    return checked
