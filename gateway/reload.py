"""Live reload: an edited device list or profile applies without a restart, or not at all.

A traffic center adds a controller or fixes a register map while the gateway keeps polling the
other few hundred devices. The config file and every profile file it uses are watched (mtime
and size, polled every second; SIGHUP forces a check). A change is validated exactly as
`junction check-config` would; a bad edit is refused whole, with every line-numbered error
logged and published as a `config.rejected` event, and the running config stays in force. A
good one is applied as a diff: removed devices stop (tasks cancelled, adapter closed, metric
series gone), added devices start, changed devices (entry, profile or merged options) restart,
and unchanged devices are not touched: same task, same adapter connection, same health and
state. Sections that need a restart (api, auth, store, scheduler, northbound) are reported in
the `config.reloaded` event, never half-applied.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gateway.adapters import AdapterCatalog
from gateway.config import LoadedConfig, load_config
from gateway.model import Event, EventType
from gateway.profiles import BUILTIN_PROFILE_DIR
from gateway.registry import DeviceRuntime
from gateway.yamlsource import YamlFileError

if TYPE_CHECKING:
    from gateway.service import Gateway

__all__ = ["GATEWAY_EVENT_DEVICE", "ConfigDiff", "ConfigReloader", "diff_configs",
           "watched_files"]

log = logging.getLogger(__name__)

# The `device` of gateway-level events: not a valid device id (ids start with [a-z0-9]).
GATEWAY_EVENT_DEVICE = "_gateway"
RESTART_SECTIONS = ("api", "auth", "store", "scheduler", "northbound")
CLOSE_TIMEOUT_S = 10.0
Signature = tuple[int, int] | None  # (mtime_ns, size), None: the file is missing


@dataclass(slots=True, frozen=True)
class ConfigDiff:
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    restart_required: tuple[str, ...] = ()  # top-level sections edited; applied at restart

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def summary(self) -> dict[str, Any]:
        return {"added": list(self.added), "removed": list(self.removed),
                "changed": list(self.changed), "unchanged": len(self.unchanged),
                "restart_required": list(self.restart_required)}


def diff_configs(old: LoadedConfig, new: LoadedConfig) -> ConfigDiff:
    """What a reload from `old` to `new` must do, device by device, in `new`'s order. A device
    is changed if its entry, its profile or its merged options differ."""
    before = {d.id: d for d in old.config.devices}
    added: list[str] = []
    changed: list[str] = []
    unchanged: list[str] = []
    for device in new.config.devices:
        previous = before.get(device.id)
        if previous is None:
            added.append(device.id)
        elif (previous != device
              or _profile(old, previous.profile) != _profile(new, device.profile)
              or old.options.get(device.id) != new.options.get(device.id)):
            changed.append(device.id)
        else:
            unchanged.append(device.id)
    kept = {d.id for d in new.config.devices}
    removed = [d for d in before if d not in kept]
    restart = [s for s in RESTART_SECTIONS
               if getattr(old.config, s) != getattr(new.config, s)]
    return ConfigDiff(tuple(added), tuple(removed), tuple(changed), tuple(unchanged),
                      tuple(restart))


def _profile(loaded: LoadedConfig, profile_id: str | None) -> object:
    return loaded.profiles.get(profile_id) if profile_id is not None else None


def watched_files(path: Path, loaded: LoadedConfig) -> list[Path]:
    """The config file and the profile files its devices use (as the profile library finds
    them: the config's profile_dirs first, then the built-in profiles/)."""
    base = path.resolve().parent
    dirs = [base / d for d in loaded.config.profile_dirs] + [BUILTIN_PROFILE_DIR]
    files = [path]
    for profile_id in sorted(loaded.profiles):
        candidates = [d / f"{profile_id}.yaml" for d in dirs]
        found = next((c for c in candidates if c.is_file()), None)
        # Watch the first candidate too: a profile added to profile_dirs shadows the built-in.
        files.extend(dict.fromkeys(c for c in (candidates[0], found) if c is not None))
    return files


def _signatures(files: list[Path]) -> dict[Path, Signature]:
    out: dict[Path, Signature] = {}
    for file in files:
        try:
            st = file.stat()
        except OSError:
            out[file] = None
        else:
            out[file] = (st.st_mtime_ns, st.st_size)
    return out


@dataclass(slots=True)
class ReloadStatus:
    """The last reload's outcome (for logs, tests and a future /api/v1/config/status)."""

    file: str
    generation: int = 0  # configs applied since start
    result: str | None = None  # "reloaded" | "rejected"
    at: datetime | None = None
    errors: list[str] = field(default_factory=list)
    changes: dict[str, Any] = field(default_factory=dict)


class ConfigReloader:
    """Watches one config file for a running `Gateway` and applies edits to it."""

    __slots__ = ("_gateway", "_path", "_interval_s", "_task", "_lock", "_seen", "_files",
                 "_discover", "_has_signal", "_requested", "status")

    def __init__(self, gateway: Gateway, path: Path | str, *, interval_s: float = 1.0,
                 discover: Callable[[], AdapterCatalog] | None = None) -> None:
        """interval_s: seconds between mtime checks (0: only on SIGHUP or `reload()`);
        discover: where newly installed adapters are found at each reload (default:
        AdapterCatalog.discover, looked up at each reload)."""
        self._gateway = gateway
        self._path = Path(path)
        self._interval_s = interval_s
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._files = watched_files(self._path, gateway.loaded)
        self._seen = _signatures(self._files)
        self._discover = discover
        self._has_signal = False
        self._requested: set[asyncio.Task[bool]] = set()  # reloads asked for by SIGHUP
        self.status = ReloadStatus(str(self._path))

    def start(self) -> None:
        if self._task is not None:
            raise RuntimeError("ConfigReloader.start() called twice; call stop() first")
        self._seen = _signatures(self._files)
        if self._interval_s > 0:
            self._task = asyncio.create_task(self._watch(), name="config-watch")
        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._on_sighup)
            self._has_signal = True
        except (NotImplementedError, RuntimeError, ValueError, AttributeError):
            log.info("event=config_watch sighup=unavailable")  # not the main thread, Windows

    async def stop(self) -> None:
        if self._has_signal:
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
            self._has_signal = False
        tasks: list[asyncio.Task[Any]] = [*self._requested]
        if self._task is not None:
            tasks.append(self._task)
        self._task = None
        self._requested.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with suppress(asyncio.CancelledError):
                await task

    def _on_sighup(self) -> None:
        log.info("event=config_reload_requested by=SIGHUP")
        task = asyncio.get_running_loop().create_task(self.reload(), name="config-reload:SIGHUP")
        self._requested.add(task)
        task.add_done_callback(self._requested.discard)

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            try:
                current = await asyncio.to_thread(_signatures, self._files)
                if current != self._seen:
                    await asyncio.sleep(0.1)  # let an editor finish writing
                    await self.reload()
            except Exception:  # the watcher must outlive any one bad reload
                log.exception("event=config_watch_error")

    async def reload(self) -> bool:
        """Validate the file and apply it; True if applied. Never raises for a bad file."""
        async with self._lock:
            signatures = await asyncio.to_thread(_signatures, self._files)
            catalog = await asyncio.to_thread(self._catalog)
            try:
                loaded = await asyncio.to_thread(load_config, self._path, catalog)
            except YamlFileError as err:
                self._seen = signatures  # do not re-report the same bad edit every second
                self._reject([str(e) for e in err.errors])
                return False
            diff = diff_configs(self._gateway.loaded, loaded)
            await self._apply(loaded, catalog, diff)
            self._files = watched_files(self._path, loaded)
            now = await asyncio.to_thread(_signatures, self._files)
            # What was read, not what is there now: an edit made meanwhile reloads again.
            self._seen = {f: signatures.get(f, now[f]) for f in self._files}
            self._accept(diff)
            return True

    def _catalog(self) -> AdapterCatalog:
        """The running catalog plus anything installed since (a third-party adapter)."""
        fresh = self._discover() if self._discover else AdapterCatalog.discover()
        merged = {**dict(self._gateway.catalog.items()), **dict(fresh.items())}
        return AdapterCatalog(merged, fresh.broken)

    async def _apply(self, loaded: LoadedConfig, catalog: AdapterCatalog,
                     diff: ConfigDiff) -> None:
        gw = self._gateway
        for device_id in (*diff.removed, *diff.changed):
            await self._stop_device(gw.registry.remove(device_id))
        by_id = {d.id: d for d in loaded.config.devices}
        for device_id in (*diff.changed, *diff.added):
            rt = gw.registry.build(by_id[device_id], loaded, catalog)
            gw.registry.add(rt)
            if gw.is_polling:
                gw.scheduler.start_device(rt)
        gw.registry.reorder([d.id for d in loaded.config.devices])
        # Sections that need a restart keep their running values; devices and profiles apply.
        gw.loaded = LoadedConfig(
            gw.config.model_copy(update={"devices": loaded.config.devices,
                                         "profile_dirs": loaded.config.profile_dirs}),
            loaded.profiles, loaded.options)
        gw.config = gw.loaded.config
        gw.catalog = catalog

    async def _stop_device(self, rt: DeviceRuntime) -> None:
        gw = self._gateway
        await gw.scheduler.stop_device(rt.id)
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT_S):
                async with rt.io_lock:  # a command in progress finishes first (it is bounded)
                    await rt.adapter.close()
        except TimeoutError:
            log.warning("device=%s event=close_timeout after_s=%s", rt.id, CLOSE_TIMEOUT_S)
        except Exception:  # one adapter's close must not stop the reload
            log.exception("device=%s event=close_failed", rt.id)
        with suppress(KeyError):
            gw.metrics.violations.remove(rt.id)

    def _accept(self, diff: ConfigDiff) -> None:
        self.status.generation += 1
        self.status.result, self.status.at = "reloaded", datetime.now(UTC)
        self.status.errors, self.status.changes = [], diff.summary()
        log.info("event=config_reloaded file=%s added=%s removed=%s changed=%s unchanged=%d%s",
                 self._path, ",".join(diff.added) or "-", ",".join(diff.removed) or "-",
                 ",".join(diff.changed) or "-", len(diff.unchanged),
                 f" restart_required={','.join(diff.restart_required)}"
                 if diff.restart_required else "")
        self._publish(EventType.CONFIG_RELOADED, {"file": str(self._path), **diff.summary()})

    def _reject(self, errors: list[str]) -> None:
        self.status.result, self.status.at = "rejected", datetime.now(UTC)
        self.status.errors, self.status.changes = errors, {}
        log.warning("event=config_rejected file=%s errors=%d (the running config stays in "
                    "force)", self._path, len(errors))
        for error in errors:
            log.warning("event=config_error %s", error)
        self._publish(EventType.CONFIG_REJECTED, {"file": str(self._path), "errors": errors})

    def _publish(self, type: EventType, data: dict[str, Any]) -> None:
        self._gateway.bus.publish([Event(type=type, device=GATEWAY_EVENT_DEVICE,
                                         time=datetime.now(UTC), data=data)])
