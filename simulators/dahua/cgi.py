"""Dahua CGI bodies rendered from the shared camera model (`key=value` lines, CRLF).

Shapes follow python-amcrest and rroller/dahua docstrings quoted in reference cameras.md §3.
PTZ position units are the adapter README's convention [I]: `Postion[0]` pan 0..360 degrees,
`Postion[1]` tilt -90..90 degrees, `Postion[2]` zoom 0..128.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from simulators.camera import AlarmKind, CameraModel

__all__ = ["kv", "device_type", "system_info", "software_version", "current_time", "uptime",
           "encode_config", "rtsp_config", "presets", "ptz_status", "event_body", "CODES",
           "error_body"]

CODES: dict[AlarmKind, str] = {AlarmKind.MOTION: "VideoMotion", AlarmKind.TAMPER: "VideoBlind",
                               AlarmKind.VIDEO_LOSS: "VideoLoss", AlarmKind.IO: "AlarmLocal"}
_CODECS = {"H264": "H.264", "H265": "H.265", "JPEG": "MJPG"}


def kv(pairs: list[tuple[str, object]]) -> bytes:
    return "".join(f"{k}={v}\r\n" for k, v in pairs).encode()


def error_body(reason: str) -> bytes:
    return f"Error\r\n{reason}\r\n".encode()


def device_type(model: CameraModel) -> bytes:
    return kv([("type", model.config.model)])


def system_info(model: CameraModel) -> bytes:
    c = model.config
    return kv([("deviceType", c.model), ("hardwareVersion", "1.00"), ("processor", "S3LM"),
               ("serialNumber", c.serial), ("updateSerial", c.model.split("-")[0] + "-S3")])


def software_version(model: CameraModel) -> bytes:
    return kv([("version", f"{model.config.firmware},build:2024-03-15")])


def current_time(model: CameraModel, utc_offset_min: int) -> bytes:
    """Local time, no zone on the wire, month and day not zero-padded (Dahua's examples)."""
    t = datetime.fromtimestamp(model.device_time(), UTC).astimezone(
        timezone(timedelta(minutes=utc_offset_min)))
    return kv([("result", f"{t.year}-{t.month}-{t.day} {t:%H:%M:%S}")])


def uptime(model: CameraModel) -> bytes:
    return kv([("up", int(model.uptime_s))])


def encode_config(model: CameraModel) -> bytes:
    pairs: list[tuple[str, object]] = []
    extra: dict[int, int] = {}
    for p in model.config.profiles:
        if p.stream == 1:
            prefix = f"table.Encode[{p.channel - 1}].MainFormat[0]"
        else:
            n = extra.get(p.channel, 0)
            extra[p.channel] = n + 1
            prefix = f"table.Encode[{p.channel - 1}].ExtraFormat[{n}]"
        pairs += [(f"{prefix}.AudioEnable", "false"),
                  (f"{prefix}.Video.BitRate", 4096 if p.stream == 1 else 512),
                  (f"{prefix}.Video.Compression", _CODECS.get(p.codec, p.codec)),
                  (f"{prefix}.Video.FPS", int(p.fps) if p.fps == int(p.fps) else p.fps),
                  (f"{prefix}.Video.GOP", int(p.fps * 2)),
                  (f"{prefix}.Video.Height", p.height),
                  (f"{prefix}.Video.Width", p.width),
                  (f"{prefix}.VideoEnable", "true")]
    return kv(pairs)


def rtsp_config(port: int = 554) -> bytes:
    return kv([("table.RTSP.Enable", "true"), ("table.RTSP.Port", port),
               ("table.RTSP.RTP.EndPort", 40000), ("table.RTSP.RTP.StartPort", 20000)])


def presets(model: CameraModel) -> bytes:
    pairs: list[tuple[str, object]] = []
    for i, name in enumerate(model.presets):
        pairs += [(f"presets[{i}].Index", i + 1), (f"presets[{i}].Name", name),
                  (f"presets[{i}].Type", 0)]
    return kv(pairs)


def ptz_status(model: CameraModel) -> bytes:
    p = model.ptz
    return kv([("status.Action", "Idle"), ("status.MoveStatus",
                                           "Moving" if model.moving else "Idle"),
               ("status.Postion[0]", f"{(p.pan + 1) * 180:.1f}"),
               ("status.Postion[1]", f"{p.tilt * 90:.1f}"),
               ("status.Postion[2]", f"{p.zoom * 128:.1f}"),
               ("status.PresetID", 0), ("status.ZoomStatus", "Idle")])


def event_body(kind: AlarmKind, channel: int, active: bool) -> str:
    """`Code=...;action=Start;index=0`, with the multi-line JSON `data` of VideoMotion."""
    body = f"Code={CODES[kind]};action={'Start' if active else 'Stop'};index={channel - 1}"
    if kind == AlarmKind.MOTION:
        body += ';data={\n   "Id" : [ 0 ],\n   "RegionName" : [ "Region1" ],\n' \
                '   "SmartMotionEnable" : false\n}\n'
    return body
