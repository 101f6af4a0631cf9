"""The adapter's pure parts, table-driven: hardened parsing, the UsernameToken digest, URI
hygiene, topic normalisation and lenient times."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from adapters.onvif import codec, mapping, topics
from adapters.onvif.soap import SoapClient
from gateway.model import EventType
from gateway.sdk import DecodeError, ProtocolError
from simulators.onvif.camera import XML_BOMB

EXTERNAL_ENTITY = (b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                   b'<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope">'
                   b"<env:Body><a>&x;</a></env:Body></env:Envelope>")


@pytest.mark.parametrize("payload", [XML_BOMB, EXTERNAL_ENTITY, b"<env:Envelope", b"\xff\xfe"])
def test_hostile_or_broken_xml_is_a_decode_error(payload: bytes) -> None:
    with pytest.raises(DecodeError):
        codec.parse_envelope(payload)


def test_xml_that_is_not_soap_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        codec.parse_envelope(b"<html><body>login</body></html>")


def test_fault_subcodes_are_read() -> None:
    fault_xml = (b'<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" '
                 b'xmlns:ter="http://www.onvif.org/ver10/error"><env:Body><env:Fault>'
                 b"<env:Code><env:Value>env:Sender</env:Value><env:Subcode><env:Value>"
                 b"ter:NotAuthorized</env:Value></env:Subcode></env:Code><env:Reason>"
                 b'<env:Text xml:lang="en">Sender not Authorized</env:Text></env:Reason>'
                 b"</env:Fault></env:Body></env:Envelope>")
    body, fault = codec.parse_envelope(fault_xml)
    assert body is None and fault is not None
    assert fault.subcodes == ("NotAuthorized",) and fault.is_auth


def test_password_digest_matches_zeep() -> None:
    """Same nonce and Created: our PasswordDigest equals zeep's independent implementation."""
    zeep_username = pytest.importorskip("zeep.wsse.username")
    nonce, created = b"0123456789abcdef", datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    token = zeep_username.UsernameToken("admin", "secret", use_digest=True, nonce=nonce.decode(),
                                        created=created, zulu_timestamp=True)
    envelope = etree.fromstring(b'<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/'
                                b'soap-envelope"><soap:Header/><soap:Body/></soap:Envelope>')
    token.apply(envelope, {})
    theirs = envelope.find(".//{*}Password")
    zeep_created = envelope.find(".//{*}Created")
    assert theirs is not None and zeep_created is not None and zeep_created.text
    ours = codec.password_digest(nonce, zeep_created.text, "secret")
    assert ours == theirs.text
    header = codec.username_token("admin", "secret", created, nonce=nonce)
    assert header.findtext(".//{*}Nonce") == base64.b64encode(nonce).decode()
    assert header.findtext(".//{*}Created") == "2024-05-01T12:00:00.000Z"


@pytest.mark.parametrize(("uri", "expected"), [
    ("rtsp://admin:pw@192.168.1.64:554/Streaming/Channels/101", "rtsp://10.0.0.5:554/Streaming/Channels/101"),
    ("rtsp://192.168.1.64/live?user=admin&password=pw&channel=1", "rtsp://10.0.0.5/live?channel=1"),
    (" rtsp://127.0.1.1:8554/s1\r\n", "rtsp://10.0.0.5:8554/s1"),
])
def test_stream_uris_lose_credentials_and_internal_hosts(uri: str, expected: str) -> None:
    assert mapping.public_stream_uri(uri, "10.0.0.5") == expected


def test_device_urls_keep_only_path_and_query() -> None:
    for uri, path in (("http://192.168.1.64/onvif/media_service", "/onvif/media_service"),
                      ("http://192.168.1.64:8080/onvif/subscription?Idx=3 http://[fe80::1]/x",
                       "/onvif/subscription?Idx=3"),
                      ("onvif/ptz", "/onvif/ptz")):
        assert SoapClient.path(uri) == path


@pytest.mark.parametrize(("raw", "nsmap", "topic", "event"), [
    ("tns1:RuleEngine/CellMotionDetector/Motion", {"tns1": topics.NS["tns1"]},
     "tns1:RuleEngine/CellMotionDetector/Motion", EventType.CAMERA_MOTION),
    ("ns7:VideoSource/MotionAlarm//.", {"ns7": topics.NS["tns1"]},
     "tns1:VideoSource/MotionAlarm", EventType.CAMERA_MOTION),
    ("tns1:RuleEngine/MotionRegionDetector/Motion/", {"tns1": topics.NS["tns1"]},
     "tns1:RuleEngine/MotionRegionDetector/Motion", EventType.CAMERA_MOTION),
    ("tns1:RuleEngine/TamperDetector/Tamper", {"tns1": topics.NS["tns1"]},
     "tns1:RuleEngine/TamperDetector/Tamper", EventType.CAMERA_TAMPER),
    ("tns1:VideoSource/ImageTooBlurry/ImagingService", {"tns1": topics.NS["tns1"]},
     "tns1:VideoSource/ImageTooBlurry/ImagingService", EventType.CAMERA_TAMPER),
    ("tns1:VideoSource/SignalLoss", {"tns1": topics.NS["tns1"]},
     "tns1:VideoSource/SignalLoss", EventType.CAMERA_VIDEO_LOSS),
    ("tns1:VideoSource/tns1:Device/Trigger/DigitalInput", {"tns1": topics.NS["tns1"]},
     "tns1:Device/Trigger/DigitalInput", None),
    ("tns1:RuleEngine/MyRuleDetector/PeopleDetect", {"tns1": topics.NS["tns1"]},
     "tns1:RuleEngine/MyRuleDetector/PeopleDetect", None),
])
def test_topic_variants(raw: str, nsmap: dict[str | None, str], topic: str,
                        event: EventType | None) -> None:
    normalised = topics.normalize_topic(raw, nsmap)
    assert normalised == topic
    assert topics.classify(normalised)[0] == event


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("1", True), ("active", True),
                                                 ("False", False), ("0", False), ("", None),
                                                 ("maybe", None)])
def test_booleans(value: str, expected: bool | None) -> None:
    assert topics.as_bool(value) is expected


def test_lenient_times_and_durations() -> None:
    assert codec.parse_time("0000-00-00T00:00:00Z") is None
    assert codec.parse_time("99999-01-01T00:00:00Z") is None
    assert codec.parse_time("2024-05-01T12:00:00") == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert codec.parse_duration("PT1M30S") == timedelta(seconds=90)
    assert codec.parse_duration("nonsense") is None


def test_clock_offset_tightens_across_whole_second_readings() -> None:
    client = SoapClient.__new__(SoapClient)
    client._bounds = None
    true_offset = 7.3
    for now in (1000.05, 1000.55, 1001.4, 1002.93, 1003.71):
        camera = datetime.fromtimestamp(int(now + true_offset), UTC)  # truncated seconds
        client.note_device_time(camera, now - 0.001, now + 0.001)
    assert abs(client.offset.total_seconds() - true_offset) < 0.2
    client.note_device_time(datetime.fromtimestamp(int(1004.0 - 3600), UTC), 1004.0, 1004.0)
    assert client.offset.total_seconds() == pytest.approx(-3600, abs=1.0)  # a reset clock
