"""Our SNMP codec against known BER vectors and against pysnmp/pyasn1 in both directions."""

from __future__ import annotations

import pytest
from snmp_pysnmp_bridge import from_pysnmp, to_pysnmp

from gateway.sdk.errors import DecodeError
from gateway.sdk.snmp import (
    Message,
    PduType,
    RequestTemplate,
    SnmpDecodeError,
    SnmpEncodeError,
    Tag,
    VarBind,
    decode_message,
    encode_message,
    format_oid,
    parse_oid,
)
from gateway.sdk.snmp.ber import encode_length, encode_oid, encode_value

SYS_UPTIME = (1, 3, 6, 1, 2, 1, 1, 3, 0)
BIG_OID = (2, 999, 0xFFFFFFFF, 128, 16383, 16384, 1 << 40)

V1_VALUES = [
    VarBind((1, 3, 6, 1, 1), Tag.INTEGER, 0),
    VarBind((1, 3, 6, 1, 2), Tag.INTEGER, -1),
    VarBind((1, 3, 6, 1, 3), Tag.INTEGER, 127),
    VarBind((1, 3, 6, 1, 4), Tag.INTEGER, 128),
    VarBind((1, 3, 6, 1, 5), Tag.INTEGER, -129),
    VarBind((1, 3, 6, 1, 6), Tag.INTEGER, 2**31 - 1),
    VarBind((1, 3, 6, 1, 7), Tag.INTEGER, -(2**31) + 1),
    VarBind((1, 3, 6, 1, 8), Tag.OCTET_STRING, b""),
    VarBind((1, 3, 6, 1, 9), Tag.OCTET_STRING, bytes(range(256)) * 2),
    VarBind((1, 3, 6, 1, 10), Tag.NULL, None),
    VarBind((1, 3, 6, 1, 11), Tag.OBJECT_ID, (1, 3, 6, 1, 4, 1, 1206, 4, 2, 1)),
    VarBind((1, 3, 6, 1, 12), Tag.OBJECT_ID, (0, 0)),
    VarBind((1, 3, 6, 1, 13), Tag.IP_ADDRESS, b"\x0a\x00\xff\x01"),
    VarBind((1, 3, 6, 1, 14), Tag.COUNTER32, 0),
    VarBind((1, 3, 6, 1, 15), Tag.COUNTER32, 2**32 - 1),
    VarBind((1, 3, 6, 1, 16), Tag.GAUGE32, 2**31),
    VarBind((1, 3, 6, 1, 17), Tag.TIMETICKS, 123456789),
    VarBind((1, 3, 6, 1, 18), Tag.OPAQUE, b"\x9f\x78\x04\x3f\x80\x00\x00"),
    VarBind(BIG_OID, Tag.NULL, None),
]
V2_ONLY = [
    VarBind((1, 3, 6, 1, 20), Tag.COUNTER64, 0),
    VarBind((1, 3, 6, 1, 21), Tag.COUNTER64, 2**64 - 1),
    VarBind((1, 3, 6, 1, 22), Tag.COUNTER64, 2**63),
    VarBind((1, 3, 6, 1, 23), Tag.NO_SUCH_OBJECT, None),
    VarBind((1, 3, 6, 1, 24), Tag.NO_SUCH_INSTANCE, None),
    VarBind((1, 3, 6, 1, 25), Tag.END_OF_MIB_VIEW, None),
]
NULLS = tuple(VarBind(vb.oid) for vb in V1_VALUES)


def canonical_messages() -> list[Message]:
    out = []
    for version in (0, 1):
        values = tuple(V1_VALUES + (V2_ONLY if version else []))
        out += [
            Message(version, b"public", PduType.GET, 1, 0, 0, NULLS),
            Message(version, b"", PduType.GET_NEXT, 2**31 - 1, 0, 0, NULLS[:3]),
            Message(version, b"private", PduType.SET, 0, 0, 0, values),
            Message(version, b"public", PduType.RESPONSE, -5, 2, 3, values),
            Message(version, b"public", PduType.RESPONSE, 77, 0, 0, ()),
        ]
    out.append(Message(1, b"public", PduType.GET_BULK, 99, 1, 25, NULLS[:4]))
    return out


