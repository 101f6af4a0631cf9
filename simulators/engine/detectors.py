"""Seeded vehicle and pedestrian arrivals, and detector faults.

Arrivals are a Poisson process per detector (the phase's rate split over its detectors) and per
ped pushbutton; each vehicle occupies its loop for 0.3-0.7 s. Only the next event per detector is
kept (a small heap), so an idle engine costs nothing per tick and a seed fully determines the
traffic. A faulty detector (stuck on, or open / no activity) raises its alarm bit at once and its
phase goes to max recall, the fail-safe real controllers use; the engine reads `fault_phases`.
"""

from __future__ import annotations

import heapq
import random

from simulators.engine.codes import DetectorFault
from simulators.engine.config import ControllerConfig

__all__ = ["OFF", "ON", "PED", "DetectorBank"]

ON = 0
OFF = 1
PED = 2


class DetectorBank:
    """Detector presence, alarms, counters and the arrival event heap."""

    __slots__ = (
        "_gen", "_heap", "_ped_rate", "_rate", "_rng", "active", "alarms", "count", "faults",
        "occupied_ticks", "ped_presses", "phase_of", "volume",
    )  # fmt: skip

    def __init__(self, config: ControllerConfig, rng: random.Random, tick: int) -> None:
        self.count = len(config.detectors)
        self.phase_of = [0] + [d.call_phase for d in config.detectors]
        per_phase: dict[int, int] = {}
        for dc in config.detectors:
            per_phase[dc.call_phase] = per_phase.get(dc.call_phase, 0) + 1
        self._rate = [0.0] + [
            config.arrival_rates.get(dc.call_phase, 0.0) / per_phase[dc.call_phase]
            for dc in config.detectors
        ]
        self._ped_rate = dict(config.ped_rates)
        self.faults = [DetectorFault.NONE] * (self.count + 1)
        self.active = 0
        self.alarms = 0
        self.volume = [0] * (self.count + 1)
        self.occupied_ticks = [0] * (self.count + 1)
        self.ped_presses: dict[int, int] = {ph: 0 for ph in self._ped_rate}
        self._heap: list[tuple[int, int, int, int]] = []
        self._gen = [0] * (self.count + 1)
        self._rng = rng
        for num, fault in sorted(config.detector_faults.items()):
            self._apply_fault(num, DetectorFault(fault))
        self.reschedule(tick)

    # --- scheduling ------------------------------------------------------------------------
    def _gap(self, rate: float) -> int:
        return max(1, int(self._rng.expovariate(rate) * 10.0))

    def reschedule(self, tick: int) -> None:
        """Forget pending events and draw fresh ones from `tick` (start, resync)."""
        self._heap.clear()
        self.active &= self.stuck_mask()
        for d in range(1, self.count + 1):
            self._gen[d] += 1
            if self.faults[d] is DetectorFault.NONE and self._rate[d] > 0.0:
                heapq.heappush(self._heap, (tick + self._gap(self._rate[d]), ON, d, self._gen[d]))
        for ph in sorted(self._ped_rate):
            if self._ped_rate[ph] > 0.0:
                heapq.heappush(self._heap, (tick + self._gap(self._ped_rate[ph]), PED, ph, 0))

    @property
    def next_tick(self) -> int:
        return self._heap[0][0] if self._heap else 1 << 62

    def pop(self, tick: int) -> tuple[int, int, int] | None:
        """Pop and account one event due at or before `tick`.

        Returns (kind, number, off_tick): ON -> (ON, detector, tick the vehicle leaves);
        OFF -> (OFF, detector, 0); PED -> (PED, phase, 0). None when nothing is due.
        """
        heap = self._heap
        while heap and heap[0][0] <= tick:
            at, kind, num, gen = heapq.heappop(heap)
            if kind == PED:
                self.ped_presses[num] += 1
                heapq.heappush(heap, (at + self._gap(self._ped_rate[num]), PED, num, 0))
                return PED, num, 0
            if gen != self._gen[num]:
                continue  # stale: the detector's fault state changed since this was drawn
            bit = 1 << (num - 1)
            if kind == ON:
                occ = 3 + self._rng.randrange(5)
                self.active |= bit
                self.volume[num] += 1
                self.occupied_ticks[num] += occ
                heapq.heappush(heap, (at + occ, OFF, num, gen))
                return ON, num, at + occ
            self.active &= ~bit
            heapq.heappush(heap, (at + self._gap(self._rate[num]), ON, num, gen))
            return OFF, num, 0
        return None

    # --- faults ----------------------------------------------------------------------------
    def _apply_fault(self, det: int, fault: DetectorFault) -> None:
        bit = 1 << (det - 1)
        self.faults[det] = fault
        self._gen[det] += 1
        if fault is DetectorFault.NONE:
            self.alarms &= ~bit
            self.active &= ~bit
        else:
            self.alarms |= bit
            if fault is DetectorFault.STUCK_ON:
                self.active |= bit
            else:
                self.active &= ~bit

    def set_fault(self, det: int, fault: DetectorFault, tick: int) -> None:
        if not 1 <= det <= self.count:
            raise ValueError(f"detector {det} does not exist (1..{self.count})")
        self._apply_fault(det, DetectorFault(fault))
        if fault is DetectorFault.NONE and self._rate[det] > 0.0:
            heapq.heappush(self._heap, (tick + self._gap(self._rate[det]), ON, det, self._gen[det]))

    def stuck_mask(self) -> int:
        m = 0
        for d in range(1, self.count + 1):
            if self.faults[d] is DetectorFault.STUCK_ON:
                m |= 1 << (d - 1)
        return m

    def fault_phases(self) -> int:
        """Bitmask of phases with at least one failed detector (they go to max recall)."""
        m = 0
        for d in range(1, self.count + 1):
            if self.faults[d] is not DetectorFault.NONE:
                m |= 1 << (self.phase_of[d] - 1)
        return m
