"""Modbus TCP signal controllers, driven entirely by a register-map profile.

A poll is the map's coalesced reads (typically 2-4 requests), decoded and mapped onto the
normalized state. Commands write what the map's `commands:` say and read back its `verify:`
points. Central control uses the map's fail-safe: the backup-time register is set before every
central command, and while the gateway holds control it changes the heartbeat register at every
poll and checks the `verify:` points; if the gateway stops, the controller's watchdog hands
control back to its local plan. If the controller shows that it dropped the command (watchdog
expired during an outage, a technician or another central system took over), the gateway lets
go and reports `signal.control_lost`: it never fights for control.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import ClassVar

from pydantic import BaseModel, ValidationError

from adapters.modbus import codec, mapping
from adapters.modbus.client import ModbusLink
from adapters.modbus.profile import ModbusOptions
from adapters.modbus.regmap import Command as MapCommand
from adapters.modbus.regmap import Point, ReadBlock, compiled_map
from gateway.model import (
    Alarm,
    AlarmSeverity,
    Command,
    CommandName,
    DeviceConfig,
    DeviceKind,
    EventType,
    VehicleIndication,
)
from gateway.sdk import (
    AdapterContext,
    AdapterInfo,
    Capability,
    CommandRejected,
    CommandResult,
    ConfigError,
    DeviceIdentity,
    DeviceTimeout,
    InvalidArguments,
    JunctionError,
    ProtocolError,
    Reading,
    Unsupported,
)

__all__ = ["ModbusAdapter"]

ILLEGAL_ADDRESS = 2
_MODE_COMMAND = {"free": "free", "flash": "flash", "all_red": "all_red", "local": "release"}


def _check_device(device: DeviceConfig, options: BaseModel) -> list[str]:
    """The heartbeat is written from the poll, so a poll must come well within the backup
    time (the same rule as the NTCIP adapter's re-assertion)."""
    assert isinstance(options, ModbusOptions)
    if options.failsafe.heartbeat and device.poll.interval_s * 3 > options.backup_time_s:
        return [f"poll.interval_s={device.poll.interval_s} is too long for "
                f"backup_time_s={options.backup_time_s}: the heartbeat is written at every "
                "poll, so the interval must be at most a third of the backup time"]
    return []


class ModbusAdapter:
    info: ClassVar[AdapterInfo] = AdapterInfo(
        name="modbus",
        title="Modbus TCP signal controllers (register map from the profile)",
        protocols=("modbus-tcp",),
        kinds=(DeviceKind.SIGNAL_CONTROLLER,),
        capabilities=frozenset({Capability.READ_STATE, Capability.COMMANDS}),
        commands=frozenset({CommandName.SET_PATTERN, CommandName.SET_MODE, CommandName.RELEASE}),
        default_port=502,
        options_model=ModbusOptions,
        check_device=_check_device,
    )

    def __init__(self, context: AdapterContext) -> None:
        try:
            self._map = compiled_map(context.options)
        except ValidationError as err:
            raise ConfigError(f"device {context.device.id}: invalid register map: "
                              f"{err.errors(include_url=False)[0]['msg']}") from None
        self._ctx = context
        m = self._map
        self._link = ModbusLink(context.device.endpoint.host, context.port or 502, m.unit_id,
                                # within the poll deadline, so a request that gets no
                                # answer is reported as such, not as a generic poll timeout
                                timeout_s=m.request_timeout_s or
                                context.device.poll.timeout_s * 0.75,
                                pause_s=m.inter_request_pause_s,
                                post_connect_pause_s=m.post_connect_pause_s,
                                diagnostics=context.diagnostics)
        self._blocks = m.poll_blocks
        self._missing: set[str] = set()
        self._missing_since = 0.0
        self._remembered: dict[int, VehicleIndication] = {}
        self._held: tuple[MapCommand, dict[str, int]] | None = None
        self._beat = 0

    # -- lifecycle ---------------------------------------------------------------------------

    async def open(self) -> DeviceIdentity:
        """Connect; points the device refused before are asked for again."""
        self._link.close()
        await self._link.connect()
        self._missing.clear()
        self._blocks = self._map.poll_blocks
        return DeviceIdentity()

    async def close(self) -> None:
        self._link.close()

    # -- polling -----------------------------------------------------------------------------

    async def read(self) -> Reading:
        received = datetime.now(UTC)
        if self._missing and time.monotonic() - self._missing_since > \
                self._map.recheck_missing_s:  # a firmware update may have added them
            self._missing.clear()
            self._blocks = self._map.poll_blocks
        values: dict[str, codec.Value] = {}
        try:
            for block in self._blocks:
                await self._read_block(block, values)
            if self._map.poll_blocks and not values:
                raise ProtocolError("the controller refuses every point of the register map "
                                    "(exception 2, illegal data address): wrong map or unit?")
            lost = await self._maintain_control()
        except DeviceTimeout:
            self._link.close()  # a late answer must not meet the next request
            raise
        finally:
            if self._map.close_after_poll:
                self._link.close()
        state = mapping.state(self._map, values, received, self._remembered,
                              central_hold=self._held is not None)
        if lost:
            state.alarms.append(Alarm(code="central_control_lost", severity=AlarmSeverity.MAJOR,
                                      text=lost))
        return Reading(state=state, uptime_s=mapping.uptime(values),
                       device_time=state.device_time, problems=tuple(sorted(self._missing)))

    async def _read_block(self, block: ReadBlock, values: dict[str, codec.Value]) -> None:
        """Read one block into `values`. A device that refuses the block with exception 2 gets
        its points one by one; the ones it still refuses are reported missing (degraded)."""
        try:
            raw = await self._link.read(block.table, block.start, block.count)
        except ProtocolError as err:
            if err.detail.get("exception_code") != ILLEGAL_ADDRESS:
                raise
            if len(block.points) == 1:
                self._drop(block.points[0])
                return
            for point in block.points:
                await self._read_block(ReadBlock(block.table, point.address, point.count,
                                                 (point,)), values)
            return
        codec.decode_block(block, raw, values)

    def _drop(self, point: Point) -> None:
        if not self._missing:
            self._missing_since = time.monotonic()
        self._missing.add(point.name)
        self._blocks = self._map.plan(p for b in self._map.poll_blocks for p in b.points
                                      if p.name not in self._missing)

    async def _maintain_control(self) -> str | None:
        """While holding control: check the verify points and change the heartbeat. If the
        controller dropped the command, let go and report it. Returns the alarm text, if any."""
        if self._held is None:
            return None
        command, fields = self._held
        try:
            mismatch = await self._verify(command, fields)
            if mismatch is None:
                await self._heartbeat()
                return None
        except JunctionError as err:  # the poll's data is still good; retry next poll
            if isinstance(err, DeviceTimeout):
                self._link.close()
            return f"keeping central control failed: {err.message}"
        self._held = None
        self._ctx.emit(EventType.SIGNAL_CONTROL_LOST, {"held": command.name, "device": mismatch})
        return (f"controller shows {mismatch} while the gateway held {command.name}: backup "
                "timer expired or another system took control; the gateway released its "
                "command")

    # -- commands ----------------------------------------------------------------------------

    async def execute(self, command: Command) -> CommandResult:
        name, fields = self._command_name(command)
        spec = self._map.commands.get(name)
        if spec is None:
            raise Unsupported(f"the register map has no {name} command")
        previous = None if name == "release" else self._held
        self._held = None  # until confirmed: the watchdog returns control if this fails
        try:
            writes = await self._write_command(spec, fields)
            mismatch = await self._verify(spec, fields)
        except ProtocolError as err:
            self._held = previous
            raise CommandRejected(f"the controller refused {name}: {err.message}",
                                  detail=err.detail) from err
        except JunctionError:
            self._held = previous
            raise
        detail: dict[str, object] = {"writes": writes}
        if mismatch is not None:
            self._held = previous
            raise CommandRejected(f"the controller did not carry out {name}: it shows "
                                  f"{mismatch}", detail=detail)
        if name == "release":
            return CommandResult(message="released to local control", detail=detail)
        self._held = (spec, fields)
        what = f"pattern {fields['pattern']}" if name == "set_pattern" else name
        fail_safe = f", backup timer {self._map.backup_time_s} s" \
            if self._map.heartbeat or self._map.backup_time else ""
        return CommandResult(message=f"central control: {what}{fail_safe}", detail=detail)

    def _command_name(self, command: Command) -> tuple[str, dict[str, int]]:
        fields = {"pattern": 0, "backup_time_s": self._map.backup_time_s}
        if command.name == CommandName.SET_PATTERN:
            pattern = int(command.args["pattern"])
            plans = self._map.plans
            if plans and pattern not in plans:
                raise InvalidArguments(
                    f"pattern {pattern} is not configured in the controller (configured: "
                    f"{', '.join(map(str, sorted(plans)))})",
                    detail={"configured_patterns": sorted(plans)})
            fields["pattern"] = pattern
            return "set_pattern", fields
        if command.name == CommandName.SET_MODE:
            return _MODE_COMMAND[str(command.args["mode"])], fields
        if command.name == CommandName.RELEASE:
            return "release", fields
        raise Unsupported(f"modbus does not implement {command.name.value}")

    async def _write_command(self, spec: MapCommand, fields: dict[str, int]) -> list[str]:
        """Backup time (central commands), the command's writes, then one heartbeat."""
        done = []
        central = spec.name != "release"
        steps = [(p, float(fields["backup_time_s"])) for p in (self._map.backup_time,)
                 if central and p is not None]
        steps += [(p, ref.resolve(fields)) for p, ref in spec.writes]
        for point, value in steps:
            await self._write(point, value)
            done.append(f"{point.name}={value:g}")
        if central:
            await self._heartbeat()
        return done

    async def _write(self, point: Point, value: float) -> None:
        try:
            raw = codec.encode(point, value)
        except ValueError as err:
            raise InvalidArguments(str(err)) from None
        await self._link.write(point.table, point.address, raw)

    async def _heartbeat(self) -> None:
        point = self._map.heartbeat
        if point is None:
            return
        modulo = 2 if point.is_bits or point.type == "bool" else 1 << (16 * point.count)
        self._beat = (self._beat + 1) % min(modulo, 1 << 15)
        await self._write(point, self._beat * point.scale + point.offset)

    async def _verify(self, spec: MapCommand, fields: dict[str, int]) -> str | None:
        """Read back the command's verify points; None if all match, else what differs."""
        if not spec.verify:
            return None
        values: dict[str, codec.Value] = {}
        for block in spec.verify_blocks:
            codec.decode_block(block, await self._link.read(block.table, block.start,
                                                            block.count), values)
        wrong = []
        for point, ref in spec.verify:
            expected, got = ref.resolve(fields), values.get(point.name)
            if not isinstance(got, int | float) or abs(got - expected) > 1e-6:
                wrong.append(f"{point.name}={got} (expected {expected:g})")
        return ", ".join(wrong) or None
