"""Live reload against simulated NTCIP controllers on 127.0.0.1: removed devices stop, added
ones start, changed ones restart, unchanged ones keep their task, connection, health and state;
a bad edit is refused with line-numbered errors and changes nothing."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from adapters.ntcip.adapter import NtcipAdapter
from gateway.adapters import AdapterCatalog
from gateway.config import load_config
from gateway.model import Event, EventType
from gateway.reload import GATEWAY_EVENT_DEVICE, diff_configs
from gateway.runner import start_api
from gateway.service import Gateway
from simulators.engine.fleet import demo_fleet
from simulators.ntcip.controller import SimulatedController
from tests.harness import device_entry, start_sims, wait_for

STANDARD = Path(__file__).resolve().parents[2] / "profiles/ntcip/standard.yaml"


def write_config(path: Path, tmp_path: Path, devices: list[dict[str, Any]]) -> None:
    path.write_text(yaml.safe_dump({
        "api": {"host": "127.0.0.1", "port": 0},
        "auth": {"anonymous_read": True},
        "store": {"path": str(tmp_path / "junction.db")},
        "profile_dirs": ["profiles"],
        "devices": devices}, sort_keys=False))


def entry(sim: SimulatedController, **extra: Any) -> dict[str, Any]:
    return device_entry(sim, interval_s=0.1, timeout_s=0.3, **extra)


@asynccontextmanager
async def running(path: Path, *, interval_s: float = 0.1
                  ) -> AsyncIterator[tuple[Gateway, list[Event]]]:
    catalog = AdapterCatalog.discover()
    gateway = Gateway(load_config(path, catalog), catalog, seed=1, config_path=path,
                      watch_interval_s=interval_s)
    await gateway.start()
    events: list[Event] = []
    gateway.bus.add_sink(events.append)
    try:
        yield gateway, events
    finally:
        await gateway.stop()


async def all_up(gateway: Gateway) -> None:
    await wait_for(lambda: all(rt.health.status.value == "up" for rt in gateway.registry),
                   what="every device up")


def config_events(events: list[Event]) -> list[Event]:
    return [e for e in events if e.device == GATEWAY_EVENT_DEVICE]


async def test_diff_names_added_removed_changed_and_restart_sections(tmp_path: Path) -> None:
    async with start_sims(demo_fleet()[:3]) as (a, b, c):
        path = tmp_path / "junction.yaml"
        write_config(path, tmp_path, [entry(a), entry(b)])
        old = load_config(path)
        raw = yaml.safe_load(path.read_text())
        raw["devices"] = [entry(a), entry(b, poll={"interval_s": 0.5, "timeout_s": 0.3}),
                          entry(c)]
        raw["api"]["port"] = 9999
        path.write_text(yaml.safe_dump(raw))
        diff = diff_configs(old, load_config(path))
    assert diff.added == (c.config.id,) and diff.changed == (b.config.id,)
    assert diff.unchanged == (a.config.id,) and diff.removed == ()
    assert diff.restart_required == ("api",)


async def test_device_list_edit_applies_without_disturbing_the_others(tmp_path: Path) -> None:
    async with start_sims(demo_fleet()[:3]) as (a, b, c):
        path = tmp_path / "junction.yaml"
        write_config(path, tmp_path, [entry(a), entry(b)])
        async with running(path) as (gw, events):
            await all_up(gw)
            keep = gw.registry.get(a.config.id)
            keep_task = gw.scheduler._tasks[a.config.id]
            gone = gw.registry.get(b.config.id)
            gone_task = gw.scheduler._tasks[b.config.id]
            seen_before = keep.health.health.last_seen
            assert f'device="{b.config.id}"' in gw.metrics.render().decode()

            write_config(path, tmp_path, [entry(a), entry(c)])
            await wait_for(lambda: config_events(events), what="config.reloaded")
            (event,) = config_events(events)
            assert event.type == EventType.CONFIG_RELOADED
            assert event.data["added"] == [c.config.id]
            assert event.data["removed"] == [b.config.id] and event.data["unchanged"] == 1

            assert gw.registry.get(a.config.id) is keep  # untouched: same runtime ...
            assert gw.scheduler._tasks[a.config.id] is keep_task and not keep_task.done()
            assert keep.health.status.value == "up" and keep.state is not None
            assert keep.health.health.consecutive_failures == 0
            assert gone_task.done() and b.config.id not in gw.registry
            assert gone.adapter._dev is None  # type: ignore[attr-defined]  # closed
            await all_up(gw)
            assert [rt.id for rt in gw.registry] == [a.config.id, c.config.id]
            metrics = gw.metrics.render().decode()
            assert f'device="{b.config.id}"' not in metrics
            assert f'device="{c.config.id}"' in metrics
            assert keep.health.health.last_seen > seen_before  # still polled
            assert [d.id for d in gw.config.devices] == [a.config.id, c.config.id]


async def test_bad_edit_is_rejected_with_lines_and_the_running_config_stays(
        tmp_path: Path) -> None:
    async with start_sims(demo_fleet()[:2]) as (a, b):
        path = tmp_path / "junction.yaml"
        write_config(path, tmp_path, [entry(a), entry(b)])
        good = path.read_text()
        async with running(path) as (gw, events):
            await all_up(gw)
            runtimes = list(gw.registry)
            bad = good.replace(f"port: {b.port}", "port: 70000").replace(
                "kind: signal_controller", "kind: lamp", 1)
            path.write_text(bad)
            await wait_for(lambda: config_events(events), what="config.rejected")
            (event,) = config_events(events)
            assert event.type == EventType.CONFIG_REJECTED
            errors = event.data["errors"]
            lines = bad.splitlines()
            port_line = next(i for i, t in enumerate(lines, 1) if "70000" in t)
            kind_line = next(i for i, t in enumerate(lines, 1) if "lamp" in t)
            assert any(e.startswith(f"{path}:{port_line}:") for e in errors), errors
            assert any(e.startswith(f"{path}:{kind_line}:") for e in errors), errors
            assert list(gw.registry) == runtimes
            assert gw.reloader is not None and gw.reloader.status.result == "rejected"
            runner, port = await start_api(gw, "127.0.0.1", 0)
            try:
                async with aiohttp.ClientSession() as http, \
                        http.get(f"http://127.0.0.1:{port}/api/v1/config/status") as resp:
                    status = await resp.json()
            finally:
                await runner.cleanup()
            assert status.get("result") == "rejected", status
            assert status["errors"] == errors
            await asyncio.sleep(0.3)  # the same bad file is not reported again and again
            assert len(config_events(events)) == 1
            assert all(rt.health.status.value == "up" for rt in gw.registry)

            path.write_text(good)  # fixing the edit applies (nothing to change)
            await wait_for(lambda: len(config_events(events)) == 2, what="reloaded")
            assert config_events(events)[-1].type == EventType.CONFIG_RELOADED
            assert list(gw.registry) == runtimes


async def test_profile_edit_restarts_only_its_devices(tmp_path: Path) -> None:
    site = tmp_path / "profiles/ntcip/site.yaml"
    site.parent.mkdir(parents=True)
    site.write_text(STANDARD.read_text())
    async with start_sims(demo_fleet()[:2]) as (a, b):
        path = tmp_path / "junction.yaml"
        write_config(path, tmp_path, [entry(a, profile="ntcip/site"), entry(b)])
        async with running(path) as (gw, events):
            await all_up(gw)
            old_a, old_b = gw.registry.get(a.config.id), gw.registry.get(b.config.id)
            site.write_text(STANDARD.read_text() + "  max_patterns: 8\n")
            await wait_for(lambda: config_events(events), what="config.reloaded")
            assert config_events(events)[0].data["changed"] == [a.config.id]
            new_a = gw.registry.get(a.config.id)
            assert new_a is not old_a and gw.registry.get(b.config.id) is old_b
            assert gw.loaded.options[a.config.id]["max_patterns"] == 8
            await wait_for(lambda: new_a.health.status.value == "up", what="restarted up")

            site.write_text(STANDARD.read_text() + "  max_patterns: many\n")
            await wait_for(lambda: len(config_events(events)) == 2, what="rejected")
            rejected = config_events(events)[-1]
            assert rejected.type == EventType.CONFIG_REJECTED
            assert any(e.startswith(f"{site}:") for e in rejected.data["errors"]), rejected
            assert gw.registry.get(a.config.id) is new_a


async def test_sighup_reloads_when_watching_is_off(tmp_path: Path) -> None:
    async with start_sims(demo_fleet()[:2]) as (a, b):
        path = tmp_path / "junction.yaml"
        write_config(path, tmp_path, [entry(a)])
        async with running(path, interval_s=0) as (gw, events):
            write_config(path, tmp_path, [entry(a), entry(b)])
            await asyncio.sleep(0.3)
            assert not config_events(events)  # no polling of mtimes
            os.kill(os.getpid(), signal.SIGHUP)
            await wait_for(lambda: config_events(events), what="reload on SIGHUP")
            assert b.config.id in gw.registry
            await all_up(gw)


async def test_an_adapter_installed_after_start_is_found_at_reload(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    late = type("LateNtcip", (NtcipAdapter,),
                {"info": dataclasses.replace(NtcipAdapter.info, name="ntcip_late")})
    installed = AdapterCatalog.discover
    async with start_sims(demo_fleet()[:2]) as (a, b):
        path = tmp_path / "junction.yaml"
        write_config(path, tmp_path, [entry(a)])
        async with running(path) as (gw, events):
            monkeypatch.setattr(AdapterCatalog, "discover", classmethod(
                lambda cls: AdapterCatalog({**dict(installed().items()), "ntcip_late": late})))
            write_config(path, tmp_path, [entry(a), entry(b, adapter="ntcip_late",
                                                          profile=None)])
            await wait_for(lambda: config_events(events), what="config.reloaded")
            assert config_events(events)[0].type == EventType.CONFIG_RELOADED
            assert type(gw.registry.get(b.config.id).adapter) is late
            await all_up(gw)
