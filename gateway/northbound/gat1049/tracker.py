"""The GA/T 1049 feed: runtime objects per crossing, pushed when they change.

Why a tracker: CrossStage and CrossCycle describe history (the last stage and its length, when
this cycle started), which the normalized state does not hold. So one task follows the gateway's
event bus for the whole server and, on every event of a crossing, re-reads that device's cached
state, updates its history and pushes each object whose content changed (never a device poll;
without events, nothing changes). A new alarm (`signal.alarm`) is pushed as a
SignalControllerError.

Derivations [I]: a stage is the set of vehicle phases showing green (CurStageNo = that set as a
bitmask, bit 0 = phase 1, so phases 2+6 are stage 34) unless the adapter reports stages; during
clearances the stage that is ending is still current. A cycle starts at `received_at -
cycle.position_s`; a start later than the current one by more than half a cycle is a new cycle,
and LastCycleLen is the time between the two starts (the pattern's cycle length if the gap is
implausible).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from lxml import etree
from pydantic import ValidationError

from gateway.model import (
    Alarm,
    Event,
    EventType,
    SignalControllerState,
    VehicleIndication,
)
from gateway.northbound.gat1049 import objects as obj
from gateway.northbound.gat1049.ids import CrossDirectory
from gateway.registry import DeviceRuntime
from gateway.sdk.errors import NotFound
from gateway.service import Gateway

__all__ = ["PUSHABLE", "CROSS_OBJECTS", "Feed"]

log = logging.getLogger(__name__)

PUSHABLE = frozenset({"CrossState", "CrossModePlan", "CrossCycle", "CrossStage",
                      "CrossSignalGroupStatus", "SignalControllerError"})
CROSS_OBJECTS = ("CrossState", "CrossModePlan", "CrossSignalGroupStatus", "CrossStage",
                 "CrossCycle")
_GREEN = frozenset({VehicleIndication.GREEN, VehicleIndication.GREEN_FLASH})
Publish = Callable[[str, etree._Element], None]


@dataclass(slots=True)
class _Track:
    seen: datetime | None = None  # received_at of the last state folded in
    stage: int | None = None
    stage_since: datetime | None = None
    last_stage: int = 0
    last_stage_len: int = 0
    cycle_start: datetime | None = None
    last_cycle_len: int = 0
    cycles: int = 0
    alarm_since: dict[str, datetime] = field(default_factory=dict)
    pushed: dict[str, object] = field(default_factory=dict)


def _seconds(a: datetime, b: datetime) -> int:
    return max(int(round((a - b).total_seconds())), 0)


class Feed:
    __slots__ = ("_gw", "_ids", "_publish", "_tracks")

    def __init__(self, gateway: Gateway, directory: CrossDirectory, publish: Publish) -> None:
        self._gw = gateway
        self._ids = directory
        self._publish = publish
        self._tracks: dict[str, _Track] = {d: _Track() for d in directory.devices()}

    async def run(self) -> None:
        """Follow the bus until cancelled; one bad event never stops the feed."""
        for device in self._ids.devices():
            self.observe(device, publish=False)
        async with self._gw.bus.subscribe(self._wanted) as sub:
            while True:
                event = await sub.get()
                try:
                    self._on_event(event)
                except Exception:
                    log.exception("device=%s event=gat1049_feed_error type=%s", event.device,
                                  event.type.value)

    def _wanted(self, event: Event) -> bool:
        return event.device in self._tracks and event.type.value.startswith(("signal.",
                                                                             "device."))

    def _on_event(self, event: Event) -> None:
        self.observe(event.device)
        if event.type == EventType.SIGNAL_ALARM:
            controller = self._ids.controller_id(event.device)
            try:
                alarm = Alarm.model_validate(event.data)
            except ValidationError:
                return
            if controller is not None:
                self._publish("SignalControllerError",
                              obj.signal_controller_error(controller, alarm, event.time))

    def _runtime(self, device: str) -> DeviceRuntime | None:
        try:
            return self._gw.registry.get(device)
        except NotFound:
            return None

    # -- history -------------------------------------------------------------------------------

    def observe(self, device: str, *, publish: bool = True) -> None:
        """Fold the device's cached state into its history; push what changed."""
        rt, track = self._runtime(device), self._tracks.get(device)
        if rt is None or track is None:
            return
        state = rt.state if isinstance(rt.state, SignalControllerState) else None
        if state is not None and state.received_at != track.seen:
            track.seen = state.received_at
            self._fold_stage(track, state)
            self._fold_cycle(track, state)
            now = state.received_at
            codes = {a.code for a in state.alarms}
            track.alarm_since = {c: track.alarm_since.get(c, now) for c in codes}
        for name in CROSS_OBJECTS:
            key = self._key(name, rt, track)
            if key is None or track.pushed.get(name) == key:
                continue
            track.pushed[name] = key
            if publish:
                for element in self.objects(name, device):
                    self._publish(name, element)

    @staticmethod
    def _fold_stage(track: _Track, s: SignalControllerState) -> None:
        t = s.received_at
        if s.stage is not None:
            number, since = s.stage.number, t - timedelta(seconds=s.stage.elapsed_s or 0)
        else:
            number = sum(1 << (p.number - 1) for p in s.phases
                         if p.vehicle in _GREEN and 1 <= p.number <= 64)
            since = t
        if not number or number == track.stage:
            return
        if track.stage is not None and track.stage_since is not None:
            track.last_stage, track.last_stage_len = track.stage, _seconds(since,
                                                                           track.stage_since)
        track.stage, track.stage_since = number, since

    @staticmethod
    def _fold_cycle(track: _Track, s: SignalControllerState) -> None:
        length, position = s.cycle.length_s, s.cycle.position_s
        if not length or position is None:
            return
        start = s.received_at - timedelta(seconds=position)
        if track.cycle_start is None:
            track.cycle_start, track.last_cycle_len = start, int(round(length))
            track.cycles += 1
            return
        gap = (start - track.cycle_start).total_seconds()
        if gap > length / 2:
            track.last_cycle_len = int(round(gap)) if gap <= 2 * length else int(round(length))
            track.cycle_start = start
            track.cycles += 1
        elif gap < -length / 2:  # the timeline moved back (pattern change): follow quietly
            track.cycle_start = start

    def _key(self, name: str, rt: DeviceRuntime, track: _Track) -> object:
        state = rt.state if isinstance(rt.state, SignalControllerState) else None
        if name == "CrossState":
            return rt.health.status.value
        if state is None:
            return None
        if name == "CrossModePlan":
            return obj.control_mode_code(state.control), state.control.pattern
        if name == "CrossSignalGroupStatus":
            return tuple((p.number, p.vehicle) for p in state.phases)
        if name == "CrossStage":
            return (track.stage, track.last_stage) if track.stage is not None else None
        return track.cycles if track.cycle_start is not None else None

    # -- current objects (Get, first push after Subscribe) -----------------------------------

    def objects(self, name: str, device: str) -> list[etree._Element]:
        """The current `name` objects of one crossing ([] when the cache has nothing)."""
        rt, track = self._runtime(device), self._tracks.get(device)
        cross, controller = self._ids.cross_id(device), self._ids.controller_id(device)
        if rt is None or track is None or cross is None or controller is None:
            return []
        state = rt.state if isinstance(rt.state, SignalControllerState) else None
        now = datetime.now(UTC)
        if name == "CrossState":
            return [obj.cross_state(cross, rt.health.status)]
        if name == "CrossParam":
            return [obj.cross_param(cross, rt.config.name or rt.id, state)]
        if name == "SignalController":
            return [obj.signal_controller(controller, rt.vendor, rt.model, cross)]
        if state is None:
            return []
        if name == "CrossModePlan":
            return [obj.cross_mode_plan(cross, state.control)]
        if name == "CrossSignalGroupStatus":
            return [obj.cross_signal_group_status(cross, state)]
        if name == "CrossStage" and track.stage is not None and track.stage_since is not None:
            return [obj.cross_stage(cross, track.last_stage, track.last_stage_len, track.stage,
                                    _seconds(max(now, track.stage_since), track.stage_since))]
        if name == "CrossCycle" and track.cycle_start is not None:
            return [obj.cross_cycle(cross, track.cycle_start, track.last_cycle_len)]
        if name == "SignalControllerError":
            return [obj.signal_controller_error(controller, a, track.alarm_since.get(a.code, now))
                    for a in state.alarms]
        return []
