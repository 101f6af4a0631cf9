"""Settings of one GB/T 20999 device: the framing choices public sources disagree on, and how
commands are sent. Profiles set the vendor's choices; a device entry may override any of them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from adapters.gbt20999.codec import CrcSpec, FrameCodec, LengthMode
from gateway.model import DeviceConfig

__all__ = ["Gbt20999Options", "check_device"]


class Gbt20999Options(BaseModel):
    """Per-profile / per-device settings (profile `options:`, overridden by the device's)."""

    model_config = ConfigDict(extra="forbid")

    transport: Literal["tcp", "udp"] = "tcp"
    crc_poly: int = Field(default=0x1005, ge=0, le=0xFFFF, description="CRC-16 polynomial")
    crc_init: int = Field(default=0x0000, ge=0, le=0xFFFF)
    crc_reflect: bool = Field(default=False, description="reflect input bytes and result")
    crc_xorout: int = Field(default=0x0000, ge=0, le=0xFFFF)
    length_mode: LengthMode = LengthMode.WITH_LENGTH_FIELD
    strict_length: bool = Field(default=True, description="reject a Length field that differs")
    escape_on_tcp: bool = True
    escape_on_udp: bool = False
    protocol_version: int = Field(default=0x0102, ge=0, le=0xFFFF)
    center_id: int = Field(default=1, ge=0, le=255)
    controller_id: int = Field(default=0, ge=0, le=0xFFFFFFFF)
    intersection: int = Field(default=1, ge=1, le=255)
    heartbeat_s: float = Field(default=10.0, ge=0, le=3600, description="0: no heartbeats")
    heartbeat_reply: Literal[0x80, 0x71] = Field(
        default=0x80, description="frame type answering the device's heartbeat queries")
    special_control: Literal["run_mode", "command_pipe"] = Field(
        default="run_mode", description="flash / all red via 17.4 run mode or 18.1 pipe")
    connect_timeout_s: float = Field(default=2.0, gt=0, le=60)
    max_values_per_frame: int = Field(default=32, ge=1, le=255)
    recheck_missing_s: float = Field(default=300, ge=10, le=86400,
                                     description="how often objects the device lacked are "
                                                 "asked for again")
    link_timeout_s: float | None = Field(
        default=None, gt=0, le=86400,
        description="the controller's center-link timeout, if known: it drops central "
                    "control after this long without a frame [I]")

    def codec(self) -> FrameCodec:
        escaped = self.escape_on_tcp if self.transport == "tcp" else self.escape_on_udp
        return FrameCodec(CrcSpec(self.crc_poly, self.crc_init, self.crc_reflect,
                                  self.crc_xorout), self.length_mode, escaped,
                          self.strict_length)


def check_device(device: DeviceConfig, options: BaseModel) -> list[str]:
    """The fail-safe holds only if the gateway talks to the controller (a poll or a heartbeat)
    well within the controller's link timeout, when the profile states it."""
    assert isinstance(options, Gbt20999Options)
    if options.link_timeout_s is None:
        return []
    quiet_s = min(device.poll.interval_s, options.heartbeat_s or device.poll.interval_s)
    if quiet_s * 3 > options.link_timeout_s:
        return [f"poll.interval_s={device.poll.interval_s} / heartbeat_s="
                f"{options.heartbeat_s} leave the link quiet for {quiet_s} s, too long for "
                f"link_timeout_s={options.link_timeout_s}: keep it under a third"]
    return []
