"""Canonical signal events from two successive normalized states.

Protocols that push events (GB/T 20999 traps) and protocols that are polled (NTCIP) end in the
same vocabulary: here, changes between polls become Indiana hi-res coded events.
"""

from __future__ import annotations

from gateway.model import Event, EventType, PedIndication, SignalControllerState
from gateway.model import VehicleIndication as V
from gateway.model.events import HIRES_CODES

__all__ = ["signal_events"]

_VEHICLE_CODE = {
    V.GREEN: HIRES_CODES["green"],
    V.YELLOW: HIRES_CODES["yellow"],
    V.RED: HIRES_CODES["red_clear"],
}
_PED_CODE = {
    PedIndication.WALK: HIRES_CODES["walk"],
    PedIndication.PED_CLEAR: HIRES_CODES["ped_clear"],
    PedIndication.DONT_WALK: HIRES_CODES["dont_walk"],
}


def signal_events(device: str, old: SignalControllerState | None,
                  new: SignalControllerState) -> list[Event]:
    if old is None:
        return []
    t = new.received_at
    out: list[Event] = []
    # Adapters reuse unchanged parts between polls, so identity is the common, cheap answer.
    old_phases = {p.number: p for p in old.phases} if old.phases is not new.phases else {}
    for phase in new.phases if old_phases else ():
        before = old_phases.get(phase.number)
        if before is None:
            continue
        if before.vehicle != phase.vehicle:
            out.append(Event(type=EventType.SIGNAL_PHASE_CHANGED, device=device, time=t,
                             hires_code=_VEHICLE_CODE.get(phase.vehicle),
                             data={"phase": phase.number, "from": before.vehicle.value,
                                   "to": phase.vehicle.value}))
        if before.pedestrian != phase.pedestrian and phase.pedestrian is not None:
            out.append(Event(type=EventType.SIGNAL_PED_CHANGED, device=device, time=t,
                             hires_code=_PED_CODE.get(phase.pedestrian),
                             data={"phase": phase.number,
                                   "from": before.pedestrian.value if before.pedestrian else None,
                                   "to": phase.pedestrian.value}))
    oc, nc = old.control, new.control
    if (oc.mode, oc.source) != (nc.mode, nc.source):
        out.append(Event(type=EventType.SIGNAL_MODE_CHANGED, device=device, time=t,
                         hires_code=HIRES_CODES["unit_control_status_change"],
                         data={"from": {"mode": oc.mode.value, "source": oc.source.value},
                               "to": {"mode": nc.mode.value, "source": nc.source.value},
                               "reason": nc.reason}))
    if oc.pattern != nc.pattern:
        out.append(Event(type=EventType.SIGNAL_PATTERN_CHANGED, device=device, time=t,
                         hires_code=HIRES_CODES["pattern_change"],
                         data={"from": oc.pattern, "to": nc.pattern}))
    same_alarms = old.alarms is new.alarms
    old_alarms = {} if same_alarms else {a.code: a for a in old.alarms}
    new_alarms = {} if same_alarms else {a.code: a for a in new.alarms}
    for code, alarm in new_alarms.items():
        if code not in old_alarms:
            out.append(Event(type=EventType.SIGNAL_ALARM, device=device, time=t,
                             hires_code=HIRES_CODES["unit_alarm_change"],
                             data=alarm.model_dump(mode="json")))
    for code, alarm in old_alarms.items():
        if code not in new_alarms:
            out.append(Event(type=EventType.SIGNAL_ALARM_CLEARED, device=device, time=t,
                             data=alarm.model_dump(mode="json")))
    if old.detectors is new.detectors:
        return out
    old_faults = {d.number for d in old.detectors if d.fault}
    for det in new.detectors:
        if det.fault and det.number not in old_faults:
            out.append(Event(type=EventType.SIGNAL_DETECTOR_FAULT, device=device, time=t,
                             hires_code=HIRES_CODES["detector_fault"],
                             data={"detector": det.number}))
        elif not det.fault and det.number in old_faults:
            out.append(Event(type=EventType.SIGNAL_DETECTOR_RESTORED, device=device, time=t,
                             hires_code=HIRES_CODES["detector_restored"],
                             data={"detector": det.number}))
    return out
