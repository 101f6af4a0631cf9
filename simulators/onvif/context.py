"""What every operation handler of the ONVIF face gets: the camera, its options, and how the
device names itself in the URIs it hands out (its own address, or a LAN address when the
`internal_ip_uris` quirk is on)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from lxml import etree

from simulators.camera.model import CameraModel, StreamProfile
from simulators.onvif.lpr import PlateReadLog
from simulators.onvif.soap import Request, SoapFault

__all__ = ["OnvifQuirks", "OnvifFaults", "PtzTimer", "Ctx", "Handler", "INTERNAL_HOST",
           "no_profile"]

# What a camera behind NAT advertises (field-pain-points §1 #6). Never connected to.
INTERNAL_HOST = "192.168.1.64"

AuthMode = Literal["digest", "wsse", "both", "none"]


@dataclass(slots=True)
class OnvifQuirks:
    """Field behaviours of real devices, each a named option (field-pain-points §1)."""

    auth: AuthMode = "both"  # which credentials the SOAP services accept
    html_401: bool = False  # 401 answers carry an HTML page, not SOAP
    media1_only: bool = False  # no Media2 service: H.265 profiles are invisible
    internal_ip_uris: bool = False  # XAddrs, stream, snapshot and subscription URIs use a LAN IP
    credentials_in_uris: bool = False  # rtsp://user:password@host/... stream URIs
    pull_extends_ttl: bool = True  # False: PullMessages does not keep the subscription alive
    ttl_cap_s: float = 600.0  # the longest subscription lifetime the device grants
    broken_relative_time: bool = False  # answers TerminationTime == CurrentTime to "PT60S"
    max_pull_points: int = 8
    topic_style: Literal["rule_engine", "video_source"] = "rule_engine"
    bool_style: Literal["true", "1"] = "true"
    malformed_events: bool = False  # adds an event with a bad UtcTime and no Data to each batch
    snapshot: bool = True  # False: GetSnapshotUri faults (no snapshot support)
    wsse_tolerance_s: float = 5.0
    # Profile M licence-plate recognition (simulators/onvif/lpr.py)
    lpr: bool = False  # advertise a plate-read topic and deliver plate reads on it
    lpr_topic: str = "tns1:RuleEngine/Recognition/LicensePlate"  # or a non-standard one
    lpr_rate_per_min: float = 0.0  # seeded random reads (0: only those a test adds)
    lpr_repeat: bool = False  # each read is delivered again in the next PullMessages
    lpr_replay_on_subscribe: int = 0  # a new subscription starts with the last N reads
    lpr_image_bytes: int = 4096


@dataclass(slots=True)
class OnvifFaults:
    """Faults switched on and off while the device runs (hooks on the face, never the model)."""

    latency_s: float = 0.0
    silent: bool = False  # accept the request, never answer
    malformed: bool = False  # 200 with a truncated, non-XML body
    xml_bomb: bool = False  # 200 with a billion-laughs document
    event_stall: bool = False  # PullMessages never answers
    operations: set[str] = field(default_factory=set)  # empty: faults hit every operation

    def hits(self, operation: str) -> bool:
        return not self.operations or operation in self.operations


class PtzTimer:
    """The ContinuousMove Timeout: when it passes, the camera stops as if told to."""

    __slots__ = ("deadline",)

    def __init__(self) -> None:
        self.deadline: float | None = None

    def advance(self, model: CameraModel, now: float) -> None:
        if self.deadline is not None and now >= self.deadline:
            model.advance(self.deadline)
            model.stop()
            self.deadline = None
        model.advance(now)


@dataclass(slots=True)
class Ctx:
    model: CameraModel
    quirks: OnvifQuirks
    username: str
    password: str
    host: str  # host:port the device names in its URIs
    now: Callable[[], float]
    ptz_timer: PtzTimer
    plates: PlateReadLog | None = None

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"

    def rtsp_host(self) -> str:
        return self.host.rsplit(":", 1)[0] + ":554"

    def profile(self, token: str | None) -> StreamProfile:
        for profile in self.model.config.profiles:
            if profile.token == token:
                return profile
        raise no_profile(token)


Handler = Callable[[Ctx, Request], "list[etree._Element]"]


def no_profile(token: str | None) -> SoapFault:
    return SoapFault("Sender", ("ter:InvalidArgVal", "ter:NoProfile"),
                     f"no media profile {token!r}")