@pytest.mark.parametrize("msg", canonical_messages(), ids=lambda m: f"v{m.version}-{m.pdu_type:x}")
def test_bytes_identical_to_pyasn1_and_both_decoders_agree(msg: Message) -> None:
    ours = encode_message(msg)
    theirs = to_pysnmp(msg)
    assert ours == theirs
    assert from_pysnmp(ours) == msg
    assert decode_message(theirs) == msg


@pytest.mark.parametrize("value", [-128, -32768, -(2**23), -(2**31)])
def test_negative_powers_of_two_are_minimal_where_pyasn1_is_not(value: int) -> None:
    """pyasn1 encodes -2**(8k-1) with a redundant 0xff octet (X.690 8.3.2 forbids it); we emit
    the minimal form. Each decoder must still read the other's bytes."""
    msg = Message(1, b"public", PduType.RESPONSE, 1, 0, 0,
                  (VarBind((1, 3, 6, 1, 7), Tag.INTEGER, value),))
    ours, theirs = encode_message(msg), to_pysnmp(msg)
    assert len(theirs) == len(ours) + 1
    size = {-128: 1, -32768: 2, -(2**23): 3, -(2**31): 4}[value]
    assert ours.endswith(bytes((0x02, size)) + value.to_bytes(size, "big", signed=True))
    assert theirs.endswith(bytes((0x02, size + 1, 0xFF)) + value.to_bytes(size, "big", signed=True))
    assert from_pysnmp(ours) == msg
    assert decode_message(theirs) == msg


def test_long_message_uses_long_form_lengths_like_pyasn1() -> None:
    big = tuple(VarBind((1, 3, 6, 1, 4, 1, i, 0), Tag.OCTET_STRING, b"x" * 300) for i in range(250))
    msg = Message(1, b"public", PduType.RESPONSE, 42, 0, 0, big)
    data = encode_message(msg)
    assert len(data) > 65536  # three-byte length-of-length in the outer SEQUENCE
    assert data[:2] == b"\x30\x83"
    assert data == to_pysnmp(msg)
    assert decode_message(data) == msg


@pytest.mark.parametrize(
    ("tag", "value", "expected"),
    [
        (Tag.INTEGER, 0, "020100"),
        (Tag.INTEGER, 127, "02017f"),
        (Tag.INTEGER, 128, "02020080"),
        (Tag.INTEGER, 256, "02020100"),
        (Tag.INTEGER, -1, "0201ff"),
        (Tag.INTEGER, -128, "020180"),
        (Tag.INTEGER, -129, "0202ff7f"),
        (Tag.INTEGER, 2**31 - 1, "02047fffffff"),
        (Tag.INTEGER, -(2**31), "020480000000"),
        (Tag.COUNTER32, 2**32 - 1, "410500ffffffff"),
        (Tag.GAUGE32, 127, "42017f"),
        (Tag.TIMETICKS, 128, "43020080"),
        (Tag.COUNTER64, 2**64 - 1, "460900ffffffffffffffff"),
        (Tag.OCTET_STRING, b"", "0400"),
        (Tag.NULL, None, "0500"),
        (Tag.NO_SUCH_INSTANCE, None, "8100"),
        (Tag.IP_ADDRESS, b"\x7f\x00\x00\x01", "40047f000001"),
        (Tag.OBJECT_ID, (1, 3, 6, 1), "06032b0601"),
        (Tag.OBJECT_ID, (2, 999, 3), "0603883703"),  # X.690 8.19.5 example
        (Tag.OBJECT_ID, (1, 2, 840, 113549), "06062a864886f70d"),
        (Tag.OBJECT_ID, (1, 3, 0xFFFFFFFF), "06062b8fffffff7f"),
    ],
)
def test_known_value_encodings(tag: int, value: object, expected: str) -> None:
    assert encode_value(tag, value).hex() == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("n", "expected"), [(0, "00"), (127, "7f"), (128, "8180"), (255, "81ff"), (256, "820100"),
                        (65536, "83010000")]
)
def test_length_encoding(n: int, expected: str) -> None:
    assert encode_length(n).hex() == expected


