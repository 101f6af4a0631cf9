"""Every recorded-style payload in tests/fixtures/enforcement/<vendor>/<case>/ normalizes to its
expected.json (one loop per vendor: a new firmware variant is a new folder), plus the edge
cases of plate prefixes, codes and key=value folding."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from adapters.dahua_itc import codec as dahua_codec
from adapters.dahua_itc.mapping import RuleTable
from adapters.dahua_itc.mapping import normalize as dahua_normalize
from adapters.dahua_itc.options import DahuaItcOptions
from adapters.hikvision_itc.codec import parse_alert
from adapters.hikvision_itc.mapping import CodeTable, image_role, normalize, split_plate
from adapters.hikvision_itc.options import HikvisionItcOptions, normalize_mac, parse_offset
from gateway.sdk import DecodeError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "enforcement"
HIK_CASES = sorted(p for p in (FIXTURES / "hikvision").iterdir() if p.is_dir())
DAHUA_CASES = sorted(p for p in (FIXTURES / "dahua").iterdir() if p.is_dir())


def hik_table(options: dict[str, Any]) -> CodeTable:
    o = HikvisionItcOptions.model_validate(options)
    return CodeTable(o.violation_codes, o.pass_numeric_codes,
                     parse_offset(o.naive_time_offset) if o.naive_time_offset else None)


@pytest.mark.parametrize("case", HIK_CASES, ids=lambda p: p.name)
def test_hikvision_fixture(case: Path) -> None:
    expected = json.loads((case / "expected.json").read_text())
    body = next(case.glob("alert.*")).read_bytes()
    alert = parse_alert(body)
    assert alert.is_anpr
    if "error_without_options" in expected:
        with pytest.raises(DecodeError, match=expected["error_without_options"]):
            normalize(alert, hik_table({}))
    read = normalize(alert, hik_table(expected.get("options", {})))
    if "raw_id" in expected:
        assert read.raw_id == expected["raw_id"]
    else:
        assert read.raw_id.startswith(expected["raw_id_prefix"])
        assert normalize(parse_alert(body), hik_table({})).raw_id == read.raw_id  # stable
    assert read.time.isoformat() == expected["time"]
    assert read.plate.model_dump() == expected["plate"]
    assert read.raw_plate == expected["raw_plate"]
    assert read.vehicle.model_dump() == expected["vehicle"]
    assert (read.violation.model_dump() if read.violation else None) == expected["violation"]
    for key in ("lane", "direction", "speed_kmh", "speed_limit_kmh", "signal_state"):
        assert getattr(read, key) == expected[key], key
    routing = expected["routing"]
    assert alert.device_id == routing["device_id"]
    assert normalize_mac(alert.mac_address or "") == routing["mac_address"]
    assert alert.ip_address == routing["ip_address"]
    for n, (name, role) in enumerate(expected["roles"].items()):
        assert image_role(name, alert, n) == role
    if read.violation is not None:
        record = read.record("int-0001")
        assert record.raw_id == read.raw_id and record.location_code == "int-0001"
        assert record.source_vendor == "Hikvision"


@pytest.mark.parametrize("case", DAHUA_CASES, ids=lambda p: p.name)
def test_dahua_fixture(case: Path) -> None:
    expected = json.loads((case / "expected.json").read_text())
    [event] = dahua_codec.parse_part((case / "part.txt").read_bytes())
    assert event.code == expected["code"] and event.index == 0

    def table(options: dict[str, Any]) -> RuleTable:
        o = DahuaItcOptions.model_validate(options)
        return RuleTable(o.rule_codes, o.pass_numeric_codes, o.utc_offset_s)

    if "error_without_options" in expected:
        with pytest.raises(DecodeError, match=expected["error_without_options"]):
            dahua_normalize(event, table({}))
    read = dahua_normalize(event, table(expected.get("options", {})))
    assert read.raw_id == expected["raw_id"]
    assert read.time.isoformat() == expected["time"]
    assert read.time_source == expected["time_source"]
    assert read.plate.model_dump() == expected["plate"]
    assert read.vehicle.model_dump() == expected["vehicle"]
    assert (read.violation.model_dump() if read.violation else None) == expected["violation"]
    for key in ("lane", "direction", "speed_kmh", "speed_limit_kmh", "signal_state"):
        assert getattr(read, key) == expected[key], key
    assert [read.group, read.group_index, read.group_count] == expected["group"]


def test_realutc_not_utc() -> None:
    """The capture's UTC field is 7 h ahead (local time as epoch); the record uses RealUTC."""
    [event] = dahua_codec.parse_part(
        (FIXTURES / "dahua/traffic-junction-capture/part.txt").read_bytes())
    read = dahua_normalize(event, RuleTable({}, utc_offset_s=7 * 3600))
    assert read.time.timestamp() == pytest.approx(1706600095.305)
    assert event.data["UTC"] - event.data["RealUTC"] == 7 * 3600


