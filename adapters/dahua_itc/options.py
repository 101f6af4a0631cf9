"""Per-profile / per-device settings of the `dahua_itc` adapter."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from adapters.dahua_itc.const import DEFAULT_CODES

__all__ = ["DahuaItcOptions"]


class DahuaItcOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    auth: Literal["auto", "digest", "basic"] = "auto"
    codes: list[str] = Field(default_factory=lambda: list(DEFAULT_CODES), min_length=1,
                             description="event codes to attach to")
    heartbeat_s: int = Field(default=5, ge=1, le=60, description="asked of the device")
    missed_heartbeats: int = Field(default=3, ge=1, le=20,
                                   description="silence of this many heartbeats = stalled")
    rule_codes: dict[str, str] = Field(
        default_factory=lambda: {"TrafficRunRedLight": "1625"},
        description="event code (rule name) or TrafficCar.ViolationCode -> national code")
    pass_numeric_codes: bool = Field(default=True, description="unmapped numeric "
                                     "TrafficCar.ViolationCode values are national codes")
    image_source: Literal["auto", "stream", "snapshot", "none"] = Field(
        default="auto", description="auto: the image/jpeg part that follows the event, else "
        "snapshot.cgi; stream: only the following part; snapshot: always snapshot.cgi")
    image_wait_s: float = Field(default=1.0, gt=0, le=30,
                                description="how long an event waits for its image part")
    group_timeout_s: float = Field(default=10.0, gt=0, le=120, description="a snapshot group "
                                   "(CountInGroup > 1) incomplete this long is stored as is")
    snapshot_channel_base: int = Field(default=1, ge=0, le=1, description="1: snapshot.cgi "
                                       "channel = index + 1 (current firmware); 0: old firmware")
    utc_offset_s: int | None = Field(default=None, ge=-14 * 3600, le=14 * 3600,
                                     description="site offset, only for firmware without "
                                     "RealUTC: UTC - offset = real UTC")
    max_image_bytes: int = Field(default=8 * 1024 * 1024, ge=16 * 1024, le=64 * 1024 * 1024)
    emit_plate_reads: bool = True