@pytest.mark.parametrize(
    ("tag", "value"),
    [
        (Tag.COUNTER32, -1),
        (Tag.COUNTER32, 2**32),
        (Tag.COUNTER64, 2**64),
        (Tag.GAUGE32, "5"),
        (Tag.INTEGER, "5"),
        (Tag.INTEGER, True),
        (Tag.OCTET_STRING, "text"),
        (Tag.IP_ADDRESS, b"\x01\x02\x03"),
        (Tag.NULL, 0),
        (Tag.OBJECT_ID, (3, 1)),
        (Tag.OBJECT_ID, (1, 40)),
        (Tag.OBJECT_ID, (1,)),
        (Tag.OBJECT_ID, (1, 3, -1)),
        (0x30, b""),
        (0x83, None),
    ],
)
def test_encode_rejects_unrepresentable_values(tag: int, value: object) -> None:
    with pytest.raises(SnmpEncodeError):
        encode_value(tag, value)  # type: ignore[arg-type]


def test_encode_rejects_bad_message_fields() -> None:
    with pytest.raises(SnmpEncodeError):
        encode_message(Message(3, b"public", PduType.GET, 1))
    with pytest.raises(SnmpEncodeError):
        encode_message(Message(1, b"public", 0xA4, 1))
    with pytest.raises(SnmpEncodeError):
        encode_message(Message(1, "public", PduType.GET, 1))  # type: ignore[arg-type]
    assert issubclass(SnmpEncodeError, ValueError)


GOOD = encode_message(Message(1, b"public", PduType.RESPONSE, 7, 0, 0,
                              (VarBind(SYS_UPTIME, Tag.TIMETICKS, 5),)))


def _replace_value(value_tlv: bytes) -> bytes:
    """GOOD with its one value TLV replaced (lengths fixed up), for single-field defects."""
    oid = encode_oid(SYS_UPTIME)
    vb = bytes((0x30, len(oid) + len(value_tlv))) + oid + value_tlv
    vbl = bytes((0x30, len(vb))) + vb
    pdu_body = bytes.fromhex("020107020100020100") + vbl
    pdu = bytes((0xA2, len(pdu_body))) + pdu_body
    body = bytes.fromhex("020101") + b"\x04\x06public" + pdu
    return bytes((0x30, len(body))) + body


MALFORMED = [
    (b"", "empty"),
    (GOOD + b"\x00", "trailing garbage"),
    (GOOD[:-1], "truncated"),
    (b"\x31" + GOOD[1:], "outer tag SET"),
    (b"\x30\x80" + GOOD[2:] + b"\x00\x00", "indefinite length"),
    (b"\x30\x85\x00\x00\x00\x00\x20" + GOOD[2:], "length of length 5"),
    (b"\x30\x7f" + GOOD[2:], "length past end"),
    (GOOD.replace(b"\x02\x01\x01\x04", b"\x02\x01\x03\x04", 1), "SNMPv3 version"),
    (GOOD.replace(b"\xa2", b"\xa4", 1), "v1 trap PDU"),
    (GOOD.replace(b"\xa2", b"\xa9", 1), "unknown PDU"),
    (GOOD.replace(b"\x04\x06public", b"\x02\x06public", 1), "community tag"),
    (_replace_value(b"\x02\x00"), "empty INTEGER"),
    (_replace_value(b"\x05\x01\x00"), "NULL with content"),
    (_replace_value(b"\x40\x03\x01\x02\x03"), "short IpAddress"),
    (_replace_value(b"\x41\x05\x01\x00\x00\x00\x00"), "Counter32 overflow"),
    (_replace_value(b"\x46\x0a\x01" + bytes(9)), "Counter64 overflow"),
    (_replace_value(b"\x06\x00"), "empty OID value"),
    (_replace_value(b"\x06\x02\x2b\x86"), "truncated OID arc"),
    (_replace_value(b"\x1f\x81\x01\x00"), "high tag number"),
    (_replace_value(b"\x24\x00"), "constructed OCTET STRING"),
    (_replace_value(b"\x83\x00"), "unknown context tag"),
    (_replace_value(b"\x43\x01\x05\x00"), "value shorter than varbind"),
]


