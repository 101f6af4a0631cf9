"""The frame codec against frames written out by hand from GB/T 20999-2017 (reference §2.2).

Nothing here builds the expected bytes with the code under test: literal frames are spelled out
field by field, and CRCs come from `textbook_crc`, a transcription of the field-tested tool's
algorithm (`673879047-dev/20999-test-first` docs/crc) and of the CRC catalogue's check values.
"""

from __future__ import annotations

import pytest

from adapters.gbt20999.codec import (
    CRC_CCITT,
    CRC_GB20999,
    CrcSpec,
    DataValue,
    Frame,
    FrameCodec,
    LengthMode,
    StreamDeframer,
    escape,
    unescape,
)
from gateway.sdk import DecodeError
from simulators.gbt20999.wire import Item, Message, WireFormat

HEADER = bytes.fromhex("0102" "01" "009A2109" "01")  # version 1.02, center 1, ctrl, crossing 1


def textbook_crc(data: bytes, poly: int = 0x1005, init: int = 0x0000) -> int:
    crc = init
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ poly) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def hand_escape(inner: bytes) -> bytes:
    out = bytearray()
    for b in inner:
        if b in (0x7E, 0x7D, 0x5C):
            out.append(0x5C)
        out.append(b)
    return bytes(out)


def hand_frame(seq: int, ftype: int, values: list[tuple[bytes, bytes]], *, poly: int = 0x1005,
               init: int = 0, counts_crc: bool = False, escaped: bool = True) -> bytes:
    """values: (class, object, attribute, element) bytes and data."""
    payload = HEADER + bytes((seq, ftype, len(values)))
    for i, (addr, data) in enumerate(values, 1):
        payload += bytes((i, 4 + len(data))) + addr + data
    length = 2 + len(payload) + (2 if counts_crc else 0)
    body = length.to_bytes(2, "big") + payload
    inner = body + textbook_crc(body, poly, init).to_bytes(2, "big")
    return b"\x7e" + (hand_escape(inner) if escaped else inner) + b"\x7d"


def frame(seq: int, ftype: int, values: tuple[DataValue, ...] = ()) -> Frame:
    return Frame(ftype, values, seq, 0x0102, 1, 0x009A2109, 1)


STANDARD = FrameCodec()


@pytest.mark.parametrize(("spec", "check"), [
    (CRC_CCITT, 0x29B1),                                  # CRC-16/CCITT-FALSE
    (CrcSpec(0x1021, 0x0000, reflect=True), 0x2189),      # CRC-16/KERMIT
    (CrcSpec(0x1021, 0xFFFF, True, 0xFFFF), 0x906E),      # CRC-16/IBM-SDLC
    (CrcSpec(0x8005, 0x0000, reflect=True), 0xBB3D),      # CRC-16/ARC
])
def test_crc_catalogue_check_values(spec: CrcSpec, check: int) -> None:
    assert spec.compute(b"123456789") == check


def test_crc_1005_matches_the_field_tool() -> None:
    for data in (b"", b"\x00", b"123456789", bytes(range(256)), b"\x7e\x7d\x5c" * 5):
        assert CRC_GB20999.compute(data) == textbook_crc(data)
        assert CRC_CCITT.compute(data) == textbook_crc(data, 0x1021, 0xFFFF)


def test_heartbeat_spelled_out() -> None:
    literal = bytes.fromhex("7E" "000D" "0102" "01" "009A2109" "01" "05" "70" "00" "D47B" "7D")
    assert textbook_crc(literal[1:-3]) == 0xD47B
    assert STANDARD.encode(frame(5, 0x70)) == literal
    decoded = STANDARD.decode(literal)
    assert (decoded.frame_type, decoded.seq, decoded.controller_id) == (0x70, 5, 0x009A2109)
    assert decoded.version == 0x0102 and decoded.length_field == 13 and decoded.values == ()


def test_crc_bytes_are_escaped_too() -> None:
    # seq 13 gives CRC 0x7E5B: on TCP its first byte travels as 5C 7E
    literal = bytes.fromhex("7E" "000D" "0102" "01" "009A2109" "01" "0D" "70" "00" "5C7E5B" "7D")
    assert textbook_crc(bytes.fromhex("000D010201009A2109010D7000")) == 0x7E5B
    assert STANDARD.encode(frame(13, 0x70)) == literal
    assert STANDARD.decode(literal).seq == 13
    udp = FrameCodec(escaped=False)
    assert udp.encode(frame(13, 0x70)) == literal.replace(b"\x5c\x7e", b"\x7e")


