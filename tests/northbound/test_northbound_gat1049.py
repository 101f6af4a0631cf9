"""The GA/T 1049 server, driven by a platform client written from the message layout
(tests/northbound/gat_client.py, no code shared with the server), against REST /state and the
simulated controller."""

from __future__ import annotations

import asyncio
import contextlib
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from tests.harness import device_entry, run_gateway, start_sims, wait_for
from tests.northbound.conftest import (
    GAT_OPERATOR,
    GAT_VIEWER,
    coordinated,
    northbound,
    northbound_config,
)
from tests.northbound.gat_client import GatClient, error_type, message, objects, text

# REST vehicle indication -> LampStatus R,Y,G (0 none / 1 off / 2 on / 3 flash), reference §6.1
LAMPS = {"dark": "111", "red": "211", "yellow": "121", "green": "112", "red_flash": "311",
         "yellow_flash": "131", "green_flash": "113", "red_yellow": "221"}
CONTROL_MODES = {"00", "01", "11", "12", "13", "21", "22", "23", "31", "32", "33", "41", "51",
                 "52", "53"}


async def up(h: Any, device: str) -> None:
    async def ok() -> bool:
        _, body = await h.get(f"/api/v1/devices/{device}")
        return body["health"]["status"] == "up"
    await wait_for(ok, what=f"{device} up")


@contextlib.asynccontextmanager
async def heartbeats(client: GatClient, every_s: float) -> AsyncIterator[None]:
    """Keep the link alive with one-way (PUSH) heartbeats, as some platforms send them."""
    async def beat() -> None:
        while True:
            await client.send(message("Notify", "<SDO_HeartBeat/>", token=client.token,
                                      kind="PUSH"))
            await asyncio.sleep(every_s)
    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await task


def lamps(item: ET.Element) -> dict[int, str]:
    return {int(text(g, "SignalGroupNo")): text(g, "LampStatus")
            for g in item.findall("SignalGroupStatusList/SignalGroupStatus")}


