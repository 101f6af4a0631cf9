"""Builds the normalized state from one poll's values, reusing what did not change.

Between two polls one second apart the phase, detector and alarm bits of a controller are
usually the same; only clocks and timers move. Rebuilding ~30 validated models per poll was the
largest share of the gateway's CPU per poll, so unchanged parts are reused (the objects are
never mutated after construction) and the top-level state is assembled without re-validation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from adapters.ntcip import const as C
from adapters.ntcip import mapping
from adapters.ntcip.snmp import Values
from gateway.model import (
    Alarm,
    ControlState,
    CycleState,
    DetectorState,
    PhaseState,
    PreemptState,
    SignalControllerState,
    VehicleIndication,
)
from gateway.sdk.snmp import OID

__all__ = ["Layout", "StateBuilder"]


@dataclass(slots=True)
class Layout:
    """What open() learned about the controller."""

    phases: int = 8
    phase_groups: int = 1
    detectors: int = 0
    detector_groups: int = 0
    preempts: int = 0
    patterns: dict[int, tuple[int, int]] = field(default_factory=dict)  # n -> (cycle, offset)
    flash_colours: dict[int, VehicleIndication] = field(default_factory=dict)
    ped_phases: frozenset[int] | None = None  # phases with a ped head, if the channels say
    vendor_oid: OID | None = None
    extra: dict[str, OID] = field(default_factory=dict)


_Parts = tuple[ControlState, list[PhaseState], list[DetectorState], list[Alarm],
               list[PreemptState]]


class StateBuilder:
    __slots__ = ("layout", "_key", "_parts")

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self._key: tuple[object, ...] | None = None
        self._parts: _Parts | None = None

    def _mask(self, v: Values, base: OID, groups: int) -> int:
        if groups == 1:
            return (v.ints.get(base + (1,)) or 0) & 0xFF
        return mapping.merge_groups([v.ints.get(base + (g,)) or 0
                                     for g in range(1, groups + 1)])

    def build(self, v: Values, received: datetime, held: int | None,
              device_time: datetime | None = None) -> SignalControllerState:
        lay = self.layout
        ucs, ufs = v.int(C.UNIT_CONTROL_STATUS), v.int(C.UNIT_FLASH_STATUS)
        cps, lfs = v.int(C.COORD_PATTERN_STATUS), v.int(C.LOCAL_FREE_STATUS)
        spc = v.int(C.SYSTEM_PATTERN_CONTROL)
        masks = {name: self._mask(v, C.PHASE_STATUS + (col,), lay.phase_groups)
                 for name, col in C.PHASE_STATUS_COLUMNS.items()}
        det_active = self._mask(v, C.DETECTOR_ACTIVE, lay.detector_groups)
        det_alarms = self._mask(v, C.DETECTOR_ALARMS, lay.detector_groups)
        alarm_words = (v.int(C.SHORT_ALARM_STATUS), v.int(C.UNIT_ALARM_STATUS_1),
                       v.int(C.UNIT_ALARM_STATUS_2))
        preempts = tuple(v.int(C.PREEMPT_STATE + (n,)) for n in range(1, lay.preempts + 1))
        extras = tuple(v.int(o) for o in ([lay.vendor_oid] if lay.vendor_oid else []) +
                       list(lay.extra.values()))
        key = (ucs, ufs, cps, lfs, spc, held, tuple(masks.values()), det_active, det_alarms,
               alarm_words, preempts, extras)
        if key != self._key or self._parts is None:
            self._parts = self._parts_for(ucs, ufs, cps, lfs, spc, held, masks, det_active,
                                          det_alarms, alarm_words, preempts, extras)
            self._key = key
        control, phases, detectors, alarms, preemption = self._parts
        cycle = CycleState()
        if control.pattern is not None and control.pattern in lay.patterns:
            length, offset = lay.patterns[control.pattern]
            timer = v.int(C.COORD_CYCLE_STATUS)
            position = (length - timer) % length if timer is not None and length else None
            cycle = CycleState.model_construct(length_s=float(length), position_s=position,
                                               offset_s=float(offset))
        return SignalControllerState.model_construct(
            kind="signal_controller", device_time=device_time, received_at=received,
            clock_offset_s=None, control=control, cycle=cycle, phases=phases, stage=None,
            detectors=detectors, alarms=alarms, preemption=preemption)

    def _parts_for(self, ucs: int | None, ufs: int | None, cps: int | None, lfs: int | None,
                   spc: int | None, held: int | None, masks: dict[str, int], det_active: int,
                   det_alarms: int, alarm_words: tuple[int | None, int | None, int | None],
                   preempts: tuple[int | None, ...], extras: tuple[int | None, ...]) -> _Parts:
        lay = self.layout
        mode, source, pattern, reason = mapping.control_mode(ucs, ufs, cps, lfs)
        native: dict[str, int | str] = {
            k: value for k, value in (("unitControlStatus", ucs), ("unitFlashStatus", ufs),
                                      ("coordPatternStatus", cps), ("localFreeStatus", lfs),
                                      ("systemPatternControl", spc)) if value is not None}
        names = (["vendorPattern"] if lay.vendor_oid else []) + list(lay.extra)
        native.update({n: x for n, x in zip(names, extras, strict=True) if x is not None})
        control = ControlState(mode=mode, source=source, pattern=pattern, reason=reason,
                               central_hold=held is not None and ucs == 2 and spc == held,
                               native=native)
        flashing = mode.value == "flash"
        phases = mapping.phases(lay.phases, masks, flashing, lay.flash_colours, lay.ped_phases)
        detectors = mapping.detectors(lay.detectors, det_active, det_alarms)
        alarms = mapping.alarms(*alarm_words)
        preemption = [PreemptState(number=n, active=s >= 4,
                                   state=mapping.PREEMPT_STATES.get(s, "unknown"))
                      for n, s in enumerate(preempts, start=1) if s is not None]
        return control, phases, detectors, alarms, preemption
