"""The adapter SDK: what a protocol or vendor package implements, and what it is given.

Like EdgeX's ProtocolDriver, the core contract is small: `open`, `read`, `close`. Commands are a
separate protocol (`CommandAdapter`); an adapter that lacks it answers 501 through the API
without any code of its own. Adapters are found through the `junction.adapters` entry-point
group, so a third party can `pip install` one; the gateway never imports an adapter by name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel

from gateway.model import (
    CameraState,
    Command,
    CommandName,
    DeviceConfig,
    DeviceKind,
    EventType,
    SignalControllerState,
    ViolationRecord,
)
from gateway.sdk.diagnostics import Diagnostics
from gateway.sdk.errors import Unsupported
from gateway.sdk.profile import Profile

__all__ = [
    "Capability", "AdapterInfo", "DeviceIdentity", "Reading", "CommandResult", "Snapshot",
    "EventSink", "SharedResources", "AdapterContext", "Adapter", "CommandAdapter",
    "EventAdapter", "SnapshotAdapter", "EvidenceUpload", "ViolationSink",
]

T = TypeVar("T")


class Capability(StrEnum):
    READ_STATE = "read_state"
    COMMANDS = "commands"
    EVENTS = "events"
    SNAPSHOT = "snapshot"
    DISCOVERY = "discovery"


@dataclass(slots=True, frozen=True)
class AdapterInfo:
    """Identity as data, printed by `junction adapters` (cf. a Home Assistant manifest)."""

    name: str
    title: str
    protocols: tuple[str, ...]
    kinds: tuple[DeviceKind, ...]
    capabilities: frozenset[Capability]
    commands: frozenset[CommandName] = frozenset()
    default_port: int | None = None
    options_model: type[BaseModel] | None = None
    # Cross-checks between a device's settings and its validated options, run at config load;
    # each returned string is reported as an error at the device's entry.
    check_device: Callable[[DeviceConfig, BaseModel], list[str]] | None = None


@dataclass(slots=True, frozen=True)
class DeviceIdentity:
    vendor: str | None = None
    model: str | None = None
    firmware: str | None = None
    serial: str | None = None


@dataclass(slots=True, frozen=True)
class Reading:
    """One poll's result. `problems` lists what the device failed to give (partial data):
    the device is then `degraded` with `problem_reason`, not down."""

    state: SignalControllerState | CameraState
    uptime_s: float | None = None
    device_time: datetime | None = None
    problems: tuple[str, ...] = ()
    problem_reason: str = "protocol_error"
    level: str | None = None  # how far the device got, e.g. camera "authenticated"


@dataclass(slots=True, frozen=True)
class Snapshot:
    content: bytes
    content_type: str


class EventSink(Protocol):
    def __call__(self, type: EventType, data: dict[str, Any],
                 time: datetime | None = None) -> None:
        """Hand one canonical event (camera.motion ...) to the gateway; never blocks."""
        ...


def _discard(type: EventType, data: dict[str, Any], time: datetime | None = None) -> None:
    """The sink of an adapter built outside a gateway (tests of one adapter)."""


@dataclass(slots=True, frozen=True)
class EvidenceUpload:
    role: str  # "overview", "plate", "scene" ...
    content: bytes
    content_type: str


class ViolationSink(Protocol):
    async def __call__(self, record: ViolationRecord,
                       images: Sequence[EvidenceUpload]) -> bool:
        """Store a record and its images durably; return only once committed (then the device
        may be acknowledged). The gateway sets `device`, `images` and the deterministic `id`
        (device + `record.raw_id`); True if new, False if a retry of a stored record. Raises
        InvalidArguments for a record or image it will not store (nothing is stored)."""
        ...


async def _refuse(record: ViolationRecord, images: Sequence[EvidenceUpload]) -> bool:
    raise Unsupported("this gateway does not store violation records")


@dataclass(slots=True, frozen=True)
class CommandResult:
    message: str
    detail: dict[str, Any] = field(default_factory=dict)


class SharedResources:
    """Resources shared by every device of one adapter (one SNMP socket pool for all
    controllers, say). Created on first use, closed by the gateway at shutdown."""

    __slots__ = ("_items", "_closers")

    def __init__(self) -> None:
        self._items: dict[str, object] = {}
        self._closers: list[Callable[[], Awaitable[None]]] = []

    async def get(
        self,
        key: str,
        factory: Callable[[], Awaitable[T]],
        close: Callable[[T], Awaitable[None]],
    ) -> T:
        if key not in self._items:
            item = await factory()
            if key in self._items:  # created concurrently while we awaited
                await close(item)
            else:
                self._items[key] = item
                self._closers.append(lambda: close(item))
        return self._items[key]  # type: ignore[return-value]

    async def close(self) -> None:
        closers, self._closers = self._closers, []
        self._items.clear()
        for closer in reversed(closers):
            await closer()


@dataclass(slots=True)
class AdapterContext:
    """Everything an adapter instance gets: its device, profile, merged options, tools."""

    device: DeviceConfig
    profile: Profile | None
    options: dict[str, Any]
    diagnostics: Diagnostics
    shared: SharedResources
    emit: EventSink = _discard
    ingest: ViolationSink = _refuse

    @property
    def port(self) -> int | None:
        if self.device.endpoint.port is not None:
            return self.device.endpoint.port
        return self.profile.port if self.profile is not None else None


@runtime_checkable
class Adapter(Protocol):
    info: ClassVar[AdapterInfo]

    def __init__(self, context: AdapterContext) -> None: ...

    async def open(self) -> DeviceIdentity:
        """Reach the device and read what does not change often. Raises JunctionError."""
        ...

    async def read(self) -> Reading:
        """One poll, under the scheduler's deadline. Raises JunctionError."""
        ...

    async def close(self) -> None: ...


@runtime_checkable
class EventAdapter(Adapter, Protocol):
    async def stream_events(self) -> None:
        """Receive the device's own events (pull-point, alert stream, traps) and hand each to
        `context.emit`, for as long as it can. The gateway starts it after a successful
        `open()`, and restarts it with jittered backoff when it returns or raises."""
        ...


@runtime_checkable
class SnapshotAdapter(Adapter, Protocol):
    async def snapshot(self, max_bytes: int) -> Snapshot:
        """One still image. Raises DecodeError if the device sends more than `max_bytes` or
        something that is not an image."""
        ...


@runtime_checkable
class CommandAdapter(Adapter, Protocol):
    async def execute(self, command: Command) -> CommandResult:
        """Carry out a validated command. Raises InvalidArguments (422) for arguments the
        device cannot take (an unknown pattern), CommandRejected (409) when the device refuses
        or does not do it, and the transport errors otherwise."""
        ...