async def test_login_subscribe_push_get_and_set(tmp_path: Path) -> None:
    config = coordinated()
    other = next(p.number for p in config.patterns if p.number != config.local_pattern)
    async with start_sims([config]) as (sim,), \
            run_gateway([device_entry(sim)], tmp_path) as h, northbound(h.gateway) as nb:
        await up(h, config.id)
        assert nb.gat1049_address is not None
        client = await GatClient.connect(nb.gat1049_address)
        answer = await client.login(*GAT_OPERATOR)
        assert text(answer, "Type") == "RESPONSE" and len(client.token) >= 16
        async with heartbeats(client, 0.5):
            answer = await client.heartbeat()
            assert text(answer, "Type") == "RESPONSE"
            assert [o.tag for o in objects(answer)] == ["SDO_HeartBeat"]

            answer = await client.get("SysInfo")
            (info,) = objects(answer)
            assert [c.text for c in info.findall("CrossIDList/CrossID")] == [config.id]
            answer = await client.get("CrossState", config.id)
            assert text(objects(answer)[0], "Value") == "Online"
            answer = await client.get("SignalController")
            assert text(objects(answer)[0], "CrossIDList/CrossID") == config.id
            answer = await client.get("CrossParam", config.id)
            assert len(objects(answer)[0].findall("SignalGroupNoList/SignalGroupNo")) == 8

            for name in ("CrossSignalGroupStatus", "CrossModePlan", "CrossStage", "CrossCycle"):
                answer = await client.subscribe(name)
                assert text(answer, "Type") == "RESPONSE", ET.tostring(answer)
            first = await client.next_push("CrossSignalGroupStatus")
            while lamps(await client.next_push("CrossSignalGroupStatus")) == lamps(first):
                pass  # a push on change, not only the snapshot after Subscribe
            stage = await client.next_push("CrossStage", timeout_s=20)
            assert int(text(stage, "CurStageNo")) > 0
            cycle = await client.next_push("CrossCycle")
            assert int(text(cycle, "LastCycleLen")) > 0

            # Set a plan: the controller runs it and the change is pushed
            answer = await client.set_mode_plan(config.id, "53", other)
            assert text(answer, "Type") == "RESPONSE", ET.tostring(answer)
            await wait_for(lambda: sim.engine.coord_pattern_status == other, timeout_s=15,
                           what=f"controller runs pattern {other}")
            while True:
                plan = await client.next_push("CrossModePlan", timeout_s=15)
                if text(plan, "PlanNo") == str(other):
                    break
            assert text(plan, "ControlMode") == "53"  # plan lock: held by the center

            # the last pushed lamp status is the REST state, once the cache stops changing
            await h.gateway.scheduler.stop()
            await asyncio.sleep(0.3)
            pushed = client.drain("CrossSignalGroupStatus")
            last = pushed[-1] if pushed else None
            _, state = await h.get(f"/api/v1/devices/{config.id}/state")
            expected = {p["number"]: LAMPS[p["vehicle"]] for p in state["phases"]}
            if last is not None:
                assert lamps(last) == expected
            answer = await client.get("CrossSignalGroupStatus", config.id)
            assert lamps(objects(answer)[0]) == expected
            answer = await client.get("CrossModePlan", config.id)
            (mode_plan,) = objects(answer)
            assert text(mode_plan, "PlanNo") == str(state["control"]["pattern"]) == str(other)
            assert text(mode_plan, "ControlMode") in CONTROL_MODES
            await client.close()

        _, audit = await h.get("/api/v1/audit", headers=h.op())
        assert [(a["command"], a["args"], a["outcome"], a["actor"]) for a in audit["items"]] == \
            [("set_pattern", {"pattern": other}, "accepted", GAT_OPERATOR[0])]
        _, metrics = await h.get("/metrics")
        for line in ('junction_northbound_requests_total{kind="set",protocol="gat1049"} 1.0',
                     'junction_northbound_requests_total{kind="login",protocol="gat1049"} 1.0',
                     "junction_northbound_sessions{protocol=\"gat1049\"}"):
            assert line in metrics, line


