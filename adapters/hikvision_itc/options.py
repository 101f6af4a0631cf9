"""Per-profile / per-device settings of the `hikvision_itc` adapter (profile `options:`,
overridden by the device's own `options:`)."""

from __future__ import annotations

import re
from datetime import timedelta, timezone
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["HikvisionItcOptions", "parse_offset", "normalize_mac"]

_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


def parse_offset(text: str) -> timezone:
    """'+08:00' -> UTC+8. Raises ValueError."""
    match = _OFFSET.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a UTC offset like '+08:00'")
    sign = -1 if match.group(1) == "-" else 1
    minutes = int(match.group(2)) * 60 + int(match.group(3))
    if minutes > 14 * 60:
        raise ValueError(f"{text!r} is beyond +-14:00")
    return timezone(sign * timedelta(minutes=minutes))


class HikvisionItcOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["push", "alert_stream", "both"] = Field(
        default="push", description="push: the camera POSTs to Junction's HTTP-host receiver; "
        "alert_stream: Junction holds ISAPI alertStream open; both")
    listen_host: str = Field(default="0.0.0.0", description="address of the push receiver "
                             "(shared by every hikvision_itc device with the same host:port)")
    listen_port: int = Field(default=8099, ge=1, le=65535,
                             description="port the cameras' HTTP host entry points at")
    device_id: str | None = Field(default=None, description="deviceID the camera writes in "
                                  "its alerts; routes pushes to this device")
    mac_address: str | None = Field(default=None, description="macAddress in its alerts")
    match_ip: bool = Field(default=True, description="route by the alert's ipAddress field "
                           "(the camera's own address, as configured in endpoint.host)")
    startup_grace_s: float = Field(default=10.0, ge=0, le=600, description="after the "
                                   "receiver starts, pushes for devices not opened yet get "
                                   "503 (retry) instead of 403")
    violation_codes: dict[str, str] = Field(
        default_factory=lambda: {"1625": "1625"},
        description="illegalCode or illegalName -> national violation code (WFDM)")
    pass_numeric_codes: bool = Field(default=True, description="unmapped numeric illegalCode "
                                     "values are national codes already")
    naive_time_offset: str | None = Field(default=None, description="UTC offset for firmware "
                                          "whose dateTime has none, e.g. '+08:00'")
    max_body_bytes: int = Field(default=32 * 1024 * 1024, ge=64 * 1024, le=256 * 1024 * 1024)
    max_image_bytes: int = Field(default=8 * 1024 * 1024, ge=16 * 1024, le=64 * 1024 * 1024)
    emit_plate_reads: bool = Field(default=True, description="ANPR reads without a violation "
                                   "become enforcement.plate_read events")
    auth: Literal["auto", "digest", "basic"] = "auto"
    probe: bool = Field(default=True, description="when no push or stream part came for "
                        "liveness_s, ask ISAPI deviceInfo; false: push-only camera (NAT)")
    liveness_s: float = Field(default=120.0, gt=1, le=86400,
                              description="a push or stream part this recent means alive")
    channel: int = Field(default=1, ge=1, le=256)
    heartbeat_timeout_s: float = Field(default=30.0, gt=0.2, le=600,
                                       description="alert stream silence before reconnecting")

    @field_validator("naive_time_offset")
    @classmethod
    def _offset(cls, value: str | None) -> str | None:
        if value is not None:
            parse_offset(value)
        return value

    @field_validator("mac_address")
    @classmethod
    def _mac(cls, value: str | None) -> str | None:
        return normalize_mac(value) if value is not None else None


def normalize_mac(value: str) -> str:
    """'AA-BB-CC-00-11-22' / 'aabb.cc00.1122' -> 'aa:bb:cc:00:11:22' (others unchanged)."""
    digits = re.sub(r"[^0-9a-fA-F]", "", value).lower()
    if len(digits) != 12:
        return value.strip().lower()
    return ":".join(digits[i:i + 2] for i in range(0, 12, 2))
