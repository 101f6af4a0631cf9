"""The GB/T 20999-2017 object face of a SignalEngine: what a query reads, what a set does.

Layout of the simulated controller [I, a typical Chinese configuration]: one motor-vehicle light
group per enabled phase (light group n = n-th enabled phase), then one pedestrian light group
per phase with a ped head; phase n drives its vehicle and pedestrian groups (4.2.2). Stages are
the engine's stage table (one phase or none per ring in a barrier group).

Commands: 17.3 assign plan and 17.4 run mode 0x22 (free) become the engine's central pattern
control, armed with the engine's backup timer set to the link timeout: GB/T 20999 has no backup
timer object, so the fail-safe equivalent here is "a controller that hears nothing from its
center for link_timeout_s returns to local control" [I]. 17.4 special modes and 18.1 command
pipe values become engine overrides (flash, all red, dark); 18.1 = 0 cancels everything.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime

from simulators.engine.codes import PATTERN_FREE, OperatingMode, Override
from simulators.engine.signal import SignalEngine
from simulators.engine.views import build_stage_table

__all__ = ["Gbt20999Face", "ReadResult", "BAD_VALUE", "READ_ONLY", "NOT_FOUND",
           "CONTROL_FAILED", "WRONG_LENGTH"]

BAD_VALUE, WRONG_LENGTH, READ_ONLY, NOT_FOUND, CONTROL_FAILED = 0x10, 0x11, 0x20, 0x30, 0x50
ReadResult = list[tuple[int, bytes]] | int  # (element, data) pairs, or an error status

_Getter = Callable[[int], bytes]
_RUN_MODE_OVERRIDE = {0x31: Override.FLASH, 0x32: Override.ALL_RED, 0x33: Override.DARK}
_PIPE_OVERRIDE = {1: Override.FLASH, 2: Override.ALL_RED, 4: Override.DARK}


def _u(value: int, size: int = 1) -> bytes:
    return max(0, min(value, (1 << 8 * size) - 1)).to_bytes(size, "big")


def _text(value: str, size: int) -> bytes:
    return value.encode()[:size].ljust(size, b"\x00")


def _clock(epoch_s: float) -> bytes:
    t = datetime.fromtimestamp(epoch_s, UTC)
    return t.year.to_bytes(2, "big") + bytes((t.month, t.day, t.hour, t.minute, t.second))


class Gbt20999Face:
    """Reads and writes GB/T 20999 objects on one engine (call engine.advance first)."""

    def __init__(self, engine: SignalEngine, *, controller_id: int | None = None,
                 link_timeout_s: float = 60.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.clock = clock
        self.link_timeout_s = link_timeout_s
        cfg = engine.config
        self.controller_id = controller_id if controller_id is not None else \
            zlib.crc32(cfg.id.encode()) & 0xFFFFFFFF
        self.phases = sorted(p.phase for p in cfg.phases)
        ped = [p.phase for p in sorted(cfg.phases, key=lambda t: t.phase) if p.has_ped]
        self.vehicle_lg = {p: i + 1 for i, p in enumerate(self.phases)}
        self.ped_lg = {p: len(self.phases) + i + 1 for i, p in enumerate(ped)}
        self.lg_types = [1] * len(self.phases) + [3] * len(ped)
        self.stages = build_stage_table(cfg)
        seq = cfg.sequence(cfg.free_sequence)
        self.rings = len(seq.rings)
        self.alarm_log: list[tuple[int, int]] = []  # injected (type, value)
        self.fault_log: list[tuple[int, int]] = []  # injected or remembered (type, action)
        self.door_open = False
        self.assigned_run_mode = 0
        self.pipe = 0
        self.center_override = False
        self._in_frame = False
        self._stage_memo: int | None = None
        self._lamps_memo: bytes | None = None
        self._attrs = self._build()

    def begin_frame(self) -> None:
        """Answer one query from one instant: lamps and stage are computed once per frame."""
        self._in_frame, self._stage_memo, self._lamps_memo = True, None, None

    def end_frame(self) -> None:
        self._in_frame, self._stage_memo, self._lamps_memo = False, None, None

    # -- derived status ----------------------------------------------------------------------

    def run_mode(self) -> int:
        e = self.engine
        override = e.override
        if override is Override.DARK:
            return 0x33
        if override is Override.ALL_RED:
            return 0x32
        if e.flash_active or override is Override.FLASH:
            return 0x31
        spc = e.central.system_pattern_control
        if 1 <= spc <= 253:
            return 0x13  # center coordination
        if spc == PATTERN_FREE:
            return 0x22  # the center asked for local actuated
        status = e.coord_pattern_status
        return 0x23 if 1 <= status <= 253 else 0x22 if status == PATTERN_FREE else 0x31

    def current_plan(self) -> int:
        status = self.engine.coord_pattern_status
        return status if 1 <= status <= 253 else 0

    def current_stage(self) -> int:
        if self._stage_memo is not None:
            return self._stage_memo
        on = tuple(p for p in (self.engine.ring_phase(r) for r in range(1, self.rings + 1)) if p)
        stage = self.stages.index(on) + 1 if on in self.stages else 0
        if self._in_frame:
            self._stage_memo = stage
        return stage

    def lamp_codes(self) -> bytes:
        if self._lamps_memo is not None:
            return self._lamps_memo
        codes = self._lamp_codes()
        if self._in_frame:
            self._lamps_memo = codes
        return codes

    def _lamp_codes(self) -> bytes:
        e = self.engine
        out = bytearray()
        dark = e.mode is OperatingMode.DARK
        for p in self.phases:
            bit = 1 << (p - 1)
            if dark:
                out.append(0x01)
            elif e.flash_active:
                out.append(0x31 if p in e.config.flash_yellow_phases else 0x11)
            else:
                out.append(0x20 if e.greens & bit else 0x30 if e.yellows & bit else
                           0x10 if e.reds & bit else 0x01)
        for p in self.ped_lg:
            bit = 1 << (p - 1)
            out.append(0x20 if e.walks & bit else 0x21 if e.ped_clears & bit else
                       0x10 if e.dont_walks & bit else 0x01)
        return bytes(out)

    def alarms(self) -> list[tuple[int, int]]:
        det = [(0x30, n) for n in range(1, self.engine.detector_count + 1)
               if self.engine.detector_alarms >> (n - 1) & 1]
        return det + self.alarm_log

    def faults(self) -> list[tuple[int, int]]:
        e = self.engine
        out = [(0x41, 0x00)] if e.detector_alarms else []
        if e.unit_flash_status == 6:  # conflict monitor (MMU) flash
            out.append((0x10, 0x10))
        return out + self.fault_log

    # -- object table ------------------------------------------------------------------------

    def _build(self) -> dict[tuple[int, int, int], tuple[Callable[[], list[int]], _Getter]]:
        e, cfg = self.engine, self.engine.config
        one: Callable[[], list[int]] = lambda: [0]  # noqa: E731 - scalar objects
        lgs = lambda: list(range(1, len(self.lg_types) + 1))  # noqa: E731
        phases = lambda: self.phases  # noqa: E731
        stages = lambda: list(range(1, len(self.stages) + 1))  # noqa: E731
        dets = lambda: list(range(1, e.detector_count + 1))  # noqa: E731
        plans = lambda: [p.number for p in cfg.patterns]  # noqa: E731
        inter = lambda: [1]  # noqa: E731
        alarms = lambda: list(range(1, len(self.alarms()) + 1))  # noqa: E731
        faults = lambda: list(range(1, len(self.faults()) + 1))  # noqa: E731
        module = cfg.modules[0]

        def phase_map(p: int) -> bytes:
            mask = 1 << (self.vehicle_lg[p] - 1)
            if p in self.ped_lg:
                mask |= 1 << (self.ped_lg[p] - 1)
            return mask.to_bytes(8, "big")

        def stage_state(s: int) -> bytes:
            return b"\x20" if s == self.current_stage() else b"\x10"

        def stage_time(remaining: bool) -> _Getter:
            def get(s: int) -> bytes:
                if s != self.current_stage():
                    return _u(0, 4)
                if remaining:
                    return _u(round(e.stage_remaining_s), 4)
                return _u(round((e.tick - e.stage_started_tick) / 10), 4)
            return get

        def plan(n: int) -> tuple[int, int]:
            pat = cfg.pattern(n)
            return (pat.cycle_s, pat.offset_s) if pat else (0, 0)

        return {
            (1, 1, 0): (one, lambda _: _text(f"{module.make} (GB/T 20999 face)", 128)),
            (1, 2, 0): (one, lambda _: b"\x01\x00\x01\x02"),  # hardware 1.00, software 1.02
            (1, 3, 0): (one, lambda _: _text(cfg.id, 16)),
            (1, 4, 0): (one, lambda _: _clock(e.boot_time)),
            (2, 5, 0): (one, lambda _: _u(self.controller_id, 4)),
            (2, 6, 0): (one, lambda _: b"\x01"),
            (3, 1, 0): (one, lambda _: _u(len(self.lg_types))),
            (3, 2, 1): (lgs, _u),
            (3, 2, 2): (lgs, lambda n: _u(self.lg_types[n - 1])),
            (3, 3, 1): (lgs, lambda n: self.lamp_codes()[n - 1:n]),
            (4, 1, 0): (one, lambda _: _u(len(self.phases))),
            (4, 2, 1): (phases, _u),
            (4, 2, 2): (phases, phase_map),
            (5, 1, 0): (one, lambda _: _u(e.detector_count)),
            (5, 2, 1): (dets, _u),
            (5, 2, 2): (dets, lambda _: b"\x01"),  # loop
            (5, 3, 2): (dets, lambda n: _u(e.detector_active >> (n - 1) & 1)),
            (6, 1, 0): (one, lambda _: _u(len(self.stages))),
            (6, 2, 1): (stages, _u),
            (6, 2, 2): (stages, lambda s: sum(1 << (p - 1) for p in self.stages[s - 1])
                        .to_bytes(8, "big")),
            (6, 3, 1): (stages, _u),
            (6, 3, 2): (stages, stage_state),
            (6, 3, 3): (stages, stage_time(False)),
            (6, 3, 4): (stages, stage_time(True)),
            (9, 1, 0): (one, lambda _: _u(len(cfg.patterns))),
            (9, 2, 1): (plans, _u),
            (9, 2, 2): (plans, lambda _: b"\x01"),
            (9, 2, 3): (plans, lambda n: _u(plan(n)[0], 4)),
            (9, 2, 5): (plans, lambda n: _u(plan(n)[1], 2)),
            (13, 1, 1): (one, lambda _: e.detector_alarms.to_bytes(8, "big")),
            (13, 1, 3): (one, lambda _: _u(int(self.door_open))),
            (13, 1, 4): (one, lambda _: _u(221, 2)),
            (13, 1, 6): (one, lambda _: _u(31)),
            (13, 1, 10): (one, lambda _: _clock(e.device_time_s)),
            (13, 1, 11): (one, lambda _: _clock(e.device_time_s + cfg.site.utc_offset_s)),
            (13, 2, 1): (inter, _u),
            (13, 2, 2): (inter, lambda _: _u(self.run_mode())),
            (13, 2, 3): (inter, lambda _: _u(self.current_plan())),
            (13, 2, 4): (inter, lambda _: _u(self.current_stage())),
            (14, 1, 0): (one, lambda _: e.detector_active.to_bytes(8, "big")),
            (15, 1, 0): (one, lambda _: _u(len(self.alarms()), 4)),
            (15, 2, 1): (alarms, lambda n: _u(n, 4)),
            (15, 2, 2): (alarms, lambda n: _u(self.alarms()[n - 1][0])),
            (15, 2, 3): (alarms, lambda n: _u(self.alarms()[n - 1][1])),
            (16, 1, 0): (one, lambda _: _u(len(self.faults()), 4)),
            (16, 2, 1): (faults, lambda n: _u(n, 4)),
            (16, 2, 2): (faults, lambda n: _u(self.faults()[n - 1][0])),
            (16, 2, 4): (faults, lambda n: _u(self.faults()[n - 1][1])),
            (17, 1, 1): (inter, _u),
            (17, 3, 0): (one, lambda _: _u(e.central.system_pattern_control
                                           if e.central.system_pattern_control <= 253 else 0)),
            (17, 4, 0): (one, lambda _: _u(self.assigned_run_mode)),
            (18, 1, 0): (one, lambda _: _u(self.pipe)),
        }

    def read(self, cls: int, obj: int, attr: int, elem: int) -> ReadResult:
        entry = self._attrs.get((cls, obj, attr))
        if entry is None:
            return NOT_FOUND
        elements, get = entry
        numbers = elements()
        if numbers == [0]:  # a scalar: element 0 (or 1, for one intersection)
            return [(0, get(0))] if elem in (0, 1) else NOT_FOUND
        if elem == 0:
            return [(n, get(n)) for n in numbers]
        return [(elem, get(elem))] if elem in numbers else NOT_FOUND

    # -- writes ------------------------------------------------------------------------------

    def write(self, cls: int, obj: int, attr: int, elem: int, data: bytes) -> int:
        """Apply a set; 0 or an error status (0x10 bad value, 0x20 read-only ...)."""
        key = (cls, obj, attr)
        if key not in ((17, 3, 0), (17, 4, 0), (18, 1, 0), (17, 2, 0)):
            return READ_ONLY if key in self._attrs else NOT_FOUND
        if not data:
            return WRONG_LENGTH
        value = data[-1] if key != (18, 1, 0) else data[0]
        e = self.engine
        if key == (17, 2, 0):
            return CONTROL_FAILED  # stage lock is not simulated
        if key == (17, 3, 0):
            if value and e.config.pattern(value) is None:
                return BAD_VALUE
            self._central(value)
            return 0
        if key == (17, 4, 0):
            if value in _RUN_MODE_OVERRIDE:
                self._override(_RUN_MODE_OVERRIDE[value])
            elif value == 0x22:
                self._central(PATTERN_FREE)
            elif value in (0x20, 0x21, 0x23):
                self._cancel()
            elif 0x10 <= value <= 0x15:
                if not 1 <= e.central.system_pattern_control <= 253:
                    return CONTROL_FAILED  # a center mode needs an assigned plan
            else:
                return BAD_VALUE
            self.assigned_run_mode = value
            return 0
        self.pipe = value
        if value == 0:
            self._cancel()
        elif value in _PIPE_OVERRIDE:
            self._override(_PIPE_OVERRIDE[value])
        elif value == 3:
            if e.override is Override.DARK:
                self._override(None)
        elif value == 5:
            e.reboot(self.clock())
            self.center_override = False
        else:
            return BAD_VALUE
        return 0

    def _central(self, pattern: int) -> None:
        e = self.engine
        self._clear_link_faults()
        if e.override is not None and self.center_override:
            self._override(None)
        if pattern:
            e.set_unit_backup_time(max(1, round(self.link_timeout_s)))
        e.set_system_pattern_control(pattern)

    def _clear_link_faults(self) -> None:
        self.fault_log = [f for f in self.fault_log if f[0] != 0x30]

    def _override(self, mode: Override | None) -> None:
        if mode is not None:
            self._clear_link_faults()
        self.engine.set_override(mode)
        self.center_override = mode is not None

    def _cancel(self) -> None:
        self._override(None)
        self.engine.set_system_pattern_control(0)
        self.assigned_run_mode = 0

    def link_alive(self) -> None:
        """A frame from the center arrived: re-arm the link timeout while it holds control."""
        if self.engine.central.holds_control():
            self.engine.set_unit_backup_time(max(1, round(self.link_timeout_s)))

    def link_lost(self) -> None:
        """No frame for link_timeout_s: drop overrides the center set; log a comm fault."""
        if self.center_override:
            self._override(None)
            self.assigned_run_mode = 0
        self.fault_log.append((0x30, 0x50))  # communication fault -> local coordination