async def test_bad_clients_get_errors_and_never_disturb_a_good_session(tmp_path: Path) -> None:
    config = coordinated()
    nb_config = northbound_config(heartbeat_s=1.0, max_frame_chars=5_000)
    async with start_sims([config]) as (sim,), \
            run_gateway([device_entry(sim)], tmp_path) as h, \
            northbound(h.gateway, nb_config) as nb:
        await up(h, config.id)
        assert nb.gat1049_address is not None
        good = await GatClient.connect(nb.gat1049_address)
        await good.login(*GAT_OPERATOR)
        async with heartbeats(good, 0.3):
            await good.subscribe("CrossSignalGroupStatus")
            await good.next_push("CrossSignalGroupStatus")
            bad = await GatClient.connect(nb.gat1049_address)
            async with heartbeats(bad, 0.3):
                await bad.send(b"<Message><Version>2.0</Version><Body>\r\n")
                assert error_type(await bad.answer()) == "SDE_Unknown"
                await bad.send(b"<Message>" + b"x" * 20_000 + b"</Message>\r\n")
                assert error_type(await bad.answer()) == "SDE_Failure"  # oversized
                assert error_type(await bad.get("CrossState", config.id)) == "SDE_Token"
                assert error_type(await bad.login(GAT_OPERATOR[0], "wrong")) == "SDE_Pwd"
                assert error_type(await bad.login("nobody", "x")) == "SDE_UserName"
                entity = b'<!DOCTYPE m [<!ENTITY x "y">]><Message>&x;</Message>\r\n'
                await bad.send(entity)
                assert error_type(await bad.answer()) == "SDE_Unknown"
                await bad.send(message("Get", "<TSCCmd><ObjName>CrossState</ObjName></TSCCmd>")
                               .replace(b"<Version>2.0</Version>", b"<Version>two</Version>"))
                assert error_type(await bad.answer()) == "SDE_Version"
                # the same session recovers: log in, then unknown objects and operations
                await bad.login(*GAT_OPERATOR)
                assert error_type(await bad.get("NoSuchObject")) == "SDE_Failure"
                assert error_type(await bad.get("CrossState", "no-such-cross")) == "SDE_Failure"
                assert error_type(await bad.subscribe("SysInfo")) == "SDE_Failure"
                assert error_type(await bad.request("Fly", "<Plane/>")) == "SDE_OperName"
                assert error_type(await bad.set_mode_plan(config.id, "41", 1)) == "SDE_NotAllow"
                assert error_type(await bad.set_mode_plan(config.id, "53", 9)) == "SDE_Failure"
                assert text(await bad.get("CrossState", config.id), "Type") == "RESPONSE"

            # a client that only sends garbage is disconnected; one that never reads is dropped
            noisy = await GatClient.connect(nb.gat1049_address)
            for _ in range(12):
                await noisy.send(b"not xml at all\r\n")
            await asyncio.wait_for(noisy.closed.wait(), 5)
            silent_reader, silent_writer = await asyncio.open_connection(*nb.gat1049_address)
            silent_writer.write(b"\x00\xff" * 10 + b"\r\n")

            # the good session saw pushes all along and still answers
            await good.next_push("CrossSignalGroupStatus")
            answer = await good.get("CrossModePlan", config.id)
            assert text(answer, "Type") == "RESPONSE"
            assert not good.closed.is_set()
            silent_writer.close()
            await bad.close()
            await noisy.close()
            await good.close()
        _, metrics = await h.get("/metrics")
        for reason in ("malformed_xml", "oversized_frame", "bad_token", "unknown_object",
                       "login_failed", "command_failed"):
            assert f'junction_northbound_errors_total{{protocol="gat1049",reason="{reason}"}}' \
                in metrics, reason


async def test_three_missed_heartbeats_close_the_link(tmp_path: Path) -> None:
    config = coordinated()
    async with start_sims([config]) as (sim,), \
            run_gateway([device_entry(sim)], tmp_path) as h, \
            northbound(h.gateway, northbound_config(heartbeat_s=0.3)) as nb:
        assert nb.gat1049_address is not None
        quiet = await GatClient.connect(nb.gat1049_address)
        alive = await GatClient.connect(nb.gat1049_address)
        await quiet.login(*GAT_OPERATOR)
        await alive.login(*GAT_OPERATOR)
        async with heartbeats(alive, 0.15):
            await asyncio.wait_for(quiet.closed.wait(), 3)  # 3 x 0.3 s of silence
            await asyncio.sleep(1.5)
            assert not alive.closed.is_set()
            assert text(await alive.heartbeat(), "Type") == "RESPONSE"
            await alive.next_push("SDO_HeartBeat", timeout_s=2)  # the server beats too
        await quiet.close()
        await alive.close()
        _, metrics = await h.get("/metrics")
        assert 'reason="heartbeat_timeout"' in metrics


async def test_viewers_cannot_set_and_the_refusal_is_audited(tmp_path: Path) -> None:
    config = coordinated()
    async with start_sims([config]) as (sim,), \
            run_gateway([device_entry(sim)], tmp_path) as h, northbound(h.gateway) as nb:
        await up(h, config.id)
        assert nb.gat1049_address is not None
        viewer = await GatClient.connect(nb.gat1049_address)
        await viewer.login(*GAT_VIEWER)
        assert error_type(await viewer.set_mode_plan(config.id, "13", 0)) == "SDE_NotAllow"
        assert text(await viewer.get("CrossModePlan", config.id), "Type") == "RESPONSE"
        await viewer.close()
        assert sim.engine.unit_flash_status == 2  # not flashing
        _, audit = await h.get("/api/v1/audit", headers=h.op())
        assert [(a["command"], a["outcome"]) for a in audit["items"]] == \
            [("set_mode", "forbidden")]
