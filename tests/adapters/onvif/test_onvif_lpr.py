"""ONVIF Profile M plate reads: gateway <-> simulated camera over real sockets on 127.0.0.1.

An enforcement_camera stores each read once (however often the device repeats it: in the next
pull, after a renew, on a new subscription), with its image intact; a non-standard topic the
device advertises in GetEventProperties is followed; a malformed read is counted and dropped
while the stream goes on; a plain camera announces reads as events.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from simulators.onvif.camera import OnvifCamera
from simulators.onvif.lpr import SimRead
from tests.adapters.onvif.sims import camera, device_entry, ptz_config, run_gateway
from tests.harness import Harness, wait_for


def _entry(cam: OnvifCamera, kind: str = "enforcement_camera", **options: Any
           ) -> dict[str, Any]:
    return device_entry(cam, kind=kind, site={"intersection_id": "1001"},
                        options={"pull_timeout_s": 1.0, **options})


async def _records(h: Harness, device: str) -> list[dict[str, Any]]:
    status, body = await h.get(f"/api/v1/violations?device={device}&limit=1000")
    assert status == 200, body
    items: list[dict[str, Any]] = body["items"]
    return items


async def _image(h: Harness, record_id: str) -> tuple[str, bytes]:
    async with h.http.get(f"{h.base}/api/v1/violations/{record_id}/images/0") as resp:
        assert resp.status == 200, await resp.text()
        return resp.content_type, await resp.read()


async def _metric(h: Harness, name: str) -> float:
    async with h.http.get(f"{h.base}/metrics") as resp:
        text = await resp.text()
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in /metrics")


async def _diagnostics(h: Harness, device: str) -> dict[str, Any]:
    status, body = await h.get(f"/api/v1/devices/{device}/diagnostics")
    assert status == 200, body
    result: dict[str, Any] = body
    return result


def _check_record(record: dict[str, Any], read: SimRead) -> None:
    assert record["plate"]["number"] == read.plate
    assert record["plate"]["type_code"] == read.plate_type
    assert record["plate"]["color"] == read.colour
    assert record["vehicle"]["type"] == read.vehicle
    assert record["violation"]["code"] == "plate_read"
    assert record["speed_kmh"] == read.speed_kmh
    assert record["direction"] == ("approach" if read.direction == "Approaching" else "leave")
    assert record["source_vendor"] == "onvif" and record["location_code"] == "1001"
    assert f"/{read.object_id}/" in record["raw_id"]
    assert [i["role"] for i in record["images"]] == ["plate"]
    assert record["images"][0]["sha256"] == hashlib.sha256(read.image).hexdigest()


async def test_plate_reads_stored_once_with_intact_images(tmp_path: Path) -> None:
    """The camera repeats every read in the next pull and replays its last reads to each new
    subscription; renewals every ~1.6 s; a reboot forces a new subscription. Each read is one
    record, its image byte-for-byte what the camera sent."""
    async with camera(ptz_config(motion_rate_per_min=0.0), lpr=True, lpr_repeat=True,
                      lpr_replay_on_subscribe=10, lpr_image_bytes=30_000) as cam, \
            run_gateway([_entry(cam, subscription_ttl_s=2)], tmp_path) as h:
        dev = cam.model.config.id
        await wait_for(lambda: cam.pullpoints.counts["pulled"] >= 1, 8, "a first pull")
        assert cam.requests["events.GetEventProperties"] >= 1
        reads = [cam.plate_read(f"7ABC{n:03d}") for n in range(3)]

        async def three() -> bool:
            return len(await _records(h, dev)) >= 3
        await wait_for(three, 10, "three records")
        await wait_for(lambda: cam.pullpoints.counts["plate_repeated"] >= 3, 8, "repeats")
        await wait_for(lambda: cam.pullpoints.counts["renewed"] >= 1, 8, "a renewal")
        cam.reboot()  # the subscription is forgotten: a new one, which replays the reads
        await wait_for(lambda: cam.pullpoints.counts["created"] >= 2, 10, "a new subscription")
        await wait_for(lambda: cam.pullpoints.counts["plate_reads"] >= 6, 8, "the replay")
        later = cam.plate_read("8XYZ999")
        await wait_for(lambda: cam.pullpoints.counts["plate_repeated"] >= 7, 8, "more repeats")

        async def four() -> bool:
            return len(await _records(h, dev)) >= 4
        await wait_for(four, 10, "the fourth record")
        records = await _records(h, dev)
        assert sorted(r["plate"]["number"] for r in records) == \
            sorted(r.plate for r in [*reads, later])
        assert len({r["id"] for r in records}) == len(records) == 4
        by_plate = {r["plate"]["number"]: r for r in records}
        for read in [*reads, later]:
            record = by_plate[read.plate]
            _check_record(record, read)
            content_type, content = await _image(h, record["id"])
            assert content_type == "image/jpeg" and len(content) == len(read.image)
            assert hashlib.sha256(content).hexdigest() == hashlib.sha256(read.image).hexdigest()
        # every repeat reached the ingest and was recognised as a retry
        assert await _metric(h, "junction_violations_duplicate_total") >= 7
        assert await _metric(h, "junction_store_violations") == 4
        assert await _metric(h, "junction_store_evidence_bytes") == \
            sum(len(r.image) for r in [*reads, later])
        events = await h.get(f"/api/v1/events?device={dev}&type=enforcement.violation")
        assert len(events[1]["items"]) == 4  # announced once each, repeats not


async def test_non_standard_topics_advertised_by_the_device(tmp_path: Path) -> None:
    """One camera puts reads on a vendor-namespace topic, another on a non-standard tns1
    topic; both advertise it in GetEventProperties. The enforcement camera stores, the plain
    camera announces `enforcement.plate_read` events."""
    vendor = ptz_config(id="cam-lpr-vendor", motion_rate_per_min=0.0)
    plain = ptz_config(id="cam-lpr-plain", motion_rate_per_min=0.0)
    async with camera(vendor, lpr=True, lpr_topic="tnsaxis:CameraApplicationPlatform/LPR"
                      ) as cam_v, \
            camera(plain, lpr=True, lpr_topic="tns1:RuleEngine/LicensePlateRecognition/Plate"
                   ) as cam_p, \
            run_gateway([_entry(cam_v), _entry(cam_p, kind="camera")], tmp_path) as h:
        await wait_for(lambda: cam_v.pullpoints.counts["pulled"] >= 1 and
                       cam_p.pullpoints.counts["pulled"] >= 1, 8, "first pulls")
        stored = cam_v.plate_read("VND1234")
        announced = cam_p.plate_read("PLN5678", direction="Leaving", speed_kmh=51.5)

        async def one() -> list[dict[str, Any]]:
            return await _records(h, "cam-lpr-vendor")
        records = await wait_for(one, 10, "the vendor-topic record")
        _check_record(records[0], stored)

        async def event() -> list[dict[str, Any]]:
            _, body = await h.get("/api/v1/events?device=cam-lpr-plain&type=enforcement.plate_read")
            items: list[dict[str, Any]] = body["items"]
            return items
        items = await wait_for(event, 10, "the plate_read event")
        data = items[0]["data"]
        assert data["plate"] == "PLN5678" and data["direction"] == "leave"
        assert data["speed_kmh"] == 51.5 and data["topic"] == \
            "tns1:RuleEngine/LicensePlateRecognition/Plate"
        assert data["image_bytes"] == len(announced.image) and data["confidence"] is not None
        assert await _records(h, "cam-lpr-plain") == []  # a camera stores no records


async def test_malformed_plate_info_is_counted_and_the_stream_goes_on(tmp_path: Path) -> None:
    """Reads with no PlateNumber, a Likelihood that is no number, an Image that is no base64,
    or no LicensePlateInfo: each a decode error, nothing stored; the reads after them are
    stored. GetEventProperties answering garbage leaves the standard topic matched."""
    async with camera(ptz_config(motion_rate_per_min=0.0), lpr=True) as cam:
        cam.faults.operations = {"GetEventProperties"}
        cam.faults.malformed = True
        async with run_gateway([_entry(cam)], tmp_path) as h:
            dev = cam.model.config.id
            await wait_for(lambda: cam.pullpoints.counts["pulled"] >= 1, 8, "a first pull")
            for kind in ("no_plate", "bad_likelihood", "bad_image", "no_plate_info"):
                cam.plate_read(malformed=kind)
            good = cam.plate_read("GOOD001")

            async def stored() -> list[dict[str, Any]]:
                return await _records(h, dev)
            records = await wait_for(stored, 10, "the good read")
            assert [r["plate"]["number"] for r in records] == ["GOOD001"]
            _check_record(records[0], good)
            diagnostics = await _diagnostics(h, dev)
            assert diagnostics["errors_by_reason"].get("decode_error") == 4, diagnostics
            cam.plate_read("GOOD002")

            async def two() -> bool:
                return len(await _records(h, dev)) == 2
            await wait_for(two, 10, "a read after the errors")
            assert await _metric(h, "junction_store_violations") == 2
