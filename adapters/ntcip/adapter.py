"""NTCIP 1202 signal controllers over SNMP v1/v2c.

One GET of ~30 varbinds per poll (status groups, unit, coordination, clock, uptime) through the
gateway SDK's SNMP client, shared by every controller. Central control uses
systemPatternControl with unitBackupTime armed and re-asserted at a third of the backup time,
so a controller falls back to its local plan if the gateway stops (reference §1.8).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from adapters.ntcip import const as C
from adapters.ntcip import mapping
from adapters.ntcip.snmp import Device, Values
from adapters.ntcip.state import Layout, StateBuilder
from gateway.model import (
    Alarm,
    AlarmSeverity,
    Command,
    CommandName,
    DeviceConfig,
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
from gateway.sdk.snmp import OID, SnmpClient, parse_oid

__all__ = ["NtcipOptions", "NtcipAdapter"]

ESSENTIAL = (C.UNIT_CONTROL_STATUS, C.UNIT_FLASH_STATUS, C.COORD_PATTERN_STATUS)
BAD_PLAN_REASONS = {7, 8, 10}  # badPlan, badCycleTime, invalidOffset


class NtcipOptions(BaseModel):
    """Per-profile / per-device settings (profile `options:`, overridden by the device's)."""

    model_config = ConfigDict(extra="forbid")

    community: str = Field(default="public", min_length=1, max_length=64,
                           description="used when the device has no credentials")
    version: Literal["v1", "v2c"] = "v1"
    backup_time_s: int = Field(default=60, ge=5, le=65535,
                               description="unitBackupTime armed with every central command")
    max_varbinds: int = Field(default=40, ge=1, le=200, description="varbinds per GET")
    max_patterns: int = Field(default=32, ge=1, le=253, description="pattern rows read")
    max_preempts: int = Field(default=4, ge=0, le=16)
    vendor_pattern_oid: str | None = Field(default=None, description="e.g. Econolite plan OID")
    extra_oids: dict[str, str] = Field(default_factory=dict,
                                       description="name -> OID, shown in control.native")
    recheck_missing_s: float = Field(default=300, ge=10, le=86400,
                                     description="how often objects the device lacked are "
                                                 "asked for again")

    @field_validator("vendor_pattern_oid")
    @classmethod
    def _valid_oid(cls, value: str | None) -> str | None:
        if value is not None:
            parse_oid(value)  # ValueError becomes a located validation error
        return value

    @field_validator("extra_oids")
    @classmethod
    def _valid_oids(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            try:
                parse_oid(text)
            except ValueError as err:
                raise ValueError(f"{name}: {err}") from None
        return value


def _check_device(device: DeviceConfig, options: BaseModel) -> list[str]:
    """The fail-safe only works if the command is re-sent well within the backup time."""
    assert isinstance(options, NtcipOptions)
    if device.poll.interval_s * 3 > options.backup_time_s:
        return [f"poll.interval_s={device.poll.interval_s} is too long for "
                f"backup_time_s={options.backup_time_s}: central commands are re-sent from "
                "the poll, so the interval must be at most a third of the backup time"]
    return []


async def _new_client() -> SnmpClient:
    """One client for every NTCIP device. Two sockets, because the standard event loop reads
    one datagram per socket per turn: that bounds the poll answers handled per turn, so API
    requests on the same loop wait behind at most two of them (measured at 5,000 controllers
    and 2,000 REST reads/s: p99 3.0-3.2 ms with 2 sockets, 4.0-4.3 with 4, 6.8-7.8 with 8;
    the same poll CPU). 1,024 requests in flight in all, as before."""
    client = SnmpClient(sockets=2, max_in_flight_per_socket=512, local_host="0.0.0.0")
    await client.start()
    return client


async def _close_client(client: SnmpClient) -> None:
    await client.close()


class NtcipAdapter:
    info: ClassVar[AdapterInfo] = AdapterInfo(
        name="ntcip",
        title="NTCIP 1202 actuated signal controllers (SNMP)",
        protocols=("snmp-v1", "snmp-v2c", "ntcip-1202", "ntcip-1201"),
        kinds=(DeviceKind.SIGNAL_CONTROLLER,),
        capabilities=frozenset({Capability.READ_STATE, Capability.COMMANDS}),
        commands=frozenset({CommandName.SET_PATTERN, CommandName.SET_MODE, CommandName.RELEASE}),
        default_port=161,
        options_model=NtcipOptions,
        check_device=_check_device,
    )

    def __init__(self, context: AdapterContext) -> None:
        self._ctx = context
        self._opts = NtcipOptions.model_validate(context.options)
        self._dev: Device | None = None
        self._set_id: int | None = None
        self._max_patterns = 0
        self._missing_checked = 0.0
        self._poll_oids: list[OID] = []
        self._missing: set[OID] = set()
        self._held: int | None = None  # systemPatternControl value we hold, if any
        self._asserted_at = 0.0
        self._layout = Layout(
            vendor_oid=parse_oid(self._opts.vendor_pattern_oid)
            if self._opts.vendor_pattern_oid else None,
            extra={name: parse_oid(text) for name, text in self._opts.extra_oids.items()})
        self._builder = StateBuilder(self._layout)

    # -- lifecycle ---------------------------------------------------------------------------

    def _community(self) -> bytes:
        creds = self._ctx.device.credentials
        secret = creds.secret() if creds else None
        return (secret or (creds.username if creds else None) or self._opts.community).encode()

    async def open(self) -> DeviceIdentity:
        client = await self._ctx.shared.get("snmp-client", _new_client, _close_client)
        port = self._ctx.port or 161
        self._dev = None  # commands wait until open() has read the controller's tables
        dev = Device(client, self._ctx.device.endpoint.host, port, self._community(),
                     0 if self._opts.version == "v1" else 1,
                     # below the poll's own deadline, so a request that got garbage back
                     # reports decode_error before the poller gives up with timeout
                     self._ctx.device.poll.timeout_s * 0.75,
                     self._opts.max_varbinds, self._ctx.diagnostics)
        info = await dev.read_many([
            C.SYS_UPTIME, C.MAX_PHASES, C.MAX_PHASE_GROUPS, C.MAX_DETECTORS,
            C.MAX_DETECTOR_GROUPS, C.MAX_PATTERNS, C.MAX_PREEMPTS, C.GLOBAL_SET_ID,
            C.MODULE_MAKE + (1,), C.MODULE_MODEL + (1,), C.MODULE_VERSION + (1,),
            C.MODULE_VERSION + (2,)], record=True)
        if C.SYS_UPTIME in info.missing and C.MAX_PHASES in info.missing:
            raise ProtocolError("device answers SNMP but has neither sysUpTime nor maxPhases: "
                                "not an NTCIP 1202 controller?")
        phases = min(info.int(C.MAX_PHASES) or 8, 32)
        detectors = min(info.int(C.MAX_DETECTORS) or 0, 64)
        self._layout = Layout(
            phases=phases,
            phase_groups=max(1, min(info.int(C.MAX_PHASE_GROUPS) or (phases + 7) // 8, 4)),
            detectors=detectors,
            detector_groups=min(info.int(C.MAX_DETECTOR_GROUPS) or (detectors + 7) // 8, 8),
            preempts=min(info.int(C.MAX_PREEMPTS) or 0, self._opts.max_preempts),
            vendor_oid=self._layout.vendor_oid, extra=self._layout.extra)
        self._set_id = info.int(C.GLOBAL_SET_ID)
        self._max_patterns = info.int(C.MAX_PATTERNS) or 0
        await self._read_patterns(dev)
        await self._read_channels(dev)
        self._poll_oids = self._build_poll_oids()
        self._missing = set()
        self._missing_checked = time.monotonic()
        self._builder = StateBuilder(self._layout)
        self._dev = dev
        software = info.text(C.MODULE_VERSION + (2,))
        hardware = info.text(C.MODULE_VERSION + (1,))
        return DeviceIdentity(vendor=info.text(C.MODULE_MAKE + (1,)),
                              model=info.text(C.MODULE_MODEL + (1,)),
                              firmware=software or hardware)

    async def _read_patterns(self, dev: Device) -> None:
        count = min(self._max_patterns, self._opts.max_patterns)
        oids = [o for n in range(1, count + 1)
                for o in (C.PATTERN_CYCLE_TIME + (n,), C.PATTERN_OFFSET_TIME + (n,))]
        values = await dev.read_many(oids, record=True) if oids else Values()
        patterns = {}
        for n in range(1, count + 1):
            cycle = values.int(C.PATTERN_CYCLE_TIME + (n,))
            if cycle:  # a row with cycle 0 or no row is not a usable pattern
                patterns[n] = (cycle, values.int(C.PATTERN_OFFSET_TIME + (n,)) or 0)
        self._layout.patterns = patterns

    async def _read_channels(self, dev: Device) -> None:
        """Flash colours from the channel table, so a poll that catches a flashing lamp dark
        still shows the right colour. Optional: many controllers lack it."""
        count = (await dev.read_many([C.MAX_CHANNELS])).int(C.MAX_CHANNELS) or 0
        columns = (C.CHANNEL_CONTROL_SOURCE, C.CHANNEL_CONTROL_TYPE, C.CHANNEL_FLASH)
        oids = [col + (c,) for c in range(1, min(count, 32) + 1) for col in columns]
        values = await dev.read_many(oids, record=True) if oids else Values()

        def column(col: OID) -> dict[int, int]:
            return {c: v for c in range(1, min(count, 32) + 1)
                    if (v := values.int(col + (c,))) is not None}

        sources, types, flash = (column(col) for col in columns)
        self._layout.flash_colours = mapping.flash_colours(sources, types, flash)
        self._layout.ped_phases = mapping.ped_phases(sources, types)

    def _build_poll_oids(self) -> list[OID]:
        lay = self._layout
        oids = [C.SYS_UPTIME, C.GLOBAL_TIME, C.GLOBAL_SET_ID, C.UNIT_CONTROL_STATUS,
                C.UNIT_FLASH_STATUS, C.UNIT_ALARM_STATUS_1, C.UNIT_ALARM_STATUS_2,
                C.SHORT_ALARM_STATUS, C.COORD_PATTERN_STATUS, C.LOCAL_FREE_STATUS,
                C.COORD_CYCLE_STATUS, C.COORD_SYNC_STATUS, C.SYSTEM_PATTERN_CONTROL]
        for col in C.PHASE_STATUS_COLUMNS.values():
            oids.extend(C.PHASE_STATUS + (col, g) for g in range(1, lay.phase_groups + 1))
        for g in range(1, lay.detector_groups + 1):
            oids += [C.DETECTOR_ACTIVE + (g,), C.DETECTOR_ALARMS + (g,)]
        oids.extend(C.PREEMPT_STATE + (n,) for n in range(1, lay.preempts + 1))
        if lay.vendor_oid:
            oids.append(lay.vendor_oid)
        oids.extend(lay.extra.values())
        return oids

    async def close(self) -> None:
        self._dev = None

    # -- polling -----------------------------------------------------------------------------

    async def read(self) -> Reading:
        dev = self._dev
        if dev is None:
            raise ConfigError("adapter not opened")
        received = datetime.now(UTC)
        if self._missing and time.monotonic() - self._missing_checked > \
                self._opts.recheck_missing_s:  # a firmware update may have added them
            self._poll_oids, self._missing = self._build_poll_oids(), set()
            self._missing_checked = time.monotonic()
        values = await dev.read_many(self._poll_oids)
        if values.missing:  # do not ask again (for a while) for what the device lacks
            self._missing |= values.missing
            self._poll_oids = [o for o in self._poll_oids if o not in values.missing]
        if all(o in self._missing for o in ESSENTIAL):
            raise ProtocolError("controller lacks unitControlStatus, unitFlashStatus and "
                                "coordPatternStatus")
        set_id = values.int(C.GLOBAL_SET_ID)
        if set_id is not None and self._set_id is not None and set_id != self._set_id:
            await self._read_patterns(dev)
        self._set_id = set_id
        device_clock = values.int(C.GLOBAL_TIME)
        device_time = datetime.fromtimestamp(device_clock, UTC) if device_clock else None
        state = self._builder.build(values, received, self._held, device_time)
        lost = await self._maintain_control(values)
        if lost:
            state.alarms = [*state.alarms, Alarm(code="central_control_lost",
                                                 severity=AlarmSeverity.MAJOR, text=lost)]
        uptime = values.int(C.SYS_UPTIME)
        problems = tuple(sorted(_name(o) for o in self._missing if _is_required(o)))
        return Reading(state=state, uptime_s=uptime / 100 if uptime is not None else None,
                       device_time=device_time,
                       problems=problems)

    async def _maintain_control(self, v: Values) -> str | None:
        """Re-assert the held command before the backup timer can expire. If the controller
        shows another value (the timer expired during an outage, a technician or another
        central system took over), the gateway lets go and reports it: it never fights."""
        if self._held is None or self._dev is None:
            return None
        spc = v.int(C.SYSTEM_PATTERN_CONTROL)
        if spc is not None and spc != self._held:
            lost = (f"controller shows systemPatternControl={spc} while the gateway held "
                    f"{self._held}: backup timer expired or another system took control; "
                    "the gateway released its command")
            self._ctx.emit(EventType.SIGNAL_CONTROL_LOST,
                           {"held": self._held, "device_value": spc})
            self._held = None
            return lost
        now = time.monotonic()
        if now - self._asserted_at >= self._opts.backup_time_s / 3:
            try:
                await self._dev.write([(C.UNIT_BACKUP_TIME, self._opts.backup_time_s),
                                       (C.SYSTEM_PATTERN_CONTROL, self._held)])
                self._asserted_at = now
            except JunctionError as err:  # the poll's data is still good; retry next poll
                return f"re-assert failed: {err.message}"
        return None

    # -- commands ----------------------------------------------------------------------------

    async def execute(self, command: Command) -> CommandResult:
        if self._dev is None:
            raise CommandRejected("controller not reachable yet (never polled successfully)")
        if command.name == CommandName.SET_PATTERN:
            pattern = int(command.args["pattern"])
            patterns = self._layout.patterns
            if pattern not in patterns:
                known = ", ".join(map(str, sorted(patterns))) or "none"
                raise InvalidArguments(f"pattern {pattern} is not configured in the controller "
                                       f"(configured: {known})",
                                       detail={"configured_patterns": sorted(patterns)})
            return await self._call(pattern)
        if command.name == CommandName.SET_MODE:
            mode = command.args["mode"]
            if mode == "free":
                return await self._call(C.PATTERN_FREE)
            if mode == "flash":
                return await self._call(C.PATTERN_FLASH)
            if mode == "local":
                return await self._release()
            raise Unsupported("NTCIP 1202 has no standard all-red command")
        if command.name == CommandName.RELEASE:
            return await self._release()
        raise Unsupported(f"ntcip does not implement {command.name.value}")

    async def _confirm(self) -> Values:
        assert self._dev is not None
        return await self._dev.read_many([C.SYSTEM_PATTERN_CONTROL, C.UNIT_CONTROL_STATUS,
                                          C.COORD_PATTERN_STATUS, C.LOCAL_FREE_STATUS,
                                          C.UNIT_BACKUP_TIME], record=True)

    async def _call(self, value: int) -> CommandResult:
        assert self._dev is not None
        previous = self._held
        await self._dev.write([(C.UNIT_BACKUP_TIME, self._opts.backup_time_s),
                               (C.SYSTEM_PATTERN_CONTROL, value)])
        self._held, self._asserted_at = value, time.monotonic()
        try:
            check = await self._confirm()
        except JunctionError:
            # Not confirmed: stop holding it, so the backup timer returns the controller to
            # local control unless the command took; the audit then says "failed", truly.
            self._held = previous
            raise
        spc, lfs = check.int(C.SYSTEM_PATTERN_CONTROL), check.int(C.LOCAL_FREE_STATUS)
        cps, ucs = check.int(C.COORD_PATTERN_STATUS), check.int(C.UNIT_CONTROL_STATUS)
        detail: dict[str, object] = {"system_pattern_control": spc, "coord_pattern_status": cps,
                  "unit_control_status": mapping.UNIT_CONTROL_STATUS.get(ucs or 0),
                  "local_free_status": mapping.LOCAL_FREE_STATUS.get(lfs or 0),
                  "backup_time_s": check.int(C.UNIT_BACKUP_TIME)}
        if spc != value:
            self._held = previous
            raise CommandRejected(f"controller did not keep systemPatternControl={value} "
                                  f"(reads {spc})", detail=detail)
        if value <= 253 and cps == C.PATTERN_FREE and lfs in BAD_PLAN_REASONS:
            await self._dev.write([(C.SYSTEM_PATTERN_CONTROL, previous or C.PATTERN_STANDBY)])
            self._held = previous
            raise CommandRejected(f"controller runs Free instead of pattern {value} "
                                  f"({mapping.LOCAL_FREE_STATUS.get(lfs or 0)}); command "
                                  "withdrawn", detail=detail)
        label = {C.PATTERN_FREE: "free", C.PATTERN_FLASH: "flash"}.get(value, f"pattern {value}")
        return CommandResult(message=f"central control: {label}, backup timer "
                                     f"{self._opts.backup_time_s} s", detail=detail)

    async def _release(self) -> CommandResult:
        assert self._dev is not None
        await self._dev.write([(C.SYSTEM_PATTERN_CONTROL, C.PATTERN_STANDBY)])
        self._held = None
        check = await self._confirm()
        spc = check.int(C.SYSTEM_PATTERN_CONTROL)
        detail: dict[str, object] = {
            "system_pattern_control": spc,
            "unit_control_status":
                mapping.UNIT_CONTROL_STATUS.get(check.int(C.UNIT_CONTROL_STATUS) or 0)}
        if spc != C.PATTERN_STANDBY:
            raise CommandRejected(f"controller still shows systemPatternControl={spc}",
                                  detail=detail)
        return CommandResult(message="released to local control", detail=detail)


_NAMES: dict[OID, str] = {
    C.UNIT_CONTROL_STATUS: "unitControlStatus", C.UNIT_FLASH_STATUS: "unitFlashStatus",
    C.COORD_PATTERN_STATUS: "coordPatternStatus", C.LOCAL_FREE_STATUS: "localFreeStatus",
    C.COORD_CYCLE_STATUS: "coordCycleStatus", C.SYSTEM_PATTERN_CONTROL: "systemPatternControl",
    C.UNIT_ALARM_STATUS_1: "unitAlarmStatus1", C.UNIT_ALARM_STATUS_2: "unitAlarmStatus2",
    C.SHORT_ALARM_STATUS: "shortAlarmStatus", C.GLOBAL_TIME: "globalTime",
    C.SYS_UPTIME: "sysUpTime", C.GLOBAL_SET_ID: "globalSetIDParameter",
}


def _is_required(oid: OID) -> bool:
    """Objects whose absence degrades the state; optional ones are just left out."""
    if oid in _NAMES:
        return True
    return oid[: len(C.PHASE_STATUS)] == C.PHASE_STATUS or \
        oid[: len(C.DETECTOR_ACTIVE) - 1] == C.DETECTOR_ACTIVE[:-1]


def _name(oid: OID) -> str:
    if oid in _NAMES:
        return _NAMES[oid]
    if oid[: len(C.PHASE_STATUS)] == C.PHASE_STATUS:
        col, group = oid[len(C.PHASE_STATUS):][:2]
        names = {v: k for k, v in C.PHASE_STATUS_COLUMNS.items()}
        return f"phaseStatusGroup.{names.get(col, col)}.{group}"
    return ".".join(map(str, oid))