def test_query_and_reply_values() -> None:
    run_mode, status_all = bytes((13, 2, 2, 1)), bytes((3, 3, 1, 0))
    query = hand_frame(6, 0x10, [(run_mode, b""), (status_all, b"")])
    assert query[1:3] == (2 + 11 + 12).to_bytes(2, "big")  # Length = 2 + header + values
    built = STANDARD.encode(frame(6, 0x10, (DataValue(13, 2, 2, 1), DataValue(3, 3, 1, 0))))
    assert built == query
    reply = hand_frame(6, 0x20, [(run_mode, b"\x23"), (status_all, b"\x20\x10\x10\x30")])
    decoded = STANDARD.decode(reply)
    assert decoded.frame_type == 0x20
    assert [(v.address, v.data, v.index) for v in decoded.values] == [
        ((13, 2, 2, 1), b"\x23", 1), ((3, 3, 1, 0), b"\x20\x10\x10\x30", 2)]


def test_escaping_on_tcp_but_not_udp() -> None:
    data = b"\x7e\x01\x7d\x5c\x5c"  # a value carrying every special byte
    tcp = hand_frame(9, 0x30, [(bytes((18, 1, 0, 0)), data)])
    udp = hand_frame(9, 0x30, [(bytes((18, 1, 0, 0)), data)], escaped=False)
    assert b"\x5c\x7e\x01\x5c\x7d\x5c\x5c\x5c\x5c" in tcp
    assert len(tcp) == len(udp) + 4  # one 0x5C per special byte
    value = DataValue(18, 1, 0, 0, data)
    assert STANDARD.encode(frame(9, 0x30, (value,))) == tcp
    assert FrameCodec(escaped=False).encode(frame(9, 0x30, (value,))) == udp
    assert STANDARD.decode(tcp).values[0].data == data
    assert FrameCodec(escaped=False).decode(udp).values[0].data == data
    with pytest.raises(DecodeError, match="unescaped 0x7E"):
        STANDARD.decode(udp)  # an unescaped frame read as TCP


def test_escape_helpers() -> None:
    assert escape(b"\x01\x7e\x7d\x5c") == b"\x01\x5c\x7e\x5c\x7d\x5c\x5c"
    assert unescape(b"\x01\x5c\x7e\x5c\x7d\x5c\x5c") == b"\x01\x7e\x7d\x5c"
    with pytest.raises(DecodeError, match="bad escape 0x5C 0x41"):
        unescape(b"\x01\x5c\x41")
    with pytest.raises(DecodeError, match="lone escape"):
        unescape(b"\x01\x5c")


@pytest.mark.parametrize("counts_crc", [False, True])
def test_both_length_readings(counts_crc: bool) -> None:
    mode = LengthMode.BETWEEN_DELIMITERS if counts_crc else LengthMode.WITH_LENGTH_FIELD
    wire = hand_frame(7, 0x20, [(bytes((13, 2, 3, 1)), b"\x02")], counts_crc=counts_crc)
    codec = FrameCodec(length_mode=mode)
    value = DataValue(13, 2, 3, 1, b"\x02")
    assert codec.encode(frame(7, 0x20, (value,))) == wire
    assert codec.decode(wire).length_field == (22 if counts_crc else 20)  # 2 + 11 + 7 (+2)
    other = FrameCodec(length_mode=next(m for m in LengthMode if m is not mode))
    with pytest.raises(DecodeError, match=f"that is the {mode.value} reading"):
        other.decode(wire)
    lenient = FrameCodec(length_mode=other.length_mode, strict_length=False)
    assert lenient.decode(wire).values == (DataValue(13, 2, 3, 1, b"\x02", 1),)


def test_crc_mismatch_names_both_values() -> None:
    wire = bytearray(hand_frame(5, 0x70, []))
    wire[-3] ^= 0xFF
    with pytest.raises(DecodeError) as info:
        STANDARD.decode(bytes(wire))
    received, computed = int.from_bytes(wire[-3:-1], "big"), 0xD47B
    assert f"0x{received:04X}" in info.value.message and "0xD47B" in info.value.message
    assert info.value.detail == {"crc_received": received, "crc_computed": computed}
    assert info.value.reason == "decode_error"


def test_crc_variants_do_not_mix() -> None:
    ccitt_wire = hand_frame(5, 0x70, [], poly=0x1021, init=0xFFFF)
    assert textbook_crc(ccitt_wire[1:-3], 0x1021, 0xFFFF) == 0xF2E0
    ccitt = FrameCodec(crc=CRC_CCITT)
    assert ccitt.encode(frame(5, 0x70)) == ccitt_wire
    assert ccitt.decode(ccitt_wire).frame_type == 0x70
    with pytest.raises(DecodeError, match="CRC mismatch.*0xF2E0.*0xD47B.*poly 0x1005"):
        STANDARD.decode(ccitt_wire)


