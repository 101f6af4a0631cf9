"""Hikvision ITC over real sockets: the simulator pushes (and streams) to a real gateway; every
acknowledged violation is stored once with byte-exact images, violations exist only on red,
retries deduplicate, and malformed pushes get a clear 4xx with nothing stored."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from simulators.camera.jpeg import evidence_jpeg
from simulators.enforcement import hik_payload as P
from simulators.enforcement.hik_camera import HikvisionItcSim, ItcConfig
from simulators.enforcement.hik_push import PushJob
from simulators.enforcement.traffic import Crossing, Lane
from tests.adapters.enforcement.enf_harness import (
    all_violations,
    free_port,
    hik_device,
    image_sha256s,
)
from tests.adapters.enforcement.enf_sims import CONTROLLER, all_phase_lanes, check_signals
from tests.harness import Harness, run_gateway, wait_for


def crossing(n: int, *, violation: bool = True, lane: int = 2) -> Crossing:
    return Crossing(seq=n, uuid=f"00000000-0000-4000-8000-{n:012d}", time=1_773_447_326.0 + n,
                    lane=lane, phase=lane, direction="approach",
                    signal="red" if violation else "green", plate=f"苏A{n:05d}",
                    plate_color="blue", plate_type="02", vehicle_type="car", vehicle_gat="K33",
                    speed_kmh=40, speed_limit_kmh=50,
                    violation_code="1625" if violation else None)


async def evidence_ok(h: Harness, sim: HikvisionItcSim) -> list[dict[str, Any]]:
    """Every acked violation stored exactly once, images byte-exact; returns the records."""
    assert sim.pusher is not None
    items = await all_violations(h.http, h.base)
    by_raw: dict[str, dict[str, Any]] = {}
    for item in items:
        assert item["raw_id"] not in by_raw, f"duplicate {item['raw_id']}"
        by_raw[item["raw_id"]] = item
    acked = [j for j in sim.pusher.acked.values() if j.crossing.is_violation]
    for job in acked:
        item = by_raw[job.crossing.uuid]
        assert [i["sha256"] for i in item["images"]] == list(job.image_sha256)
        assert await image_sha256s(h.http, h.base, item) == list(job.image_sha256)
        assert item["signal_state"] == "red" and item["violation"]["code"] == "1625"
    return items


async def test_push_end_to_end_red_only(tmp_path: Path) -> None:
    listen = free_port()
    sim = HikvisionItcSim(ItcConfig(id="ITC-0001", controller=CONTROLLER, seed=4,
                                    lanes=all_phase_lanes(4.0, run_red_p=0.5),
                                    push_url=f"http://127.0.0.1:{listen}/ISAPI/alarm"))
    await sim.start()
    try:
        device = hik_device("itc-main-1st", listen_port=listen, isapi_port=sim.port,
                            device_id="ITC-0001", site={"intersection_id": "int-0001"})
        async with run_gateway([device], tmp_path) as h:
            await asyncio.sleep(2.5)
            sim.generating = False
            assert sim.pusher is not None and await sim.pusher.drain(10)
            assert not sim.pusher.refused
            items = await evidence_ok(h, sim)
            violations = [c for c in sim.crossings if c.is_violation]
            reads = [c for c in sim.crossings if not c.is_violation]
            assert len(items) == len(violations) > 5 and reads
            assert {i["location_code"] for i in items} == {"int-0001"}
            assert {len(i["images"]) for i in items} == {4}  # 3 overview + plate close-up
            assert check_signals(CONTROLLER, sim.start_time, 4, sim.crossings) == \
                len(sim.crossings)
            await h.gateway.store.flush()
            _, events = await h.get("/api/v1/events?type=enforcement.plate_read&limit=1000")
            seen = {e["data"]["raw_id"]: e["data"] for e in events["items"]}
            assert len(seen) == len(reads)
            assert {d["signal_state"] for d in seen.values()} <= {"green", "yellow", None}
            _, dev = await h.get("/api/v1/devices/itc-main-1st")
            assert dev["health"]["status"] == "up" and dev["health"]["level"] == "pushing"
    finally:
        await sim.close()


async def test_json_numbered_images_routing_and_retry_dedupe(tmp_path: Path) -> None:
    """Two cameras on one receiver port, routed by deviceID; JSON alerts with images named
    1.jpg..n.jpg; a re-sent push (same UUID) is answered 200 and stored once."""
    listen = free_port()
    url = f"http://127.0.0.1:{listen}/"
    quirks = P.HikQuirks(format="json", numbered_images=True, colour_prefix=True)
    sims = [HikvisionItcSim(ItcConfig(id=f"ITC-{n}", controller=CONTROLLER, push_url=url,
                                      lanes=(Lane(1, 2, arrivals_per_s=0.0),), quirks=quirks,
                                      mac=f"44:19:b6:00:00:0{n}")) for n in (1, 2)]
    for sim in sims:
        await sim.start()
    try:
        devices = [hik_device(f"itc-{n}", listen_port=listen, device_id=f"ITC-{n}",
                              isapi_port=sims[n - 1].port) for n in (1, 2)]
        async with run_gateway(devices, tmp_path) as h:
            await wait_for(lambda: all(rt.is_open for rt in h.gateway.registry), 5, "open")
            for n, sim in enumerate(sims, start=1):
                sim.send(crossing(n))
                sim.send(crossing(10 + n, violation=False))
            for sim in sims:
                assert sim.pusher is not None and await sim.pusher.drain(10)
            items = await all_violations(h.http, h.base)
            assert sorted((i["device"], i["plate"]["number"]) for i in items) == [
                ("itc-1", "苏A00001"), ("itc-2", "苏A00002")]
            job = sims[0].pusher.acked[crossing(1).uuid]  # type: ignore[union-attr]
            async with aiohttp.ClientSession() as http:
                for _ in range(2):
                    async with http.post(url, data=job.body,
                                         headers={"Content-Type": job.content_type}) as resp:
                        assert resp.status == 200
                        assert (await resp.json())["status"] == "duplicate"
            assert len(await all_violations(h.http, h.base)) == 2
            _, metrics = await h.get("/metrics")
            assert "junction_violations_duplicate_total 2.0" in metrics
    finally:
        for sim in sims:
            await sim.close()


async def test_alert_stream_mode(tmp_path: Path) -> None:
    sim = HikvisionItcSim(ItcConfig(id="ITC-S", controller=CONTROLLER, heartbeat_s=0.3,
                                    lanes=(Lane(1, 2, arrivals_per_s=0.0),),
                                    quirks=P.HikQuirks(namespace="http://www.hikvision.com/"
                                                       "ver20/XMLSchema")))
    await sim.start()
    try:
        device = hik_device("itc-s", listen_port=free_port(), isapi_port=sim.port,
                            mode="alert_stream", device_id="ITC-S",
                            options={"heartbeat_timeout_s": 2})
        async with run_gateway([device], tmp_path) as h:
            await wait_for(lambda: sim.subscribers, 5, "alert stream subscriber")
            evidence = [sim.send(crossing(n)) for n in (1, 2)]
            sim.send(crossing(3, violation=False))
            sim.inject_stream_bytes(b"--boundary\r\nContent-Type: application/xml\r\n"
                                    b"Content-Length: 9\r\n\r\n<broken>\n\r\n")
            sim.send(crossing(4))
            evidence.append(P.evidence_for(crossing(4), "ITC-S", sim.config.quirks))

            async def stored() -> bool:
                return len(await all_violations(h.http, h.base)) == 3

            await wait_for(stored, 5, "three stream records")
            items = {i["raw_id"]: i for i in await all_violations(h.http, h.base)}
            for n, ev in zip((1, 2, 4), evidence, strict=True):
                item = items[crossing(n).uuid]
                assert [i["sha256"] for i in item["images"]] == \
                    [hashlib.sha256(img).hexdigest() for img in ev.images]
            _, dev = await h.get("/api/v1/devices/itc-s")
            assert dev["identity"]["model"] == "iDS-TCV907-BIR"
            assert dev["health"]["status"] == "up"
    finally:
        await sim.close()


def _multipart(parts: list[tuple[str, str, bytes]], close: bool = True) -> tuple[bytes, str]:
    out = bytearray()
    for disposition, ctype, body in parts:
        out += (f"--XyZ\r\nContent-Disposition: {disposition}\r\nContent-Type: {ctype}\r\n"
                f"\r\n").encode() + body + b"\r\n"
    if close:
        out += b"--XyZ--\r\n"
    return bytes(out), "multipart/form-data; boundary=XyZ"


def _alert(n: int, **change: Any) -> bytes:
    c = crossing(n)
    ev = P.evidence_for(c, "ITC-M", P.HikQuirks())
    tree = P.alert_tree(c, ev, device_id="ITC-M", ip="127.0.0.1", mac="44:19:b6:00:00:09",
                        q=P.HikQuirks())
    tree.update(change)
    return P.alert_xml(tree, P.HikQuirks())


JPEG = evidence_jpeg("malformed-test")
XML_PART = 'form-data; name="anpr.xml"; filename="anpr.xml"'
IMG_PART = 'form-data; name="p"; filename="detectionPicture_1.jpg"'
MALFORMED: dict[str, tuple[int, str, bytes, str]] = {
    name: (status, reason, *body) for name, (status, reason, body) in {
        "text_body": (415, "content_type", (b"hello", "text/plain")),
        "truncated": (400, "incomplete_body", _multipart(
            [(XML_PART, "application/xml", _alert(1)), (IMG_PART, "image/jpeg", JPEG)],
            close=False)),
        "no_alert": (400, "no_alert", _multipart([(IMG_PART, "image/jpeg", JPEG)])),
        "bad_xml": (400, "bad_alert", _multipart(
            [(XML_PART, "application/xml", _alert(1)[:-40])])),
        "bad_json": (400, "bad_alert", (b'{"eventType": "ANPR", ', "application/json")),
        "xml_bomb": (400, "bad_alert", (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "a">'
                                        b']><EventNotificationAlert/>', "application/xml")),
        "gif_image": (415, "content_type", _multipart(
            [(XML_PART, "application/xml", _alert(1)),
             (IMG_PART, "image/gif", b"GIF89a" + bytes(100))])),
        "fake_jpeg": (415, "not_an_image", _multipart(
            [(XML_PART, "application/xml", _alert(1)), (IMG_PART, "image/jpeg", b"nope")])),
        "text_part": (415, "content_type", _multipart(
            [(XML_PART, "application/xml", _alert(1)),
             ('form-data; name="note"', "text/plain", b"just text")])),
        "two_alerts": (400, "two_alerts", _multipart(
            [(XML_PART, "application/xml", _alert(1)), (XML_PART, "application/xml",
                                                         _alert(2))])),
        "big_image": (413, "image_too_large", _multipart(
            [(XML_PART, "application/xml", _alert(1)),
             (IMG_PART, "image/jpeg", evidence_jpeg("big", 40_000))])),
        "unknown_device": (403, "unknown_device", _multipart(
            [(XML_PART, "application/xml", _alert(1, deviceID="ITC-OTHER",
                                                  ipAddress="127.0.0.9"))])),
        "naive_time": (400, "bad_alert", _multipart(
            [(XML_PART, "application/xml", _alert(1, dateTime="2026-03-14T08:00:00"))])),
    }.items()}


async def test_malformed_pushes_store_nothing(tmp_path: Path) -> None:
    listen = free_port()
    url = f"http://127.0.0.1:{listen}/alarm"
    device = hik_device("itc-m", listen_port=listen, device_id="ITC-M", options={
        "max_image_bytes": 32_768, "max_body_bytes": 128 * 1024, "probe": False,
        "startup_grace_s": 0})
    async with run_gateway([device], tmp_path) as h, aiohttp.ClientSession() as http:
        await wait_for(lambda: h.gateway.registry.get("itc-m").is_open, 5, "receiver open")

        async def post(body: bytes, ctype: str) -> tuple[int, dict[str, Any]]:
            async with http.post(url, data=body, headers={"Content-Type": ctype}) as resp:
                return resp.status, json.loads(await resp.read())

        good = _multipart([(XML_PART, "application/xml", _alert(7)),
                           (IMG_PART, "image/jpeg", JPEG)])
        results = await asyncio.gather(*(post(body, ctype)
                                         for _, _, body, ctype in MALFORMED.values()),
                                       post(*good))
        for (name, (status, reason, _, _)), (got, answer) in zip(MALFORMED.items(), results,
                                                                 strict=False):
            assert (got, answer["reason"]) == (status, reason), (name, answer)
            assert answer["message"]
        assert results[-1][0] == 200 and results[-1][1]["status"] == "stored"
        status, answer = await post(b"x" * (200 * 1024), "multipart/form-data; boundary=a")
        assert (status, answer["reason"]) == (413, "body_too_large")
        items = await all_violations(h.http, h.base)
        assert [i["raw_id"] for i in items] == [crossing(7).uuid]
        evidence = Path(f"{tmp_path / 'junction.db'}.evidence")
        assert sum(1 for p in evidence.rglob("*") if p.is_file()) == 1  # the good image only
        receiver = h.gateway.registry.get("itc-m").adapter.receiver  # type: ignore[attr-defined]
        assert receiver.counts["unknown_device"] == 1


async def test_upload_cut_off_mid_body(tmp_path: Path) -> None:
    """A camera that drops the connection mid-upload stores nothing; the receiver goes on."""
    listen = free_port()
    device = hik_device("itc-m", listen_port=listen, device_id="ITC-M", options={"probe": False})
    async with run_gateway([device], tmp_path) as h:
        await wait_for(lambda: h.gateway.registry.get("itc-m").is_open, 5, "receiver open")
        body, ctype = _multipart([(XML_PART, "application/xml", _alert(1)),
                                  (IMG_PART, "image/jpeg", evidence_jpeg("x", 20_000))])
        reader, writer = await asyncio.open_connection("127.0.0.1", listen)
        writer.write(f"POST /alarm HTTP/1.1\r\nHost: x\r\nContent-Type: {ctype}\r\n"
                     f"Content-Length: {len(body)}\r\n\r\n".encode() + body[: len(body) // 2])
        await writer.drain()
        await asyncio.sleep(0.2)
        writer.close()
        await asyncio.sleep(0.3)
        assert await all_violations(h.http, h.base) == []
        async with aiohttp.ClientSession() as http:
            async with http.post(f"http://127.0.0.1:{listen}/", data=body,
                                 headers={"Content-Type": ctype}) as resp:
                assert resp.status == 200
        assert len(await all_violations(h.http, h.base)) == 1


@pytest.mark.parametrize("case", ["silent", "probe", "push_heartbeats"])
async def test_push_only_liveness(tmp_path: Path, case: str) -> None:
    """Probe off and nothing pushed: down once liveness_s passed. Probe on: ISAPI deviceInfo
    keeps it up. Probe off but the camera pushes heartbeats: up ('pushing')."""
    listen = free_port()
    sim = HikvisionItcSim(ItcConfig(
        id="ITC-L", controller=CONTROLLER, lanes=(Lane(1, 2, arrivals_per_s=0.0),),
        push_url=f"http://127.0.0.1:{listen}/" if case == "push_heartbeats" else None,
        push_heartbeat_s=0.3))
    await sim.start()
    try:
        device = hik_device("itc-l", listen_port=listen, isapi_port=sim.port,
                            device_id="ITC-L",
                            options={"probe": case == "probe", "liveness_s": 1.5})
        async with run_gateway([device], tmp_path) as h:
            started = time.monotonic()

            async def health() -> dict[str, Any]:
                _, dev = await h.get("/api/v1/devices/itc-l")
                return dict(dev["health"])

            if case == "silent":
                await wait_for(lambda: _is(health(), "down"), 8, "down without pushes")
                assert time.monotonic() - started > 1.0
                assert (await health())["reason"] == "timeout"
            else:
                await wait_for(lambda: _is(health(), "up"), 5, "up")
                await asyncio.sleep(2.0)  # longer than liveness_s
                now = await health()
                assert now["status"] == "up"
                assert now["level"] == ("answers_isapi" if case == "probe" else "pushing")
    finally:
        await sim.close()


async def test_camera_that_never_retries_loses_what_was_refused(tmp_path: Path) -> None:
    """The field quirk (enforcement.md §3.1): a camera without retry loses every push the
    receiver did not take; the simulator's ledger shows it, and later pushes are stored."""
    listen = free_port()
    sim = HikvisionItcSim(ItcConfig(id="ITC-N", controller=CONTROLLER, retry=False,
                                    lanes=(Lane(1, 2, arrivals_per_s=0.0),),
                                    push_url=f"http://127.0.0.1:{listen}/"))
    await sim.start()
    assert sim.pusher is not None
    try:
        sim.send(crossing(1))  # nobody listens yet
        assert await sim.pusher.drain(5) and set(sim.pusher.refused) == {crossing(1).uuid}
        device = hik_device("itc-n", listen_port=listen, device_id="ITC-N",
                            options={"probe": False})
        async with run_gateway([device], tmp_path) as h:
            await wait_for(lambda: h.gateway.registry.get("itc-n").is_open, 5, "open")
            sim.send(crossing(2))
            assert await sim.pusher.drain(5)
            assert [i["raw_id"] for i in await all_violations(h.http, h.base)] == \
                [crossing(2).uuid]
    finally:
        await sim.close()


async def _is(value: Any, wanted: str) -> bool:
    return bool((await value)["status"] == wanted)


def test_push_job_hashes() -> None:
    job = PushJob.build(crossing(1), b"", "x", (JPEG,))
    assert job.image_sha256 == (hashlib.sha256(JPEG).hexdigest(),)