@pytest.mark.parametrize("raw, number, colour", [
    ("蓝苏A8HK52", "苏A8HK52", "blue"),
    ("黄绿粤BD12345", "粤BD12345", "yellow_green"),
    ("黄沪B6C219", "沪B6C219", "yellow"),
    ("苏A8HK52", "苏A8HK52", None),
    ("蓝", "蓝", None),  # a bare colour word is not stripped to nothing
    ("无车牌", None, None),
    ("ABC1234", "ABC1234", None),
    (None, None, None),
])
def test_split_plate(raw: str | None, number: str | None, colour: str | None) -> None:
    assert split_plate(raw) == (number, colour)


def test_code_table() -> None:
    table = CodeTable({"1625": "1625", "16250": "1625", "Run_Red_Light": "1625"})
    assert table.national("16250", None) == "1625"
    assert table.national(None, "Run_Red_Light") == "1625"
    assert table.national("1240", "No_Seatbelt") == "1240"  # numeric: national already
    assert table.national("0", None) is None and table.national(None, None) is None
    assert table.national("X9", None) == "hikvision:X9"
    assert CodeTable({}, pass_numeric=False).national("1240", None) == "hikvision:1240"
    rules = RuleTable({"TrafficRunRedLight": "1625"})
    assert rules.national("TrafficRunRedLight", None) == "1625"
    assert rules.national("TrafficJunction", None) is None
    assert rules.national("TrafficJunction", "1345") == "1345"
    assert rules.national("TrafficWrongRoute", None) == "dahua:TrafficWrongRoute"


@pytest.mark.parametrize("body, message", [
    (b"<EventNotificationAlert><eventType>ANPR</eventType>", "not well-formed"),
    (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><EventNotificationAlert/>', "DTD"),
    (b"<ResponseStatus><statusCode>1</statusCode></ResponseStatus>", "not EventNotificationAlert"),
    (b'{"eventType": ', "not valid JSON"),
    (b'{"foo": 1}', "no eventType"),
    (b"hello", "neither XML nor JSON"),
    (b"<EventNotificationAlert><ipAddress>1</ipAddress></EventNotificationAlert>",
     "without eventType"),
])
def test_bad_alerts(body: bytes, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        parse_alert(body)


def test_key_value_folding_and_bad_parts() -> None:
    tree = dahua_codec.fold_keys(["A[0].B.C=1", "A[0].B.D=x=y", "A[1][0]=z", "junk"])
    assert tree == {"A": [{"B": {"C": "1", "D": "x=y"}}, ["z"]]}
    assert dahua_codec.is_heartbeat(b"Heartbeat\r\n")
    for body in (b"Code=TrafficJunction;action=Pulse;index=0;data={oops",
                 b"action=Pulse;index=0", b"random text", b"Events[0].Foo=1",
                 b"Code=X;data=[1,2]"):
        with pytest.raises(DecodeError):
            dahua_codec.parse_part(body)
