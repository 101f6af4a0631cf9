"""Violation ingest: validate, store the images, commit the record, then announce it.

The order is the durability contract: images are on disk (atomically) before the record that
names them is committed, and the adapter acknowledges the device only after `ingest` returns.
A retried push has the same deterministic id and is stored once. Anything invalid is refused
whole: nothing of it is stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC

from prometheus_client import Counter

from gateway.events import EventBus
from gateway.model import Event, EventType, ViolationRecord
from gateway.model.violation import EvidenceImage, violation_id
from gateway.sdk.adapter import EvidenceUpload
from gateway.sdk.errors import InvalidArguments
from gateway.store.base import Store
from gateway.store.evidence import EvidenceStore

__all__ = ["ViolationIngest", "IMAGE_TYPES", "MAX_IMAGES"]

IMAGE_TYPES = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
MAX_IMAGES = 8


class ViolationIngest:
    __slots__ = ("_store", "_evidence", "_bus", "_max_image_bytes", "_executor", "ingested",
                 "rejected", "duplicates")

    def __init__(self, store: Store, evidence: EvidenceStore, bus: EventBus, *,
                 max_image_bytes: int, ingested: Counter, rejected: Counter,
                 duplicates: Counter) -> None:
        self._store = store
        self._evidence = evidence
        self._bus = bus
        self._max_image_bytes = max_image_bytes
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="junction-evidence")
        self.ingested, self.rejected, self.duplicates = ingested, rejected, duplicates

    def set_bus(self, bus: EventBus) -> None:
        self._bus = bus

    def close(self) -> None:
        self._executor.shutdown(wait=True)

    def _refuse(self, reason: str, message: str) -> InvalidArguments:
        self.rejected.labels(reason).inc()
        return InvalidArguments(message, detail={"reason": reason})

    def _check(self, record: ViolationRecord, images: Sequence[EvidenceUpload]) -> None:
        if not record.raw_id:
            raise self._refuse("no_raw_id", "a violation record needs the vendor's event id "
                                            "(raw_id) so retries are not duplicated")
        if record.time.tzinfo is None:
            raise self._refuse("naive_time", "violation time must carry a UTC offset")
        if len(images) > MAX_IMAGES:
            raise self._refuse("too_many_images", f"at most {MAX_IMAGES} images per record")
        for n, image in enumerate(images):
            magic = IMAGE_TYPES.get(image.content_type.split(";")[0].strip().lower())
            if magic is None:
                raise self._refuse("content_type", f"image {n}: content type "
                                   f"{image.content_type!r} is not one of {sorted(IMAGE_TYPES)}")
            if not image.content:
                raise self._refuse("empty_image", f"image {n} is empty")
            if len(image.content) > self._max_image_bytes:
                raise self._refuse("image_too_large", f"image {n} is {len(image.content)} "
                                   f"bytes; the limit is {self._max_image_bytes}")
            if not image.content.startswith(magic):
                raise self._refuse("not_an_image", f"image {n} is not a {image.content_type}")

    async def ingest(self, device: str, record: ViolationRecord,
                     images: Sequence[EvidenceUpload]) -> bool:
        self._check(record, images)
        loop = asyncio.get_running_loop()
        stored: list[EvidenceImage] = []
        for image in images:
            digest = await loop.run_in_executor(self._executor, self._evidence.put,
                                                image.content)
            stored.append(EvidenceImage(role=image.role, sha256=digest,
                                        content_type=image.content_type.split(";")[0].strip(),
                                        size=len(image.content)))
        assert record.raw_id is not None
        final = record.model_copy(update={
            "id": violation_id(device, record.raw_id), "device": device, "images": stored,
            "time": record.time.astimezone(UTC)})
        created = await self._store.add_violation(final)
        if not created:
            self.duplicates.inc()
            return False
        self.ingested.labels(device).inc()
        self._bus.publish([Event(type=EventType.ENFORCEMENT_VIOLATION, device=device,
                                 time=final.time,
                                 data={"id": final.id, "plate": final.plate.number,
                                       "code": final.violation.code})])
        return True
