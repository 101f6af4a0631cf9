"""Evidence written in two steps (stage, then one fsync per folder) and the store-size gauges:
running totals summed once at open, kept by each commit, on /metrics."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Counter

from gateway.events import EventBus
from gateway.ingest import StoreSize, ViolationIngest
from gateway.model.violation import EvidenceImage, Plate, Violation, ViolationRecord
from gateway.sdk import EvidenceUpload
from gateway.store import SqliteStore
from gateway.store.evidence import EvidenceStore
from tests.harness import run_gateway

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 10 + b"\xff\xd9"
T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def _record(n: int, sizes: tuple[int, ...] = ()) -> ViolationRecord:
    return ViolationRecord(
        id=f"id-{n}", device="ep-1", time=T0 + timedelta(seconds=n), plate=Plate(number="A1"),
        violation=Violation(code="1625"), raw_id=f"evt-{n}",
        images=[EvidenceImage(role="scene", sha256="0" * 64, content_type="image/jpeg", size=s)
                for s in sizes])


def test_stage_then_sync_each_folder_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    store = EvidenceStore(tmp_path / "evidence")
    synced: list[str] = []
    real = os.fsync

    def spy(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)
    monkeypatch.setattr(os, "fsync", spy)
    a, b = JPEG + b"a", JPEG + b"b"
    first = store.stage(a)
    target = store.path(first.sha256)
    # a new folder: its own entry, then the parents whose entries changed
    assert first.dirs[0] == target.parent
    assert set(first.dirs) == {target.parent, target.parent.parent, store.root,
                               store.root.parent}
    assert target.read_bytes() == a and not list(target.parent.glob(".tmp-*"))
    # the file itself (before its rename); the folders wait for sync_dirs
    assert len(synced) == 1 and Path(synced[0]).parent == target.parent
    assert Path(synced[0]).name.startswith(".tmp-")
    again = store.stage(a)
    assert again.sha256 == first.sha256 and again.dirs == (target.parent,)
    second = store.stage(b)
    synced.clear()
    count = store.sync_dirs([*first.dirs, *again.dirs, *second.dirs])
    assert count == len(set(first.dirs) | set(second.dirs)) == len(synced)
    assert store.put_many([a, b]) == [first.sha256, second.sha256]
    assert store.get(second.sha256) == b and store.put(b) == second.sha256


async def test_sqlite_totals_summed_at_open_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    store = SqliteStore(path)
    await store.open()
    assert store.size_totals() == (0, 0)
    assert await store.add_violation(_record(1, (100, 50))) is True
    assert await store.add_violation(_record(1, (100, 50))) is False  # no double count
    assert await store.add_violation(_record(2)) is True
    assert store.size_totals() == (2, 150)
    await store.close()
    reopened = SqliteStore(path)
    await reopened.open()
    try:
        assert reopened.size_totals() == (2, 150)
    finally:
        await reopened.close()


class _NoTotalsStore:
    """A Store without size_totals (another backend): ingest counts from its start."""

    def __init__(self) -> None:
        self.ids: set[str] = set()

    async def add_violation(self, record: ViolationRecord) -> bool:
        if record.id in self.ids:
            return False
        self.ids.add(record.id)
        return True


async def test_ingest_feeds_its_size_and_stores_images_in_parallel(tmp_path: Path) -> None:
    registry = CollectorRegistry()
    ingested = Counter("i", "i", ["device"], registry=registry)
    size = StoreSize()
    assert size.totals() is None
    ingest = ViolationIngest(
        _NoTotalsStore(), EvidenceStore(tmp_path / "ev"), EventBus(),  # type: ignore[arg-type]
        max_image_bytes=1 << 20, ingested=ingested,
        rejected=Counter("r", "r", ["reason"], registry=registry),
        duplicates=Counter("d", "d", registry=registry), size=size)
    try:
        assert ingest.size is size and size.totals() == (0, 0)
        images = [EvidenceUpload("overview", JPEG + bytes([n]), "image/jpeg") for n in range(3)]
        assert await ingest.ingest("ep-1", _record(1), images) is True
        assert await ingest.ingest("ep-1", _record(1), images) is False
        assert size.totals() == (1, sum(len(i.content) for i in images))
        for image in images:
            digest = hashlib.sha256(image.content).hexdigest()
            assert EvidenceStore(tmp_path / "ev").get(digest) == image.content
    finally:
        ingest.close()


async def test_store_size_on_metrics(tmp_path: Path) -> None:
    async with run_gateway([], tmp_path) as h:
        images = [EvidenceUpload("overview", JPEG, "image/jpeg"),
                  EvidenceUpload("plate", JPEG + b"p", "image/jpeg")]
        assert await h.gateway.violations.ingest("ep-1", _record(1), images) is True
        async with h.http.get(f"{h.base}/metrics") as resp:
            text = await resp.text()
        assert "junction_store_violations 1.0" in text
        assert f"junction_store_evidence_bytes {float(2 * len(JPEG) + 1)}" in text