@pytest.mark.parametrize(("data", "why"), MALFORMED, ids=[why for _, why in MALFORMED])
def test_decode_rejects_malformed(data: bytes, why: str) -> None:
    with pytest.raises(SnmpDecodeError):
        decode_message(data)


def test_decode_error_is_in_taxonomy_and_good_message_decodes() -> None:
    assert issubclass(SnmpDecodeError, DecodeError)
    assert SnmpDecodeError("x").reason == "decode_error"
    msg = decode_message(GOOD)
    assert msg.varbinds == (VarBind(SYS_UPTIME, Tag.TIMETICKS, 5),)
    assert decode_message(_replace_value(b"\x43\x01\x05")) == msg


def test_decode_tolerates_non_minimal_lengths_and_accepts_buffers() -> None:
    body = GOOD[2:]
    lenient = b"\x30\x82" + len(body).to_bytes(2, "big") + body
    assert decode_message(lenient) == decode_message(GOOD)
    assert decode_message(bytearray(GOOD)) == decode_message(memoryview(GOOD))


def test_unknown_application_type_is_kept_raw() -> None:
    data = _replace_value(b"\x47\x02\x01\x02")  # UInteger32, obsolete
    msg = decode_message(data)
    assert msg.varbinds[0].tag == 0x47 and msg.varbinds[0].value == b"\x01\x02"
    assert encode_message(msg) == data


@pytest.mark.parametrize(
    ("text", "oid"),
    [("1.3.6.1.2.1.1.3.0", SYS_UPTIME), (".1.3.6.1.2.1.1.3.0", SYS_UPTIME), ("0.0", (0, 0)),
     (" 2.999.18446744073709551616 ", (2, 999, 2**64))],
)
def test_parse_and_format_oid(text: str, oid: tuple[int, ...]) -> None:
    assert parse_oid(text) == oid
    assert format_oid(oid) == text.strip().lstrip(".")


@pytest.mark.parametrize("text", ["", ".", "1", "1..3", "1.3.", "a.b", "1.-3", "3.1", "1.40",
                                  "1.3.６", "1.3 .6"])
def test_parse_oid_rejects_bad_text(text: str) -> None:
    with pytest.raises(ValueError):
        parse_oid(text)


@pytest.mark.parametrize("rid", [0, 1, 127, 128, 32767, 32768, 2**23, 2**31 - 1, -1, -(2**31)])
def test_request_template_matches_full_encoder(rid: int) -> None:
    oids = [SYS_UPTIME, (1, 3, 6, 1, 4, 1, 1206, 4, 2, 1, 1, 4, 1, 4, 1), BIG_OID]
    for version, community in ((0, b"public"), (1, b"x" * 200)):
        tmpl = RequestTemplate(version, community, PduType.GET, oids)
        expected = encode_message(
            Message(version, community, PduType.GET, rid, 0, 0, tuple(VarBind(o) for o in oids))
        )
        assert tmpl.encode(rid) == expected
        assert tmpl.message(rid).request_id == rid


def test_request_template_for_set_and_bulk() -> None:
    vbs = (VarBind((1, 3, 6, 1, 4, 1, 1206, 4, 2, 1, 1, 5, 1, 1), Tag.INTEGER, 5),)
    tmpl = RequestTemplate(0, b"private", PduType.SET, varbinds=vbs)
    assert tmpl.encode(9) == encode_message(Message(0, b"private", PduType.SET, 9, 0, 0, vbs))
    bulk = RequestTemplate(1, b"public", PduType.GET_BULK, [SYS_UPTIME], error_status=0,
                           error_index=25)
    assert from_pysnmp(bulk.encode(3)) == Message(1, b"public", PduType.GET_BULK, 3, 0, 25,
                                                  (VarBind(SYS_UPTIME),))
    with pytest.raises(SnmpEncodeError):
        tmpl.encode(2**31)
