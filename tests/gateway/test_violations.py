"""Violation records through the gateway's ingest path and the REST API: durable, deduplicated,
refused whole when invalid, filtered and paged, images byte-exact."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.model.violation import Plate, Violation, ViolationRecord
from gateway.sdk import EvidenceUpload, InvalidArguments
from tests.harness import run_gateway

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40 + b"\xff\xd9"
T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def record(n: int, plate: str = "京A12345", code: str = "1625") -> ViolationRecord:
    return ViolationRecord(id="", device="", time=T0 + timedelta(seconds=n),
                           plate=Plate(number=plate, color="blue"),
                           violation=Violation(code=code, description="ran a red light"),
                           lane=2, raw_id=f"evt-{n}")


async def test_ingest_dedupe_filter_page_and_images(tmp_path: Path) -> None:
    async with run_gateway([], tmp_path) as h:
        ingest = h.gateway.violations.ingest
        images = [EvidenceUpload("overview", JPEG, "image/jpeg"),
                  EvidenceUpload("plate", JPEG[:500] + b"x", "image/jpeg")]
        for n in range(5):
            assert await ingest("ep-1", record(n), images) is True
        assert await ingest("ep-1", record(3), images) is False  # a retried push
        assert await ingest("ep-2", record(9, plate="沪B99999", code="1345"), []) is True

        status, body = await h.get("/api/v1/violations?limit=2")
        assert status == 200 and len(body["items"]) == 2 and body["next"]
        seen = [i["raw_id"] for i in body["items"]]
        while body["next"]:
            _, body = await h.get(f"/api/v1/violations?limit=2&cursor={body['next']}")
            seen += [i["raw_id"] for i in body["items"]]
        assert seen == ["evt-0", "evt-1", "evt-2", "evt-3", "evt-4", "evt-9"]

        _, body = await h.get("/api/v1/violations?code=1345")
        assert [i["device"] for i in body["items"]] == ["ep-2"]
        _, body = await h.get("/api/v1/violations?plate=京A12345&since=2026-11-29T08:00:02Z"
                              "&until=2026-11-29T08:00:04Z")
        assert [i["raw_id"] for i in body["items"]] == ["evt-2", "evt-3"]
        status, body = await h.get("/api/v1/violations?since=yesterday")
        assert status == 422

        _, body = await h.get("/api/v1/violations?device=ep-1&limit=1")
        item = body["items"][0]
        assert item["violation"]["code"] == "1625" and len(item["images"]) == 2
        status, one = await h.get(f"/api/v1/violations/{item['id']}")
        assert status == 200 and one == item
        async with h.http.get(f"{h.base}/api/v1/violations/{item['id']}/images/0") as resp:
            assert resp.status == 200 and resp.content_type == "image/jpeg"
            content = await resp.read()
        assert hashlib.sha256(content).hexdigest() == item["images"][0]["sha256"]
        assert content == JPEG
        status, _ = await h.get(f"/api/v1/violations/{item['id']}/images/2")
        assert status == 404
        status, _ = await h.get("/api/v1/violations/nope")
        assert status == 404

        _, events = await h.get("/api/v1/events?type=enforcement.")
        assert len(events["items"]) == 6


@pytest.mark.parametrize("images, reason", [
    ([EvidenceUpload("overview", b"GIF89a....", "image/gif")], "content_type"),
    ([EvidenceUpload("overview", b"not a jpeg", "image/jpeg")], "not_an_image"),
    ([EvidenceUpload("overview", b"", "image/jpeg")], "empty_image"),
    ([EvidenceUpload("overview", JPEG, "image/jpeg")] * 9, "too_many_images"),
])
async def test_invalid_uploads_store_nothing(tmp_path: Path, images: list[EvidenceUpload],
                                             reason: str) -> None:
    async with run_gateway([], tmp_path) as h:
        with pytest.raises(InvalidArguments) as info:
            await h.gateway.violations.ingest("ep-1", record(1), images)
        assert info.value.detail["reason"] == reason
        _, body = await h.get("/api/v1/violations")
        assert body["items"] == []
        evidence = Path(f"{tmp_path / 'junction.db'}.evidence")
        assert not evidence.exists() or not any(p.is_file() for p in evidence.rglob("*"))
        _, metrics = await h.get("/metrics")
        assert f'junction_violations_rejected_total{{reason="{reason}"}} 1.0' in metrics