@pytest.mark.parametrize(("wire", "message"), [
    (b"", "empty"),
    (bytes.fromhex("C0 20 10 20 01 01 00 00 83 03 01 00 31 C0"), "GB 25280"),
    (bytes.fromhex("7E 000D 0102 01 009A2109 01 05 70 00 D47B"), "not 0x7D"),
    (bytes.fromhex("7E 000D 0102 01 7D"), "too short"),
    (bytes.fromhex("55 000D 0102 01 009A2109 01 05 70 00 D47B 7D"), "not 0x7E"),
])
def test_malformed_frames(wire: bytes, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        STANDARD.decode(wire)


def test_value_structure_errors() -> None:
    def with_payload(payload: bytes) -> bytes:
        body = (2 + len(payload)).to_bytes(2, "big") + payload
        return b"\x7e" + hand_escape(body + textbook_crc(body).to_bytes(2, "big")) + b"\x7d"

    short_value = HEADER + bytes((1, 0x20, 1)) + bytes((1, 3, 13, 2, 2))
    missing = HEADER + bytes((1, 0x20, 2)) + bytes((1, 5, 13, 2, 2, 1, 0x23))
    trailing = HEADER + bytes((1, 0x20, 1)) + bytes((1, 5, 13, 2, 2, 1, 0x23, 0xAA))
    overrun = HEADER + bytes((1, 0x20, 1)) + bytes((1, 9, 13, 2, 2, 1, 0x23))
    for payload, message in ((short_value, "at least 4"), (missing, "missing"),
                             (trailing, "unexpected bytes"), (overrun, "past the end")):
        with pytest.raises(DecodeError, match=message):
            STANDARD.decode(with_payload(payload))


def test_deframer_reassembles_and_resynchronises() -> None:
    one = hand_frame(1, 0x70, [])
    two = hand_frame(13, 0x70, [])  # CRC carries an escaped 0x7E
    data_7d = hand_frame(2, 0x30, [(bytes((18, 1, 0, 0)), b"\x7d\x5c")])
    d = StreamDeframer(escaped=True)
    stream = b"\x00\xff" + one + two + data_7d + bytes.fromhex("C0 20 C0") + one
    out: list[bytes | DecodeError] = []
    for i in range(0, len(stream), 3):  # arrives 3 bytes at a time
        out += d.feed(stream[i:i + 3])
    frames = [x for x in out if isinstance(x, bytes)]
    errors = [x for x in out if isinstance(x, DecodeError)]
    assert frames == [one, two, data_7d, one]
    assert any("GB 25280" in e.message for e in errors)
    assert [STANDARD.decode(f).seq for f in frames] == [1, 13, 2, 1]
    cut = StreamDeframer(escaped=True).feed(one[:9] + one)
    assert isinstance(cut[0], DecodeError) and "cut short" in cut[0].message
    assert cut[1] == one


@pytest.mark.parametrize("mode", list(LengthMode))
def test_deframer_by_length_for_unescaped_streams(mode: LengthMode) -> None:
    raw = hand_frame(3, 0x20, [(bytes((3, 3, 1, 0)), b"\x7d\x7e\x7d")], escaped=False,
                     counts_crc=mode is LengthMode.BETWEEN_DELIMITERS)
    d = StreamDeframer(escaped=False, length_mode=mode)
    assert d.feed(raw[:5]) == []
    assert d.feed(raw[5:] + raw) == [raw, raw]
    codec = FrameCodec(length_mode=mode, escaped=False)
    assert codec.decode(raw).values[0].data == b"\x7d\x7e\x7d"


@pytest.mark.parametrize(("poly", "init", "counts_crc", "escaped"), [
    (0x1005, 0x0000, False, True), (0x1021, 0xFFFF, False, True),
    (0x1005, 0x0000, True, False), (0x1021, 0xFFFF, True, False)])
def test_simulator_framing_agrees_with_the_adapter(poly: int, init: int, counts_crc: bool,
                                                    escaped: bool) -> None:
    """The simulator's wire module is a second, independent implementation."""
    sim = WireFormat(poly, init, False, 0, counts_crc, escaped)
    mode = LengthMode.BETWEEN_DELIMITERS if counts_crc else LengthMode.WITH_LENGTH_FIELD
    codec = FrameCodec(CrcSpec(poly, init), mode, escaped)
    items = (Item(3, 3, 1, 0, bytes(range(0x5A, 0x82))), Item(13, 2, 2, 1, b"\x13"))
    msg = Message(0x20, 77, items, 0x0102, 1, 0x009A2109, 1)
    wire = sim.build(msg)
    decoded = codec.decode(wire)
    assert [(v.address, v.data) for v in decoded.values] == [(i.key, i.data) for i in msg.items]
    assert codec.encode(decoded) == wire
    assert sim.parse(codec.encode(decoded)) == msg
