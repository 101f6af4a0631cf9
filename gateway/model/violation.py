"""A violation record from an enforcement camera (filled by a later issue's adapters)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from pydantic import BaseModel, Field

__all__ = ["Plate", "Vehicle", "Violation", "EvidenceImage", "ViolationRecord", "violation_id"]


def violation_id(device: str, vendor_event_id: str) -> str:
    """Deterministic id so a retried upload never creates a duplicate record."""
    return hashlib.sha256(f"{device}\x00{vendor_event_id}".encode()).hexdigest()[:32]


class Plate(BaseModel):
    number: str | None = None
    color: str | None = None
    type_code: str | None = None


class Vehicle(BaseModel):
    type: str | None = None
    color: str | None = None


class Violation(BaseModel):
    code: str
    description: str | None = None


class EvidenceImage(BaseModel):
    role: str
    sha256: str
    content_type: str
    size: int


class ViolationRecord(BaseModel):
    id: str
    device: str
    time: datetime
    plate: Plate = Plate()
    vehicle: Vehicle = Vehicle()
    violation: Violation
    lane: int | None = None
    direction: str | None = None
    speed_kmh: float | None = None
    speed_limit_kmh: float | None = None
    signal_state: str | None = None
    location_code: str | None = None
    images: list[EvidenceImage] = Field(default_factory=list)
    source_vendor: str | None = None
    raw_id: str | None = None
