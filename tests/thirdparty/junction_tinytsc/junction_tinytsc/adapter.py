"""TinyTSC signal controllers over JSON lines on TCP: a third-party adapter for Junction.

It shows the whole contract in one screen: log in at open(), one request per poll mapped onto
the normalized state, commands confirmed by the device, and every failure raised as a
gateway.sdk error (timeout, refused, auth_failed, decode_error) so the gateway's health tells
them apart. One TCP connection per device, dropped after any error and made again by the next
request (the poller re-opens only after decode and protocol errors).
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any, ClassVar

from gateway.model import (
    Command,
    CommandName,
    ControlMode,
    ControlSource,
    ControlState,
    DeviceKind,
    PhaseState,
    SignalControllerState,
    VehicleIndication,
)
from gateway.sdk import (
    AdapterContext,
    AdapterInfo,
    AuthFailed,
    Capability,
    CommandRejected,
    CommandResult,
    DecodeError,
    DeviceIdentity,
    DeviceRefused,
    DeviceTimeout,
    ProtocolError,
    Reading,
)

__all__ = ["TinyTscAdapter"]

_MODES = {"coordinated": ControlMode.COORDINATED, "flash": ControlMode.FLASH,
          "free": ControlMode.FREE}


class TinyTscAdapter:
    info: ClassVar[AdapterInfo] = AdapterInfo(
        name="tinytsc",
        title="TinyTSC signal controllers (JSON lines over TCP; third-party package)",
        protocols=("tinytsc-jsonl",),
        kinds=(DeviceKind.SIGNAL_CONTROLLER,),
        capabilities=frozenset({Capability.READ_STATE, Capability.COMMANDS}),
        commands=frozenset({CommandName.SET_MODE, CommandName.RELEASE}),
        default_port=7000,
    )

    def __init__(self, context: AdapterContext) -> None:
        self._ctx = context
        self._conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    def _timeout_s(self) -> float:
        return self._ctx.device.poll.timeout_s * 0.75

    async def open(self) -> DeviceIdentity:
        hello = await self._connect()
        return DeviceIdentity(vendor=str(hello.get("vendor")), model=str(hello.get("model")),
                              firmware=str(hello.get("firmware")))

    async def _connect(self) -> dict[str, Any]:
        """A new connection, logged in; the device's hello answer."""
        await self.close()
        host, port = self._ctx.device.endpoint.host, self._ctx.port or 7000
        try:
            async with asyncio.timeout(self._timeout_s()):
                self._conn = await asyncio.open_connection(host, port)
        except TimeoutError:
            raise DeviceTimeout(f"no connection to {host}:{port}") from None
        except OSError as err:
            raise DeviceRefused(f"{host}:{port}: {err.strerror or err}") from err
        creds = self._ctx.device.credentials
        return await self._ask({"op": "hello", "username": creds.username if creds else None,
                                "password": creds.secret() if creds else None})

    async def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        if self._conn is None:  # dropped after an error: connect again, then ask
            await self._connect()
        assert self._conn is not None
        reader, writer = self._conn
        try:
            writer.write(json.dumps(request).encode() + b"\n")
            async with asyncio.timeout(self._timeout_s()):
                line = await reader.readline()
        except TimeoutError:
            await self.close()
            raise DeviceTimeout(f"no answer to {request['op']} within "
                                f"{self._timeout_s():.2f} s") from None
        except OSError as err:
            await self.close()
            raise DeviceRefused(f"connection lost: {err}") from err
        if not line:
            await self.close()
            raise DeviceRefused("the device closed the connection")
        try:
            answer = json.loads(line)
        except ValueError:
            await self.close()
            raise DecodeError(f"{request['op']}: not JSON: {line[:40]!r}") from None
        if not isinstance(answer, dict):
            raise DecodeError(f"{request['op']}: not an object")
        if answer.get("ok") is not True:
            if answer.get("error") == "auth":
                raise AuthFailed("the device refused the user name or password")
            raise ProtocolError(f"{request['op']}: {str(answer.get('error'))[:80]}")
        return answer

    async def read(self) -> Reading:
        answer = await self._ask({"op": "status"})
        received = datetime.now(UTC)
        try:
            phases = [PhaseState(number=int(p["number"]), vehicle=VehicleIndication(p["vehicle"]))
                      for p in answer["phases"]]
            mode = _MODES.get(str(answer["mode"]), ControlMode.UNKNOWN)
            device_time = datetime.fromtimestamp(float(answer["time"]), UTC)
            uptime_s = float(answer["uptime_s"])
        except (KeyError, TypeError, ValueError) as err:
            raise DecodeError(f"status: {type(err).__name__}: {err}") from None
        state = SignalControllerState(
            received_at=received, device_time=device_time, phases=phases,
            control=ControlState(mode=mode, source=ControlSource.LOCAL,
                                 native={"mode": str(answer["mode"])}))
        return Reading(state=state, uptime_s=uptime_s, device_time=device_time)

    async def execute(self, command: Command) -> CommandResult:
        answer = await self._ask({"op": "command", "name": command.name.value,
                                  "args": command.args})
        if answer.get("ok") is not True:
            raise CommandRejected(f"{command.name.value} refused")
        return CommandResult(f"{command.name.value} accepted")

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn[1].close()
