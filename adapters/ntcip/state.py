"""Builds the normalized state from one poll's values, reusing what did not change.

Between two polls one second apart the phase, detector and alarm bits of a controller are
usually the same; only clocks and timers move. Rebuilding ~30 validated models per poll was the
largest share of the gateway's CPU per poll, so unchanged parts are reused (the objects are
never mutated after construction) and the top-level state is assembled without re-validation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from adapters.ntcip import const as C
from adapters.ntcip import mapping
from adapters.ntcip.snmp import Values
from gateway.model import (
    ControlMode,
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


class StateBuilder:
    """One controller's state from one poll's values. Each part (control, phases, detectors,
    preemption) is rebuilt only when its own raw values changed: detectors flicker with
    traffic every poll, phases change every few seconds, control almost never."""

    __slots__ = ("layout", "_phase_oids", "_detector_oids", "_control_oids", "_preempt_oids",
                 "_control", "_phases", "_detectors", "_preemption")

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        extras = ([layout.vendor_oid] if layout.vendor_oid else []) + list(layout.extra.values())
        self._phase_oids, self._detector_oids, self._control_oids, self._preempt_oids = \
            _part_oids(layout.phase_groups, layout.detector_groups, layout.preempts,
                       tuple(extras))
        # (raw values the part was built from, the part); parts are never mutated.
        self._control: tuple[object, ControlState | None] = (None, None)
        self._phases: tuple[object, list[PhaseState]] = (None, [])
        self._detectors: tuple[object, list[DetectorState]] = (None, [])
        self._preemption: tuple[object, list[PreemptState]] = (None, [])

    def build(self, v: Values, received: datetime, held: int | None,
              device_time: datetime | None = None) -> SignalControllerState:
        lay = self.layout
        get = v.ints.get
        raw = (tuple(map(get, self._control_oids)), held)
        control = self._control[1]
        if raw != self._control[0] or control is None:
            control = self._build_control(*raw)
            self._control = (raw, control)
        flashing = control.mode is ControlMode.FLASH
        raw_phases = (tuple(map(get, self._phase_oids)), flashing)
        if raw_phases != self._phases[0]:
            self._phases = (raw_phases, self._build_phases(*raw_phases))
        raw_detectors = tuple(map(get, self._detector_oids))
        if raw_detectors != self._detectors[0]:
            groups = lay.detector_groups
            self._detectors = (raw_detectors, mapping.detectors(
                lay.detectors, _merge(raw_detectors[:groups]), _merge(raw_detectors[groups:])))
        raw_preempts = tuple(map(get, self._preempt_oids))
        if raw_preempts != self._preemption[0]:
            self._preemption = (raw_preempts, [
                PreemptState(number=n, active=s >= 4,
                             state=mapping.PREEMPT_STATES.get(s, "unknown"))
                for n, s in enumerate(raw_preempts, start=1) if s is not None])
        alarms = mapping.alarms(get(C.SHORT_ALARM_STATUS), get(C.UNIT_ALARM_STATUS_1),
                                get(C.UNIT_ALARM_STATUS_2))
        cycle = CycleState()
        if control.pattern is not None and control.pattern in lay.patterns:
            length, offset = lay.patterns[control.pattern]
            timer = get(C.COORD_CYCLE_STATUS)
            position = (length - timer) % length if timer is not None and length else None
            cycle = CycleState.model_construct(length_s=float(length), position_s=position,
                                               offset_s=float(offset))
        return SignalControllerState.model_construct(
            kind="signal_controller", device_time=device_time, received_at=received,
            clock_offset_s=None, control=control, cycle=cycle, phases=self._phases[1],
            stage=None, detectors=self._detectors[1], alarms=alarms,
            preemption=self._preemption[1])

    def _build_control(self, values: tuple[int | None, ...], held: int | None) -> ControlState:
        ucs, ufs, cps, lfs, spc, *extras = values
        mode, source, pattern, reason = mapping.control_mode(ucs, ufs, cps, lfs)
        native: dict[str, int | str] = {
            k: value for k, value in (("unitControlStatus", ucs), ("unitFlashStatus", ufs),
                                      ("coordPatternStatus", cps), ("localFreeStatus", lfs),
                                      ("systemPatternControl", spc)) if value is not None}
        names = (["vendorPattern"] if self.layout.vendor_oid else []) + list(self.layout.extra)
        native.update({n: x for n, x in zip(names, extras, strict=True) if x is not None})
        return ControlState(mode=mode, source=source, pattern=pattern, reason=reason,
                            central_hold=held is not None and ucs == 2 and spc == held,
                            native=native)

    def _build_phases(self, values: tuple[int | None, ...], flashing: bool) -> list[PhaseState]:
        lay = self.layout
        groups = lay.phase_groups
        masks = {name: _merge(values[i * groups:(i + 1) * groups])
                 for i, name in enumerate(C.PHASE_STATUS_COLUMNS)}
        return mapping.phases(lay.phases, masks, flashing, lay.flash_colours, lay.ped_phases)


@lru_cache(maxsize=256)
def _part_oids(phase_groups: int, detector_groups: int, preempts: int, extras: tuple[OID, ...]
               ) -> tuple[tuple[OID, ...], tuple[OID, ...], tuple[OID, ...], tuple[OID, ...]]:
    """The OIDs each part is built from, shared by every controller of the same shape (30,000
    builders would otherwise hold 64 MB of identical tuples)."""
    return (tuple(C.PHASE_STATUS + (col, g) for col in C.PHASE_STATUS_COLUMNS.values()
                  for g in range(1, phase_groups + 1)),
            tuple(base + (g,) for base in (C.DETECTOR_ACTIVE, C.DETECTOR_ALARMS)
                  for g in range(1, detector_groups + 1)),
            (C.UNIT_CONTROL_STATUS, C.UNIT_FLASH_STATUS, C.COORD_PATTERN_STATUS,
             C.LOCAL_FREE_STATUS, C.SYSTEM_PATTERN_CONTROL, *extras),
            tuple(C.PREEMPT_STATE + (n,) for n in range(1, preempts + 1)))


def _merge(groups: tuple[int | None, ...]) -> int:
    return mapping.merge_groups([g or 0 for g in groups])
