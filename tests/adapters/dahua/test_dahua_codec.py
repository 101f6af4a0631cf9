"""Dahua CGI bodies as firmware writes them (python-amcrest and rroller/dahua docstrings,
reference cameras.md §3): key=value lines, error bodies, event parts, encode config."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.dahua import codec, mapping
from gateway.sdk import DecodeError


def test_key_value_splits_on_the_first_equals_only() -> None:
    text = "name=Gate=North\r\ntable.General.MachineName=cam=1==\nbroken line\r\n\r\nx= y \r\n"
    assert codec.parse_kv(text) == {"name": "Gate=North", "table.General.MachineName": "cam=1==",
                                    "x": "y"}


@pytest.mark.parametrize("body,reason", [
    (b"Error\r\nBad Request!\r\n", "Bad Request!"),
    (b"Error\r\nNot Implemented!", "Not Implemented!"),
    (b"Error\nInvalid Authority!\n", "Invalid Authority!"),
    (b"Error\r\n", "Error"),
    (b"OK\r\n", None),
    (b"type=IPC-HDW5831R-ZE\r\n", None),
    (b"ErrorCode=0\r\n", None),
])
def test_error_bodies(body: bytes, reason: str | None) -> None:
    assert codec.error_reason(body) == reason


def test_time_version_and_uptime() -> None:
    assert codec.parse_current_time("result=2024-5-1 10:00:00\r\n", 8.0) == \
        datetime(2024, 5, 1, 2, 0, tzinfo=UTC)
    assert codec.parse_current_time("result=garbage", 0) is None
    assert codec.parse_software_version("version=2.800.0000016.0.R,build:2020-06-05\r\n") == \
        "2.800.0000016.0.R (build 2020-06-05)"
    assert codec.parse_software_version("version=2.420.0000000.18.R\r\n") == \
        "2.420.0000000.18.R"
    assert codec.first_number("up=5400\r\n") == 5400.0
    assert codec.first_number("uptime=oops\r\n") is None
    assert codec.first_number("up=inf\r\nup2=nan\r\nup3=12\r\n") == 12.0


def test_event_parts() -> None:
    motion = codec.parse_event('Code=VideoMotion;action=Start;index=0;data={\n "Id" : [ 0 ],\n'
                               ' "RegionName" : [ "Region;1" ]\n}\n')
    assert (motion.code, motion.action, motion.index) == ("VideoMotion", "Start", 0)
    assert motion.data == {"Id": [0], "RegionName": ["Region;1"]}
    info = codec.parse_event("Code=VideoMotionInfo;action=State;index=2")
    assert (info.action, info.index, info.data) == ("State", 2, None)
    assert codec.parse_event("Heartbeat\r\n").is_heartbeat
    assert codec.parse_event("Code=X;action=Pulse;index=a;data=not json").data == "not json"
    with pytest.raises(DecodeError):
        codec.parse_event("action=Start;index=0")


def test_encode_config_and_streams() -> None:
    text = ("table.Encode[0].MainFormat[0].Video.Compression=H.265\r\n"
            "table.Encode[0].MainFormat[0].Video.Width=3840\r\n"
            "table.Encode[0].MainFormat[0].Video.Height=2160\r\n"
            "table.Encode[0].MainFormat[0].Video.FPS=20\r\n"
            "table.Encode[0].MainFormat[1].Video.Compression=H.264\r\n"  # event recording
            "table.Encode[0].ExtraFormat[0].Video.Compression=H.264\r\n"
            "table.Encode[0].ExtraFormat[0].Video.FPS=7.5\r\n"
            "table.Encode[0].ExtraFormat[1].VideoEnable=false\r\n")
    main, sub = codec.parse_encode(text)
    assert (main.codec, main.width, main.height, main.fps, main.subtype) == \
        ("H265", 3840, 2160, 20.0, 0)
    assert (sub.codec, sub.fps, sub.subtype) == ("H264", 7.5, 1)
    odd = codec.parse_encode("table.Encode[0].MainFormat[0].Video.FPS=inf\r\n"
                             "table.Encode[0].MainFormat[0].Video.Width=1e9\r\n")
    assert (odd[0].fps, odd[0].width) == (None, None)
    stream = mapping.stream(sub, "rtsp://10.0.0.9:554")
    assert stream.rtsp_uri == "rtsp://10.0.0.9:554/cam/realmonitor?channel=1&subtype=1"


def test_presets_status_and_ptz_codes() -> None:
    presets = codec.parse_presets("presets[1].Index=7\r\npresets[1].Name=gate\r\n"
                                  "presets[0].Index=1\r\npresets[0].Name=\r\n")
    assert presets == [(1, "1"), (7, "gate")]
    pan, tilt, zoom, moving = codec.parse_ptz_status(
        "status.Postion[0]=270.0\r\nstatus.Postion[1]=-45\r\nstatus.Postion[2]=64\r\n"
        "status.MoveStatus=Moving\r\n")
    assert mapping.pan_tilt_zoom(pan, tilt, zoom) == (0.5, -0.5, 0.5) and moving
    assert mapping.direction(-0.5, 0.25) == ("LeftUp", 2, 4)
    assert mapping.direction(0.01, 0) == ("Right", 0, 1)
    assert mapping.direction(0, -1) == ("Down", 0, 8)
    assert mapping.direction(0, 0) is None
    assert mapping.zoom_code(-0.5) == ("ZoomWide", 0, 4) and mapping.zoom_code(0) is None
