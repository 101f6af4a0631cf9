"""The violation generator: vehicles crossing stop lines, judged against the signal engine.

Why it is built on the shared `SignalEngine`: a red-light camera that records "violations"
while its phase is green would teach the gateway (and its tests) nothing. Each lane is mapped
to a controller phase; vehicles arrive per lane as a Poisson process; at the moment a vehicle
reaches the stop line the engine is advanced to that moment and the lane's phase is read:
- steady red (including all-red): the driver either stops (no crossing, nothing recorded) or,
  with probability `run_red_p`, runs it: a red-light violation (GA code 1625) carrying the
  signal state at that instant;
- green, yellow, flashing, dark: the vehicle crosses legally: a plate read.
So a violation exists ONLY while the engine shows red for the lane's phase, by construction.
Arrivals of all lanes are merged in time order (the engine never goes back in time).
"""

from __future__ import annotations

import heapq
import random
import uuid
from dataclasses import dataclass

from simulators.engine import SignalEngine

__all__ = ["Lane", "Crossing", "ViolationGenerator", "phase_signal", "RED_LIGHT_CODE"]

RED_LIGHT_CODE = "1625"
_NS = uuid.UUID("6f1c8e2a-4b1d-4c3e-9a57-1f0e2d3c4b5a")
_PROVINCES = "京沪苏浙粤鲁川鄂湘皖闽"
_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O on CN plates
_DIGITS = "0123456789"
# (plate colour, GA plate type, vehicle type word, GA vehicle type, weight)
_VEHICLES = (("blue", "02", "car", "K33", 70), ("blue", "02", "SUVMPV", "K31", 12),
             ("yellow", "01", "truck", "H11", 8), ("green", "52", "car", "K33", 10))


@dataclass(frozen=True, slots=True)
class Lane:
    number: int  # lane number as the camera counts it (CDH), 1-based
    phase: int  # controller phase whose vehicle signal governs the lane
    direction: str = "approach"
    arrivals_per_s: float = 0.2
    run_red_p: float = 0.3  # of vehicles meeting a red, the share that runs it


@dataclass(frozen=True, slots=True)
class Crossing:
    """One vehicle over the stop line: a violation or a plate read, with the evidence facts."""

    seq: int
    uuid: str
    time: float  # epoch seconds, UTC
    lane: int
    phase: int
    direction: str
    signal: str  # red | yellow | green | flashing_red | flashing_yellow | dark
    plate: str  # without colour prefix
    plate_color: str
    plate_type: str
    vehicle_type: str
    vehicle_gat: str
    speed_kmh: int
    speed_limit_kmh: int
    violation_code: str | None  # "1625" for a red-light run; None for a plate read

    @property
    def is_violation(self) -> bool:
        return self.violation_code is not None


def phase_signal(engine: SignalEngine, phase: int) -> str:
    """The vehicle signal a driver on `phase` sees at the engine's current tick."""
    bit = 1 << (phase - 1)
    if engine.flash_active:
        return "flashing_yellow" if phase in engine.config.flash_yellow_phases else "flashing_red"
    if engine.greens & bit:
        return "green"
    if engine.yellows & bit:
        return "yellow"
    if engine.reds & bit:
        return "red"
    return "dark"


class ViolationGenerator:
    """Generates crossings up to a wall-clock time; deterministic for a given seed."""

    __slots__ = ("engine", "lanes", "device_key", "speed_limit_kmh", "_rng", "_heap", "_seq",
                 "_boot", "stopped_at_red")

    def __init__(self, engine: SignalEngine, lanes: tuple[Lane, ...], *, device_key: str,
                 start_time: float, seed: int = 0, speed_limit_kmh: int = 50) -> None:
        if not lanes:
            raise ValueError("a camera watches at least one lane")
        enabled = {p.phase for p in engine.config.phases}
        for lane in lanes:
            if lane.phase not in enabled:
                raise ValueError(f"lane {lane.number}: phase {lane.phase} is not enabled on "
                                 f"{engine.config.id}")
        self.engine = engine
        self.lanes = lanes
        self.device_key = device_key
        self.speed_limit_kmh = speed_limit_kmh
        self._rng = random.Random(seed)
        self._heap: list[tuple[float, int]] = []
        self._seq = 0
        self._boot = f"{start_time:.3f}"  # a restarted camera never reuses an event UUID
        self.stopped_at_red = 0
        for i, lane in enumerate(lanes):
            if lane.arrivals_per_s > 0:
                heapq.heappush(self._heap, (round(start_time + self._gap(lane), 3), i))

    def _gap(self, lane: Lane) -> float:
        return self._rng.expovariate(lane.arrivals_per_s)

    def step(self, now: float) -> list[Crossing]:
        """Every crossing with a time <= `now`, oldest first."""
        out: list[Crossing] = []
        heap = self._heap
        while heap and heap[0][0] <= now:
            at, i = heapq.heappop(heap)
            lane = self.lanes[i]
            heapq.heappush(heap, (round(at + self._gap(lane), 3), i))
            self.engine.advance(at)
            signal = phase_signal(self.engine, lane.phase)
            runs = self._rng.random() < lane.run_red_p
            if signal == "red" and not runs:
                self.stopped_at_red += 1
                continue
            out.append(self._crossing(at, lane, signal))
        self.engine.advance(now)
        return out

    def _crossing(self, at: float, lane: Lane, signal: str) -> Crossing:
        rng = self._rng
        self._seq += 1
        colour, ptype, vtype, vgat, _ = rng.choices(_VEHICLES, [v[4] for v in _VEHICLES])[0]
        tail = 6 if colour == "green" else 5  # new-energy plates are one character longer
        body = "".join(rng.choice(_LETTERS + _DIGITS) for _ in range(tail))
        plate = rng.choice(_PROVINCES) + rng.choice(_LETTERS) + body
        violation = RED_LIGHT_CODE if signal == "red" else None
        speed = int(rng.gauss(self.speed_limit_kmh * 0.8, 8))
        return Crossing(
            seq=self._seq, uuid=str(uuid.uuid5(_NS, f"{self.device_key}:{self._boot}:{self._seq}")),
            time=at, lane=lane.number, phase=lane.phase, direction=lane.direction,
            signal=signal, plate=plate, plate_color=colour, plate_type=ptype,
            vehicle_type=vtype, vehicle_gat=vgat, speed_kmh=max(5, speed),
            speed_limit_kmh=self.speed_limit_kmh, violation_code=violation)
