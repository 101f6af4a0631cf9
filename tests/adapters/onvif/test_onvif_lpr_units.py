"""Profile M plate reads without sockets: which topics are plate topics (GetEventProperties,
namespaces, options) and how one notification decodes, strictly."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from lxml import etree

from adapters.onvif.codec import parse_envelope
from adapters.onvif.lpr import (
    STANDARD_KEY,
    LprTopics,
    advertised_lpr_topics,
    parse_plate_read,
)
from adapters.onvif.topics import Notification, parse_notification
from gateway.sdk import DecodeError
from simulators.onvif.camera import OnvifCamera
from simulators.onvif.context import OnvifQuirks
from simulators.onvif.lpr import (
    SimRead,
    alarm_description,
    event_properties,
    plate_description,
    plate_message,
)
from simulators.onvif.soap import envelope
from tests.adapters.onvif.sims import ptz_config

TT = "http://www.onvif.org/ver10/schema"
WSNT = "http://docs.oasis-open.org/wsn/b-2"


def _camera(**quirks: Any) -> OnvifCamera:
    return OnvifCamera(ptz_config(motion_rate_per_min=0.0), quirks=OnvifQuirks(lpr=True,
                                                                              **quirks))


def _roundtrip(message: etree._Element) -> tuple[etree._Element, Notification]:
    body, fault = parse_envelope(envelope([message]))
    assert body is not None and fault is None
    n = parse_notification(body)
    assert n is not None
    return body, n


def _read(cam: OnvifCamera, topic: str = "tns1:RuleEngine/Recognition/LicensePlate",
          **fields: Any) -> tuple[SimRead, etree._Element, Notification]:
    read = cam.plate_read(**fields)
    body, n = _roundtrip(plate_message(read, topic))
    return read, body, n


def test_advertised_topics_are_found_by_their_message_description() -> None:
    body, _ = parse_envelope(envelope([event_properties([
        ("tns1:RuleEngine/CellMotionDetector/Motion", alarm_description("IsMotion", [])),
        ("tns1:RuleEngine/Recognition/LicensePlate", plate_description()),
        ("tnsaxis:CameraApplicationPlatform/LPR", plate_description()),
        ("tnsjv:Traffic/Counter", alarm_description("Count", [])),
    ])]))
    assert body is not None
    found = advertised_lpr_topics(body)
    assert found == {STANDARD_KEY,
                     "{http://www.axis.com/2009/event/topics}CameraApplicationPlatform/LPR"}


def test_vendor_topic_matches_by_namespace_not_prefix() -> None:
    cam = _camera()
    advertised = {"{http://www.axis.com/2009/event/topics}CameraApplicationPlatform/LPR"}
    _, _, n = _read(cam, "tnsaxis:CameraApplicationPlatform/LPR")
    assert LprTopics(advertised).matches(n)
    assert not LprTopics().matches(n)  # not advertised, not configured: not a plate topic
    assert LprTopics(configured=["anyprefix:CameraApplicationPlatform/LPR"]).matches(n)
    _, _, standard = _read(cam)
    assert LprTopics().matches(standard)
    # the same path in another namespace is another topic
    _, _, other = _read(cam, "tnsjv:CameraApplicationPlatform/LPR")
    assert not LprTopics(advertised).matches(other)


def test_a_read_decodes_with_likelihoods_and_image() -> None:
    cam = _camera(lpr_image_bytes=10_000)
    read, body, n = _read(cam, plate="6DZG261", speed_kmh=47.5, direction="Approaching")
    got = parse_plate_read(body, n)
    assert (got.plate, got.plate_type, got.country, got.issuing_entity, got.plate_color) == \
        ("6DZG261", read.plate_type, "US", "CA", read.colour)
    assert got.plate_likelihood == read.plate_likelihood and got.likelihood == read.likelihood
    assert (got.speed_kmh, got.direction, got.vehicle_type) == (47.5, "approach", read.vehicle)
    assert got.image == read.image and got.image_type == "image/jpeg"
    assert got.rule == "LicensePlateRule" and got.source == "vs1"
    assert got.raw_id.startswith(f"onvif:vs1/LicensePlateRule/{read.object_id}/")
    again = parse_plate_read(*_roundtrip(plate_message(read, n.topic)))
    assert again.raw_id == got.raw_id  # the same read delivered twice: the same id
    assert parse_plate_read(body, n, speed_unit="ms").speed_kmh == pytest.approx(171.0)


@pytest.mark.parametrize("kind, message", [
    ("no_plate", "without a PlateNumber"), ("bad_likelihood", "Likelihood 'high'"),
    ("bad_image", "not valid base64"), ("no_plate_info", "without LicensePlateInfo")])
def test_malformed_reads_are_decode_errors(kind: str, message: str) -> None:
    _, body, n = _read(_camera(), malformed=kind)
    with pytest.raises(DecodeError, match=message):
        parse_plate_read(body, n)


def _message(data: str, utc: str = "2025-03-01T10:00:00.000Z") -> etree._Element:
    xml = (f'<wsnt:NotificationMessage xmlns:wsnt="{WSNT}" xmlns:tt="{TT}" '
           'xmlns:tns1="http://www.onvif.org/ver10/topics">'
           '<wsnt:Topic Dialect="x">tns1:RuleEngine/Recognition/LicensePlate</wsnt:Topic>'
           f'<wsnt:Message><tt:Message UtcTime="{utc}"><tt:Source>'
           '<tt:SimpleItem Name="Rule" Value="R1"/></tt:Source>'
           f'<tt:Data>{data}</tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage>')
    return etree.fromstring(xml)


def _parse(node: etree._Element) -> Any:
    n = parse_notification(node)
    assert n is not None
    return parse_plate_read(node, n)


def test_device_variants_fields_inline_no_object_id_png_image() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
    node = _message('<tt:ElementItem Name="LicensePlateInfo">'
                    '<tt:PlateNumber>AB 123</tt:PlateNumber></tt:ElementItem>'
                    f'<tt:ElementItem Name="Image">{base64.b64encode(png).decode()}'
                    '</tt:ElementItem>')
    got = _parse(node)
    assert got.plate == "AB 123" and got.plate_likelihood is None and got.object_id is None
    assert got.image == png and got.image_type == "image/png"
    assert got.raw_id.startswith("onvif:/R1/-/")  # a digest of what identifies the read
    assert _parse(_message('<tt:ElementItem Name="LicensePlateInfo"><tt:PlateNumber>AB 123'
                           '</tt:PlateNumber></tt:ElementItem>')).raw_id == got.raw_id


@pytest.mark.parametrize("data, utc, message", [
    ('<tt:ElementItem Name="LicensePlateInfo"><tt:PlateNumber Likelihood="1.5">X1'
     '</tt:PlateNumber></tt:ElementItem>', "2025-03-01T10:00:00Z", "outside"),
    ('<tt:ElementItem Name="LicensePlateInfo"><tt:PlateNumber>X1</tt:PlateNumber>'
     '</tt:ElementItem>', "0000-00-00T00:00:00Z", "not a time"),
    ('<tt:ElementItem Name="LicensePlateInfo"><tt:PlateNumber>X1</tt:PlateNumber>'
     '</tt:ElementItem><tt:SimpleItem Name="Speed" Value="fast"/>', "2025-03-01T10:00:00Z",
     "Speed"),
    ('<tt:ElementItem Name="LicensePlateInfo"><tt:PlateNumber>X1</tt:PlateNumber>'
     '</tt:ElementItem><tt:SimpleItem Name="Image" Value="aGVsbG8="/>',
     "2025-03-01T10:00:00Z", "neither JPEG nor PNG"),
])
def test_more_malformed_reads(data: str, utc: str, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        _parse(_message(data, utc))


def test_seeded_generator_makes_unique_jpeg_reads() -> None:
    def run() -> list[tuple[str, int]]:
        cam = OnvifCamera(ptz_config(motion_rate_per_min=0.0), seed=3,
                          quirks=OnvifQuirks(lpr=True, lpr_rate_per_min=600.0), clock=lambda: 0.0)
        log = cam.plates
        log.advance(cam.model, 100.0)
        log.advance(cam.model, 130.0)  # ~10 reads a second: ~300 over 30 s
        return [(r.plate, len(r.image)) for r in log.reads]
    first = run()
    assert 200 < len(first) < 400 and first == run()  # seeded: the same reads every time
    cam = _camera()
    images = {cam.plate_read().image for _ in range(5)}
    assert len(images) == 5 and all(i.startswith(b"\xff\xd8\xff") and i.endswith(b"\xff\xd9")
                                    for i in images)


def test_the_same_read_spelled_differently_has_the_same_id() -> None:
    plate = ('<tt:ElementItem Name="LicensePlateInfo"><tt:PlateNumber>X1</tt:PlateNumber>'
             '</tt:ElementItem><tt:SimpleItem Name="ObjectId" Value="7"/>')
    ids = {_parse(_message(plate, utc)).raw_id for utc in (
        "2025-03-01T10:00:00.250Z", "2025-03-01T10:00:00.25+00:00",
        "2025-03-01T12:00:00.250+02:00")}
    assert ids == {"onvif:/R1/7/2025-03-01T10:00:00.250000Z"}
