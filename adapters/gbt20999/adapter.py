"""GB/T 20999-2017 signal controllers over TCP or UDP (frames 0x7E .. 0x7D, CRC16).

Open reads the device info (class 1) and the controller's layout in one query: light groups and
their types, phases and their light groups, stages and their phases, detectors, and the plan
table (to validate `set_pattern`). Each poll is one query frame: run mode, current plan and
stage (13.2), every light group's status (3.3.1), stage timers (6.3), detector presence (14.1)
and faults (13.1.1), the device clock (13.1.10), cabinet door, alarm and fault records (15, 16).
Active reports (traps) arriving between polls are counted and their alarm/fault records show in
the next reading. Commands write class 17 (center control) or 18 (command pipe).

Fail-safe [I]: GB/T 20999 has no backup timer object. A controller that loses its center (no
frame, heartbeats included, for its link timeout) drops central control and runs its local
plan; the gateway keeps the link alive while it holds control (polls and heartbeats). If the
controller shows the held command is gone, the gateway reports `signal.control_lost` and lets
go: it never fights a technician or another center for control.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from datetime import UTC, datetime
from typing import ClassVar

from adapters.gbt20999 import const as C
from adapters.gbt20999 import mapping
from adapters.gbt20999 import reading as R
from adapters.gbt20999.codec import DataValue, Frame
from adapters.gbt20999.options import Gbt20999Options, check_device
from adapters.gbt20999.transport import HeaderFields, Link, TcpLink, UdpLink
from adapters.gbt20999.values import Values
from gateway.model import (
    Alarm,
    AlarmSeverity,
    Command,
    CommandName,
    DeviceKind,
    EventType,
)
from gateway.sdk import (
    AdapterContext,
    AdapterInfo,
    Capability,
    CommandRejected,
    CommandResult,
    ConfigError,
    DeviceIdentity,
    InvalidArguments,
    JunctionError,
    ProtocolError,
    Reading,
    Unsupported,
)

__all__ = ["Gbt20999Options", "Gbt20999Adapter"]

_SPECIAL = {"flash": (0x31, C.PIPE_FLASH), "all_red": (0x32, C.PIPE_ALL_RED)}


class _Held:
    """A central command the gateway holds, and how the run status shows it is in force."""

    __slots__ = ("entries", "run_modes", "plan", "label")

    def __init__(self, entries: list[tuple[C.Address, bytes]], run_modes: frozenset[int],
                 label: str, plan: int | None = None) -> None:
        self.entries, self.run_modes, self.label, self.plan = entries, run_modes, label, plan

    def in_force(self, run_mode: int | None, plan: int | None) -> bool:
        return run_mode in self.run_modes and (self.plan is None or plan == self.plan)


class Gbt20999Adapter:
    info: ClassVar[AdapterInfo] = AdapterInfo(
        name="gbt20999",
        title="GB/T 20999-2017 signal controllers (TCP/UDP)",
        protocols=("gbt20999-2017-tcp", "gbt20999-2017-udp"),
        kinds=(DeviceKind.SIGNAL_CONTROLLER,),
        capabilities=frozenset({Capability.READ_STATE, Capability.COMMANDS}),
        commands=frozenset({CommandName.SET_PATTERN, CommandName.SET_MODE, CommandName.RELEASE}),
        default_port=4050,
        options_model=Gbt20999Options,
        check_device=check_device,
    )

    def __init__(self, context: AdapterContext) -> None:
        self._ctx = context
        self._opts = Gbt20999Options.model_validate(context.options)
        self._link: Link | None = None
        self._layout = R.EMPTY
        self._poll: list[C.Address] = []
        self._missing: set[C.Address] = set()
        self._missing_checked = 0.0
        self._held: _Held | None = None
        self._reported: dict[str, Alarm] = {}
        self._timeout_s = context.device.poll.timeout_s * 0.9

    # -- lifecycle ---------------------------------------------------------------------------

    async def open(self) -> DeviceIdentity:
        if self._link is not None:
            await self._link.close()
        o, device = self._opts, self._ctx.device
        link_cls = TcpLink if o.transport == "tcp" else UdpLink
        self._link = link_cls(
            device.endpoint.host, self._ctx.port or 4050, o.codec(),
            HeaderFields(o.protocol_version, o.center_id, o.controller_id, o.intersection),
            diagnostics=self._ctx.diagnostics, on_report=self._on_report,
            heartbeat_reply=o.heartbeat_reply, heartbeat_s=o.heartbeat_s,
            connect_timeout_s=o.connect_timeout_s, device=device.id)
        await self._link.connect()
        v = await self._query(list(R.IDENTITY + R.STRUCTURE + R.PLANS))
        if C.LIGHT_GROUP_COUNT in v.missing and C.PHASE_COUNT in v.missing:
            raise ProtocolError("controller answers GB/T 20999 frames but has neither a "
                                "light-group count (3.1) nor a phase count (4.1)")
        counts = R.counts_from(v)
        retry = [e for a in sorted(v.missing) for e in R.expand(a, counts)]
        if retry:  # the device refuses "all elements": ask element by element
            v.add_from(await self._query(retry))
        self._layout = R.layout_from(v)
        self._poll = self._poll_list()
        self._missing, self._missing_checked = set(), time.monotonic()
        return DeviceIdentity(vendor=v.text(C.MANUFACTURER), model=None,
                              firmware=R.firmware(v), serial=v.text(C.DEVICE_SERIAL))

    async def close(self) -> None:
        link, self._link = self._link, None
        if link is not None:
            await link.close()

    # -- frames ------------------------------------------------------------------------------

    def _need_link(self) -> Link:
        if self._link is None:
            raise ConfigError("adapter not opened")
        return self._link

    async def _query(self, addresses: list[C.Address]) -> Values:
        """Query in frames of max_values_per_frame; an error reply names the values the device
        lacks, which are dropped (listed in `missing`) and the rest asked again."""
        link, out, step = self._need_link(), Values(), self._opts.max_values_per_frame
        for start in range(0, len(addresses), step):
            todo = addresses[start:start + step]
            while todo:
                reply = await link.request(C.QUERY, [DataValue.at(a) for a in todo],
                                           self._timeout_s)
                if reply.frame_type == C.QUERY_REPLY:
                    out.add(reply.values)
                    break
                failed = {v.address for v in reply.values} & set(todo)
                if not failed:
                    raise ProtocolError("query error reply names none of the values asked for")
                out.missing |= failed
                todo = [a for a in todo if a not in failed]
        return out

    async def _set(self, entries: list[tuple[C.Address, bytes]]) -> Frame:
        link = self._need_link()
        reply = await link.request(C.SET, [DataValue.at(a, d) for a, d in entries],
                                   self._timeout_s)
        if reply.frame_type == C.SET_ERROR:
            errors = {".".join(map(str, v.address)):
                      C.ERROR_STATUS.get(v.data[-1], f"0x{v.data[-1]:02x}") if v.data else "?"
                      for v in reply.values}
            text = ", ".join(f"{a}: {e}" for a, e in errors.items()) or "no reason given"
            raise CommandRejected(f"controller refused the set ({text})",
                                  detail={"errors": errors})
        return reply

    def _on_report(self, frame: Frame) -> None:
        """An active report: keep its alarm and fault records for the next reading."""
        v = Values(frame.values)
        for kind, value in R.records(v, C.ALARM_TYPES, C.ALARM_VALUES):
            alarm = mapping.alarm_for(kind, value)
            self._reported[alarm.code] = alarm
        for kind, action in R.records(v, C.FAULT_TYPES, C.FAULT_ACTIONS):
            alarm = mapping.fault_for(kind, action)
            self._reported[alarm.code] = alarm

    # -- polling -----------------------------------------------------------------------------

    async def read(self) -> Reading:
        link = self._need_link()
        received = datetime.now(UTC)
        if self._missing and time.monotonic() - self._missing_checked > \
                self._opts.recheck_missing_s:  # a firmware update may have added them
            self._poll, self._missing = self._poll_list(), set()
            self._missing_checked = time.monotonic()
        v = await self._query(self._poll)
        if v.missing:  # never ask again for what the device lacks; expand refused "all"s
            expanded = {a: R.expand(a, self._layout) for a in v.missing}
            self._missing |= {a for a, more in expanded.items() if not more}
            self._poll = [e for a in self._poll
                          for e in (expanded.get(a) or ([] if a in v.missing else [a]))]
            if any(expanded.values()):
                v.add_from(await self._query([e for m in expanded.values() for e in m]))
        if not any(a[:3] in {r[:3] for r in R.REQUIRED} for a in self._poll):
            raise ProtocolError("controller lacks run mode, current plan, stage and "
                                "light-group status (13.2, 3.3.1)")
        run_mode = v.int(self._addr(C.RUN_MODE))
        plan = v.int(self._addr(C.CURRENT_PLAN))
        held = self._held is not None and self._held.in_force(run_mode, plan)
        reported, self._reported = self._reported, {}
        state, problems = R.build_state(self._layout, v, received, self._opts.intersection,
                                        held=held, missing=self._missing,
                                        reports=link.reports, reported=reported)
        lost = self._check_control(run_mode, plan)
        if lost:
            state.alarms.append(Alarm(code="central_control_lost", severity=AlarmSeverity.MAJOR,
                                      text=lost))
        return Reading(state=state, device_time=state.device_time, problems=tuple(problems))

    def _poll_list(self) -> list[C.Address]:
        return [self._addr(a) if a[:2] == (13, 2) else a for a in R.REQUIRED + R.OPTIONAL]

    def _addr(self, address: C.Address) -> C.Address:
        return (address[0], address[1], address[2], self._opts.intersection)

    def _check_control(self, run_mode: int | None, plan: int | None) -> str | None:
        """The held command no longer shows (link timeout during an outage, a technician at
        the cabinet, another center): report it and let go; the gateway never fights."""
        held = self._held
        if held is None or run_mode is None or held.in_force(run_mode, plan):
            return None  # (without a run mode there is nothing to judge by)
        name = C.RUN_MODES.get(run_mode or 0, f"0x{run_mode or 0:02x}")
        self._held = None
        self._ctx.emit(EventType.SIGNAL_CONTROL_LOST,
                       {"held": held.label, "run_mode": run_mode, "current_plan": plan})
        return (f"controller runs {name} (plan {plan}) while the gateway held {held.label}: "
                "link timeout, local override or another center; the gateway let go")

    # -- commands ----------------------------------------------------------------------------

    async def execute(self, command: Command) -> CommandResult:
        if self._link is None:
            raise CommandRejected("controller not reachable yet (never opened)")
        if command.name == CommandName.SET_PATTERN:
            pattern = int(command.args["pattern"])
            if pattern not in self._layout.plans:  # the plan table may have changed
                v = await self._query(list(R.PLANS))
                numbers = R.counts_from(v).plan_numbers
                self._layout = dataclasses.replace(self._layout, plan_numbers=numbers,
                                                   plans=R.plans_from(v, numbers))
            if pattern not in self._layout.plans:
                known = sorted(self._layout.plans)
                raise InvalidArguments(
                    f"plan {pattern} is not configured in the controller (configured: "
                    f"{', '.join(map(str, known)) or 'none'})",
                    detail={"configured_plans": known})
            return await self._take(_Held([(C.ASSIGN_PLAN, bytes([pattern]))],
                                          frozenset(range(0x10, 0x16)), f"plan {pattern}",
                                          pattern))
        if command.name == CommandName.SET_MODE:
            mode = command.args["mode"]
            if mode == "free":  # 17.4 run mode local actuated [I]
                return await self._take(_Held([(C.ASSIGN_RUN_MODE, b"\x22")],
                                              frozenset({0x22}), "free (run mode 0x22)"))
            if mode in _SPECIAL:
                run_mode, pipe = _SPECIAL[mode]
                entry = (C.ASSIGN_RUN_MODE, bytes([run_mode])) \
                    if self._opts.special_control == "run_mode" \
                    else (C.COMMAND_PIPE, bytes([pipe]))
                return await self._take(_Held([entry], frozenset({run_mode}), mode))
            return await self._release()
        if command.name == CommandName.RELEASE:
            return await self._release()
        raise Unsupported(f"gbt20999 does not implement {command.name.value}")

    async def _confirm(self) -> tuple[int | None, int | None]:
        v = await self._query([self._addr(C.RUN_MODE), self._addr(C.CURRENT_PLAN)])
        return v.int(self._addr(C.RUN_MODE)), v.int(self._addr(C.CURRENT_PLAN))

    async def _take(self, held: _Held) -> CommandResult:
        previous = self._held
        await self._set(held.entries)
        try:
            run_mode, plan = await self._confirm()
        except JunctionError:
            await self._withdraw(previous)
            raise
        detail: dict[str, object] = {"run_mode": run_mode, "current_plan": plan,
                                     "run_mode_name": C.RUN_MODES.get(run_mode or 0)}
        if not held.in_force(run_mode, plan):
            await self._withdraw(previous)
            raise CommandRejected(f"controller accepted {held.label} but runs "
                                  f"{C.RUN_MODES.get(run_mode or 0, run_mode)} plan {plan}; "
                                  "command withdrawn", detail=detail)
        self._held = held
        return CommandResult(message=f"central control: {held.label}; the controller returns "
                                     "to local control if the link is lost", detail=detail)

    async def _withdraw(self, previous: _Held | None) -> None:
        """Undo an unconfirmed command (best effort): polls keep the link alive, so a command
        nobody holds would otherwise stay in force."""
        self._held = previous
        entries = previous.entries if previous else [(C.COMMAND_PIPE, bytes([C.PIPE_CANCEL]))]
        with contextlib.suppress(JunctionError):
            await self._set(entries)

    async def _release(self) -> CommandResult:
        await self._set([(C.COMMAND_PIPE, bytes([C.PIPE_CANCEL]))])
        self._held = None
        run_mode, plan = await self._confirm()
        detail: dict[str, object] = {"run_mode": run_mode, "current_plan": plan,
                                     "run_mode_name": C.RUN_MODES.get(run_mode or 0)}
        if run_mode is not None and 0x10 <= run_mode <= 0x15:
            raise CommandRejected("controller still reports center control after the cancel",
                                  detail=detail)
        return CommandResult(message="released to local control (command pipe: cancel)",
                             detail=detail)
