"""The device registry: one `DeviceRuntime` per configured device, built from a loaded config.

A runtime holds what the gateway knows about a device while it runs: its adapter instance,
health machine, last state and diagnostics. Lookups are by id; iteration keeps config order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterator, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from gateway.adapters import AdapterCatalog
from gateway.config import LoadedConfig
from gateway.health.state import HealthMachine
from gateway.model import (
    CameraState,
    DeviceConfig,
    EventType,
    SignalControllerState,
    ViolationRecord,
)
from gateway.sdk.adapter import (
    Adapter,
    AdapterContext,
    AdapterInfo,
    DeviceIdentity,
    EvidenceUpload,
    SharedResources,
)
from gateway.sdk.diagnostics import Diagnostics
from gateway.sdk.errors import ConfigError, NotFound
from gateway.sdk.profile import Profile

__all__ = ["DeviceRuntime", "Registry", "DeviceEventSink"]

DeviceEventSink = Callable[[str, EventType, dict[str, Any], datetime | None], None]
DeviceViolationSink = Callable[[str, ViolationRecord, Sequence[EvidenceUpload]],
                               Coroutine[Any, Any, bool]]

log = logging.getLogger(__name__)


class DeviceRuntime:
    __slots__ = ("config", "profile", "adapter", "info", "health", "diagnostics", "state",
                 "identity", "is_open", "io_lock", "last_reason", "metric_labels")

    def __init__(self, config: DeviceConfig, profile: Profile | None, adapter: Adapter,
                 diagnostics: Diagnostics) -> None:
        self.config = config
        self.profile = profile
        self.adapter = adapter
        self.info: AdapterInfo = type(adapter).info
        self.health = HealthMachine(failures_to_down=config.poll.failures_to_down,
                                    successes_to_up=config.poll.successes_to_up)
        self.diagnostics = diagnostics
        self.state: SignalControllerState | CameraState | None = None
        self.identity = DeviceIdentity()
        self.is_open = False
        # One conversation with the device at a time: a poll's re-assert SET must never land
        # between a command's SET and its read-back.
        self.io_lock = asyncio.Lock()
        self.last_reason = "ok"  # last poll outcome, to log an adapter bug once, not per poll
        self.metric_labels: tuple[str, str, str] | None = None  # rendered by gateway.metrics

    @property
    def id(self) -> str:
        return self.config.id

    @property
    def vendor(self) -> str:
        p = self.profile
        return self.config.vendor or (p.vendor if p else None) or self.identity.vendor or "unknown"

    @property
    def model(self) -> str:
        p = self.profile
        return self.config.model or (p.model if p else None) or self.identity.model or "unknown"

    def set_identity(self, identity: DeviceIdentity) -> None:
        self.identity = identity
        self.metric_labels = None


class Registry:
    __slots__ = ("_devices", "shared", "_catalog", "_emit", "_ingest")

    def __init__(self, loaded: LoadedConfig, catalog: AdapterCatalog,
                 emit: DeviceEventSink | None = None,
                 ingest: DeviceViolationSink | None = None) -> None:
        self._devices: dict[str, DeviceRuntime] = {}
        self.shared: dict[str, SharedResources] = {}
        self._catalog = catalog
        self._emit = emit
        self._ingest = ingest
        for device in loaded.config.devices:
            self._devices[device.id] = self.build(device, loaded)

    def build(self, device: DeviceConfig, loaded: LoadedConfig,
              catalog: AdapterCatalog | None = None) -> DeviceRuntime:
        """A runtime for one device of `loaded` (not added: see `add`). Raises ConfigError for
        an adapter the catalog lacks."""
        adapter_cls = (catalog or self._catalog).get(device.adapter)
        if adapter_cls is None:
            raise ConfigError(f"device {device.id}: unknown adapter {device.adapter!r}")
        profile = loaded.profiles.get(device.profile) if device.profile else None
        shared = self.shared.setdefault(device.adapter, SharedResources())
        diagnostics = Diagnostics()
        context = AdapterContext(device=device, profile=profile,
                                 options=loaded.options.get(device.id, {}),
                                 diagnostics=diagnostics, shared=shared)
        if self._emit is not None:
            context.emit = partial(self._emit, device.id)
        if self._ingest is not None:
            context.ingest = partial(self._ingest, device.id)
        return DeviceRuntime(device, profile, adapter_cls(context), diagnostics)

    def add(self, rt: DeviceRuntime) -> None:
        """Register a built runtime (live reload). Raises ValueError if the id is taken."""
        if rt.id in self._devices:
            raise ValueError(f"device {rt.id!r} is already registered; remove it first")
        self._devices[rt.id] = rt

    def remove(self, device_id: str) -> DeviceRuntime:
        """Unregister a device (live reload); the caller stops its tasks and closes its adapter.
        Raises NotFound."""
        try:
            return self._devices.pop(device_id)
        except KeyError:
            raise NotFound(f"no device {device_id!r}") from None

    def reorder(self, device_ids: Sequence[str]) -> None:
        """Iterate in this order (the config's, after a reload); unknown ids are ignored."""
        ordered = {i: self._devices[i] for i in device_ids if i in self._devices}
        ordered.update(self._devices)
        self._devices = ordered

    def __iter__(self) -> Iterator[DeviceRuntime]:
        return iter(self._devices.values())

    def __len__(self) -> int:
        return len(self._devices)

    def __contains__(self, device_id: object) -> bool:
        return device_id in self._devices

    def get(self, device_id: str) -> DeviceRuntime:
        try:
            return self._devices[device_id]
        except KeyError:
            raise NotFound(f"no device {device_id!r}") from None

    async def close(self) -> None:
        for rt in self._devices.values():
            try:
                await rt.adapter.close()
            except Exception:  # closing one adapter must not leak the others
                log.exception("device=%s event=close_failed", rt.id)
        for shared in self.shared.values():
            await shared.close()
