"""One simulated camera: identity, clock, streams, snapshot, PTZ and alarms. Pure Python, no I/O.

Protocol faces (ONVIF, ISAPI, Dahua CGI) render this one model in their own formats, so the same
camera seen through three protocols must normalize to the same state. Faults that are protocol
quirks (auth modes, HTML 401 bodies, internal-IP URIs) belong to the faces, not here; the model
only holds what a camera *is*: its clock can be skewed, its PTZ moves at a finite speed, and its
alarms start and stop at known times.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

from simulators.camera.jpeg import evidence_jpeg

__all__ = ["AlarmKind", "StreamProfile", "CameraConfig", "PtzPosition", "CameraAlarm",
           "CameraModel", "demo_cameras"]


class AlarmKind(StrEnum):
    MOTION = "motion"
    TAMPER = "tamper"
    VIDEO_LOSS = "video_loss"
    IO = "io"


@dataclass(frozen=True, slots=True)
class StreamProfile:
    token: str
    name: str
    codec: str  # "H264" | "H265" | "JPEG"
    width: int
    height: int
    fps: float
    channel: int = 1  # 1-based video channel
    stream: int = 1  # 1 main, 2 sub


@dataclass(frozen=True, slots=True)
class CameraConfig:
    id: str
    name: str
    manufacturer: str = "Junction"
    model: str = "SimCam-1"
    firmware: str = "1.0.0"
    serial: str = "SN0001"
    hardware_id: str = "HW-1"
    profiles: tuple[StreamProfile, ...] = (
        StreamProfile("main", "MainStream", "H265", 2560, 1440, 25.0, 1, 1),
        StreamProfile("sub", "SubStream", "H264", 640, 360, 15.0, 1, 2),
    )
    has_ptz: bool = True
    presets: tuple[str, ...] = ("home", "intersection", "crosswalk")
    clock_offset_s: float = 0.0
    motion_rate_per_min: float = 2.0  # seeded random motion alarms
    channels: int = 1

    def __post_init__(self) -> None:
        if not self.profiles:
            raise ValueError(f"camera {self.id!r}: needs at least one stream profile")
        if len({p.token for p in self.profiles}) != len(self.profiles):
            raise ValueError(f"camera {self.id!r}: duplicate profile token")


@dataclass(slots=True)
class PtzPosition:
    pan: float = 0.0  # -1..1
    tilt: float = 0.0  # -1..1
    zoom: float = 0.0  # 0..1


@dataclass(frozen=True, slots=True)
class CameraAlarm:
    """One alarm transition: `active` True when it starts, False when it ends."""

    seq: int
    kind: AlarmKind
    channel: int
    active: bool
    time: float  # camera clock, epoch seconds


@dataclass(slots=True)
class _Motion:
    until: float


class CameraModel:
    """A camera's behaviour over time; faces call `advance(now)` then read or command it."""

    __slots__ = ("config", "boot_time", "_now", "ptz", "_velocity", "_rng", "_next_motion",
                 "_motion", "alarms", "_seq", "active", "video_lost", "clock_offset_s",
                 "presets")

    PTZ_SPEED = 0.5  # position units per second at velocity 1
    HISTORY = 1000

    def __init__(self, config: CameraConfig, start_time: float, seed: int = 0) -> None:
        self.config = config
        self.boot_time = start_time
        self._now = start_time
        self.ptz = PtzPosition()
        self._velocity = (0.0, 0.0, 0.0)
        self._rng = random.Random(seed)
        self._next_motion = start_time + self._gap()
        self._motion: _Motion | None = None
        self.alarms: deque[CameraAlarm] = deque(maxlen=self.HISTORY)
        self._seq = 0
        self.active: dict[AlarmKind, bool] = dict.fromkeys(AlarmKind, False)
        self.video_lost = False
        self.clock_offset_s = config.clock_offset_s
        self.presets: dict[str, PtzPosition] = {
            name: PtzPosition(pan=round(-0.5 + i * 0.5, 3), tilt=0.1 * i, zoom=0.2 * i)
            for i, name in enumerate(config.presets)}

    # -- time --------------------------------------------------------------------------------
    def _gap(self) -> float:
        rate = self.config.motion_rate_per_min / 60.0
        return self._rng.expovariate(rate) if rate > 0 else float("inf")

    def device_time(self, now: float | None = None) -> float:
        return (self._now if now is None else now) + self.clock_offset_s

    @property
    def uptime_s(self) -> float:
        return max(0.0, self._now - self.boot_time)

    def advance(self, now: float) -> None:
        if now <= self._now:
            return
        dt = now - self._now
        vp, vt, vz = self._velocity
        if vp or vt or vz:
            p = self.ptz
            p.pan = _clamp(p.pan + vp * self.PTZ_SPEED * dt, -1, 1)
            p.tilt = _clamp(p.tilt + vt * self.PTZ_SPEED * dt, -1, 1)
            p.zoom = _clamp(p.zoom + vz * self.PTZ_SPEED * dt, 0, 1)
        # motion alarms: seeded arrivals lasting 3-8 s
        t = self._now
        while True:
            if self._motion is not None and self._motion.until <= now:
                self._emit(AlarmKind.MOTION, False, self._motion.until)
                t = self._motion.until
                self._motion = None
            if self._motion is None and self._next_motion <= now:
                start = max(self._next_motion, t)
                self._motion = _Motion(until=start + self._rng.uniform(3, 8))
                self._emit(AlarmKind.MOTION, True, start)
                self._next_motion = self._motion.until + self._gap()
                continue
            break
        self._now = now

    def _emit(self, kind: AlarmKind, active: bool, at: float) -> None:
        self._seq += 1
        self.active[kind] = active
        self.alarms.append(CameraAlarm(self._seq, kind, 1, active, at + self.clock_offset_s))

    def alarms_after(self, seq: int) -> list[CameraAlarm]:
        return [a for a in self.alarms if a.seq > seq]

    # -- commands and faults -----------------------------------------------------------------
    def continuous_move(self, pan: float, tilt: float, zoom: float) -> None:
        if not self.config.has_ptz:
            raise ValueError("camera has no PTZ")
        self._velocity = (_clamp(pan, -1, 1), _clamp(tilt, -1, 1), _clamp(zoom, -1, 1))

    def stop(self) -> None:
        self._velocity = (0.0, 0.0, 0.0)

    @property
    def moving(self) -> bool:
        return any(self._velocity)

    def goto_preset(self, name: str) -> None:
        if name not in self.presets:
            raise KeyError(name)
        target = self.presets[name]
        self._velocity = (0.0, 0.0, 0.0)
        self.ptz = PtzPosition(target.pan, target.tilt, target.zoom)

    def set_alarm(self, kind: AlarmKind, active: bool) -> None:
        """Fault injection: tamper, video loss or an I/O input, now."""
        if self.active[kind] != active:
            self._emit(kind, active, self._now)
        if kind == AlarmKind.VIDEO_LOSS:
            self.video_lost = active

    def reboot(self, now: float) -> None:
        self.boot_time = self._now = now
        self.stop()
        self._motion = None

    def snapshot_jpeg(self) -> bytes:
        """An 8x8 grey baseline JPEG with the camera id and time in a COM segment, so each
        snapshot differs and clients that sniff the magic bytes accept it [I: not yet opened
        in an image viewer]."""
        return evidence_jpeg(f"{self.config.id} {self.device_time():.1f}")


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def demo_cameras() -> list[CameraConfig]:
    return [
        CameraConfig(id="cam-main-1st", name="Main St & 1st Ave PTZ", manufacturer="Junction",
                     model="SimCam-PTZ", serial="SN1001"),
        CameraConfig(id="cam-oak-elm", name="Oak & Elm fixed", model="SimCam-Fixed",
                     serial="SN1002", has_ptz=False, presets=(),
                     profiles=(StreamProfile("main", "MainStream", "H264", 1920, 1080, 25.0),)),
        CameraConfig(id="cam-river-rd", name="River Rd PTZ (clock 7 s fast)", serial="SN1003",
                     clock_offset_s=7.0),
    ]

