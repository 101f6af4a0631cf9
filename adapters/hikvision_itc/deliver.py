"""Hand one ANPR alert and its images to the gateway: a violation durably, a plate read as an event.

Shared by the push receiver and the alert stream so both paths store exactly the same record
for the same alert. `deliver` returns only after `context.ingest` has committed the record and
its images (the push receiver answers the camera 200 only then); a retried alert has the same
raw id and is reported `duplicate`, not stored twice. Refusals raise `DeliveryError` with the
HTTP status the push receiver answers (nothing is stored then).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from adapters.hikvision_itc.codec import Alert
from adapters.hikvision_itc.const import HEARTBEAT_TYPES
from adapters.hikvision_itc.mapping import CodeTable, image_role, normalize
from adapters.hikvision_itc.upload import Image
from gateway.model import EventType
from gateway.model.violation import violation_id
from gateway.sdk import AdapterContext, DecodeError, EvidenceUpload, InvalidArguments, JunctionError

__all__ = ["DeliveryError", "Outcome", "Deliverer"]

log = logging.getLogger(__name__)
# ingest refusal reasons -> HTTP status of the push answer
_STATUS = {"content_type": 415, "not_an_image": 415, "image_too_large": 413}


class DeliveryError(Exception):
    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message


@dataclass(slots=True, frozen=True)
class Outcome:
    kind: str  # stored | duplicate | plate_read | heartbeat | ignored
    id: str | None = None


class Deliverer:
    __slots__ = ("_ctx", "_table", "_emit_reads", "last_seen", "counts", "_logged")

    def __init__(self, context: AdapterContext, table: CodeTable, *, emit_reads: bool) -> None:
        self._ctx = context
        self._table = table
        self._emit_reads = emit_reads
        self.last_seen: float | None = None  # monotonic time of the last alert of any kind
        self.counts: dict[str, int] = {}
        self._logged: set[str] = set()

    def _count(self, key: str) -> None:
        self.counts[key] = self.counts.get(key, 0) + 1

    async def deliver(self, alert: Alert, images: Sequence[Image], source: str) -> Outcome:
        """Store or announce one alert. Raises DeliveryError (status, reason)."""
        self.last_seen = time.monotonic()
        device = self._ctx.device.id
        kind = alert.event_type.lower()
        if not alert.is_anpr:
            outcome = "heartbeat" if kind in HEARTBEAT_TYPES else "ignored"
            self._count(outcome)
            if outcome == "ignored" and kind not in self._logged:
                self._logged.add(kind)
                log.info("device=%s event=alert_type_ignored type=%s source=%s", device,
                         alert.event_type, source)
            return Outcome(outcome)
        try:
            read = normalize(alert, self._table)
        except DecodeError as err:
            self._count("bad_alert")
            raise DeliveryError(400, "bad_alert", err.message) from None
        if read.violation is None:
            self._count("plate_read")
            if self._emit_reads:
                self._ctx.emit(EventType.ENFORCEMENT_PLATE_READ,
                               {**read.event_data(), "source": source}, read.time)
            return Outcome("plate_read")
        site = self._ctx.device.site
        record = read.record(site.intersection_id if site else None)
        uploads = [EvidenceUpload(image_role(img.file_name, alert, n), img.content,
                                  img.content_type) for n, img in enumerate(images)]
        try:
            created = await self._ctx.ingest(record, uploads)
        except InvalidArguments as err:
            reason = str(err.detail.get("reason", "invalid"))
            self._count(f"refused_{reason}")
            raise DeliveryError(_STATUS.get(reason, 422), reason, err.message) from None
        except JunctionError as err:
            self._count("store_error")
            raise DeliveryError(err.http_status if err.http_status < 500 else 503, err.reason,
                                err.message) from None
        self._count("stored" if created else "duplicate")
        return Outcome("stored" if created else "duplicate", violation_id(device, read.raw_id))
