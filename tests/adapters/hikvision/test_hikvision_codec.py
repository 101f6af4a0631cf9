"""ISAPI documents as firmware writes them: namespaces, empty fields, hostile XML, times.

Documents follow pyHik's test fixtures (mezz64/pyHik `tests/`) and the Device Network SDK
guides quoted in reference cameras.md §2; each variant below is one seen in the field.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.hikvision import codec, mapping
from gateway.sdk import DecodeError

NAMESPACES = ["http://www.hikvision.com/ver20/XMLSchema", "http://www.hikvision.com/ver10/XMLSchema",
              "http://www.isapi.org/ver20/XMLSchema", "http://www.std-cgi.org/ver20/XMLSchema",
              "urn:psialliance-org", None]


def device_info(ns: str | None) -> bytes:
    xmlns = f' xmlns="{ns}"' if ns else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<DeviceInfo version="2.0"{xmlns}>'
            "<deviceName>Gate</deviceName><deviceID>88</deviceID><model>DS-2CD2T47G1-L</model>"
            "<serialNumber>DS-2CD2T47G1-L20200101AAWRE12345678</serialNumber>"
            "<macAddress>c0:56:e3:00:00:01</macAddress><firmwareVersion>V5.6.3"
            "</firmwareVersion><firmwareReleasedDate>build 190923</firmwareReleasedDate>"
            "<deviceType>IPCamera</deviceType></DeviceInfo>").encode()


@pytest.mark.parametrize("ns", NAMESPACES)
def test_device_info_in_every_namespace(ns: str | None) -> None:
    root = codec.parse_xml(device_info(ns), "deviceInfo")
    info = codec.parse_device_info(root)
    assert (info.model, info.firmware, info.device_type) == ("DS-2CD2T47G1-L", "V5.6.3",
                                                              "IPCamera")
    assert codec.namespace(root) == ns


def test_prefixed_namespace_is_found_by_local_name() -> None:
    doc = (b'<hik:DeviceStatus xmlns:hik="http://www.hikvision.com/ver10/XMLSchema">'
           b"<hik:currentDeviceTime>2024-05-01T10:00:00+08:00</hik:currentDeviceTime>"
           b"<hik:deviceUpTime>3600</hik:deviceUpTime></hik:DeviceStatus>")
    uptime, when = codec.parse_status(codec.parse_xml(doc, "status"))
    assert uptime == 3600.0 and when == datetime(2024, 5, 1, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize("text,expected", [
    ("2024-05-01T10:00:00+08:00", datetime(2024, 5, 1, 2, 0, tzinfo=UTC)),
    ("2024-05-01T10:00:00+0800", datetime(2024, 5, 1, 2, 0, tzinfo=UTC)),
    ("2024-05-01T02:00:00Z", datetime(2024, 5, 1, 2, 0, tzinfo=UTC)),
    ("2024-05-01T02:00:00", datetime(2024, 5, 1, 2, 0, tzinfo=UTC)),
    ("2024-05-01T10:00:00-05:00", datetime(2024, 5, 1, 15, 0, tzinfo=UTC)),
    ("", None), ("not a time", None), ("0000-00-00T00:00:00", None), (None, None),
])
def test_datetimes(text: str | None, expected: datetime | None) -> None:
    assert codec.parse_datetime(text) == expected


def test_alert_with_empty_post_count_and_dyn_channel() -> None:
    doc = (b'<EventNotificationAlert version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">'
           b"<ipAddress>10.0.0.5</ipAddress><dynChannelID>3</dynChannelID>"
           b"<dateTime>2024-05-01T10:00:00+08:00</dateTime><activePostCount/>"
           b"<eventType>VMD</eventType><eventState>active</eventState>"
           b"<eventDescription>Motion alarm</eventDescription></EventNotificationAlert>")
    alert = codec.parse_alert(codec.parse_xml(doc, "alert"))
    assert (alert.event_type, alert.active, alert.channel, alert.post_count) == \
        ("VMD", True, 3, None)
    assert mapping.event_kind(alert.event_type) == ("motion", mapping.EVENT_KINDS["vmd"][1])


def test_alert_without_state_is_active_and_without_type_is_refused() -> None:
    doc = b"<EventNotificationAlert><eventType>IO</eventType><inputIOPortID>2</inputIOPortID>" \
          b"</EventNotificationAlert>"
    alert = codec.parse_alert(codec.parse_xml(doc, "alert"))
    assert alert.active and alert.channel == 2
    with pytest.raises(DecodeError, match="eventType"):
        codec.parse_alert(codec.parse_xml(b"<EventNotificationAlert><eventType/>"
                                          b"</EventNotificationAlert>", "alert"))


@pytest.mark.parametrize("doc", [
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
    b'"&lol;&lol;&lol;&lol;">]><DeviceInfo><model>&lol2;</model></DeviceInfo>',
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b"<DeviceInfo><model>&xxe;</model></DeviceInfo>",
    b"<DeviceInfo><model>unterminated",
    b"",
    b"<html><body>Document Error: Unauthorized</body>",
], ids=["billion-laughs", "xxe", "truncated", "empty", "html"])
def test_hostile_or_broken_documents_are_decode_errors(doc: bytes) -> None:
    with pytest.raises(DecodeError):
        codec.parse_device_info(codec.parse_xml(doc, "deviceInfo"))


def test_oversized_document_is_refused_before_parsing() -> None:
    with pytest.raises(DecodeError, match="exceeds"):
        codec.parse_xml(b"<a>" + b"x" * (codec.MAX_XML_BYTES + 1) + b"</a>", "big")


def test_streaming_channels_and_mapping() -> None:
    doc = (b'<StreamingChannelList xmlns="http://www.hikvision.com/ver10/XMLSchema">'
           b"<StreamingChannel><id>101</id><channelName>Cam</channelName><enabled>true"
           b"</enabled><Video><videoCodecType>H.265</videoCodecType><videoResolutionWidth>"
           b"3840</videoResolutionWidth><videoResolutionHeight>2160</videoResolutionHeight>"
           b"<maxFrameRate>2500</maxFrameRate></Video></StreamingChannel>"
           b"<StreamingChannel><id>102</id><enabled>false</enabled><Video/></StreamingChannel>"
           b"</StreamingChannelList>")
    main, sub = codec.parse_channels(codec.parse_xml(doc, "channels"))
    assert (main.codec, main.width, main.height, main.fps) == ("H265", 3840, 2160, 25.0)
    assert not sub.enabled and sub.fps is None
    odd = codec.parse_channels(codec.parse_xml(
        b"<StreamingChannel><id>101</id><Video><maxFrameRate>inf</maxFrameRate>"
        b"<videoResolutionWidth>nan</videoResolutionWidth></Video></StreamingChannel>", "ch"))
    assert (odd[0].fps, odd[0].width) == (None, None)
    stream = mapping.stream(main, "rtsp://10.0.0.5:554")
    assert stream.rtsp_uri == "rtsp://10.0.0.5:554/Streaming/Channels/101"


def test_response_status_and_ptz_units() -> None:
    doc = (b'<ResponseStatus version="1.0" xmlns="http://www.std-cgi.org/ver20/XMLSchema">'
           b"<requestURL>/ISAPI/PTZCtrl/channels/1/continuous</requestURL><statusCode>4"
           b"</statusCode><statusString>Invalid Operation</statusString><subStatusCode>"
           b"notSupport</subStatusCode></ResponseStatus>")
    status = codec.parse_response_status(codec.parse_xml(doc, "status"))
    assert status is not None and not status.ok and status.sub_status_code == "notSupport"
    assert mapping.pan_tilt_zoom(2700, -450, 165) == (0.5, -0.5, 0.5)
    assert mapping.pan_tilt_zoom(None, None, None) == (None, None, None)
    assert [mapping.speed(v) for v in (-1, -0.333, 0, 0.5, 2)] == [-100, -33, 0, 50, 100]


def test_ptz_data_uses_the_cameras_namespace_safely() -> None:
    root = codec.parse_xml(codec.ptz_data(50, -10, 0, "urn:a&b"), "ptz")
    assert codec.namespace(root) == "urn:a&b" and codec.child_text(root, "pan") == "50"
    hostile = codec.ptz_data(0, 0, 0, 'urn:x" evil="1')
    assert b"""xmlns='urn:x" evil="1'""" in hostile  # one quoted value, never a new attribute
