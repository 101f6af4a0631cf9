"""The attributes SignalEngine's parts share, declared once for the type checker.

SignalEngine is assembled from mixins (commands, status, views) so that each file has one job;
they all read the same slots, which SignalEngine defines. This base class only names them.
"""

from __future__ import annotations

from simulators.engine.central import CentralControl
from simulators.engine.codes import Override
from simulators.engine.config import ControllerConfig
from simulators.engine.detectors import DetectorBank
from simulators.engine.plan import PlanBook
from simulators.engine.rings import Inputs, Rings

__all__ = ["EngineState"]


class EngineState:
    """The shared slots (declared here so every mixin may assign them); see SignalEngine."""

    __slots__ = (
        "_book", "_ctl_next", "_det", "_enabled", "_inp", "_mmu", "_override",
        "_short_latch", "_stage_key", "_stage_start", "_startup_until", "_sync_ref_dev", "_tick",
        "boot_tick", "central", "clock_offset_s", "config", "config_version",
        "daylight_saving", "detector_count", "dont_walks", "flash_active", "greens",
        "local_time_differential_s", "max_phases", "ped_clears", "phase_nexts", "phase_ons",
        "reboots", "reds", "rings", "seed", "transitioning", "walks", "yellows",
    )  # fmt: skip

    config: ControllerConfig
    seed: int
    central: CentralControl
    rings: Rings
    boot_tick: int
    max_phases: int
    detector_count: int
    config_version: int
    clock_offset_s: float
    daylight_saving: int
    local_time_differential_s: int
    transitioning: bool
    reboots: int
    greens: int
    yellows: int
    reds: int
    walks: int
    ped_clears: int
    dont_walks: int
    phase_ons: int
    phase_nexts: int
    flash_active: bool
    _tick: int
    _ctl_next: int
    _book: PlanBook
    _inp: Inputs
    _det: DetectorBank
    _override: Override | None
    _mmu: bool
    _startup_until: int
    _sync_ref_dev: int
    _short_latch: int
    _enabled: int
    _stage_key: tuple[int, ...]
    _stage_start: int

    def advance(self, now: float) -> None:
        raise NotImplementedError

    def _apply(self) -> None:
        """Re-select the plan and re-evaluate at the current tick (after a command)."""
        raise NotImplementedError
