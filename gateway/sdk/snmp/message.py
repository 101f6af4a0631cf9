"""SNMP v1/v2c message model and its BER encoder/decoder.

Why: the poller decodes thousands of responses per second in pure Python; pyasn1 costs ~1 ms
each. `decode_message` is one hand-written pass over the datagram (fixed nesting, no recursion)
that validates strictly and turns every malformation into `SnmpDecodeError`. Values come back as
plain `int`, `bytes`, OID tuples or `None`, tagged with their SMI type, so nothing downstream
needs `Any`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import NamedTuple

from gateway.sdk.snmp.ber import (
    SnmpDecodeError,
    SnmpEncodeError,
    decode_oid,
    decode_value,
    encode_integer,
    encode_oid,
    encode_tlv,
    encode_value,
    oid_decode_cache_get,
    read_header,
)

__all__ = [
    "OID",
    "ErrorStatus",
    "Message",
    "PduType",
    "SnmpDecodeError",
    "SnmpEncodeError",
    "Tag",
    "VarBind",
    "assemble_message",
    "decode_message",
    "encode_message",
    "encode_varbind",
    "format_oid",
    "parse_oid",
]

OID = tuple[int, ...]
Value = int | bytes | OID | None


class Tag(IntEnum):
    INTEGER = 0x02
    OCTET_STRING = 0x04
    NULL = 0x05
    OBJECT_ID = 0x06
    IP_ADDRESS = 0x40
    COUNTER32 = 0x41
    GAUGE32 = 0x42
    TIMETICKS = 0x43
    OPAQUE = 0x44
    COUNTER64 = 0x46
    NO_SUCH_OBJECT = 0x80
    NO_SUCH_INSTANCE = 0x81
    END_OF_MIB_VIEW = 0x82


class PduType(IntEnum):
    GET = 0xA0
    GET_NEXT = 0xA1
    RESPONSE = 0xA2
    SET = 0xA3
    GET_BULK = 0xA5
    INFORM = 0xA6
    TRAP_V2 = 0xA7


class ErrorStatus(IntEnum):
    NO_ERROR = 0
    TOO_BIG = 1
    NO_SUCH_NAME = 2
    BAD_VALUE = 3
    READ_ONLY = 4
    GEN_ERR = 5
    NO_ACCESS = 6
    WRONG_TYPE = 7
    WRONG_LENGTH = 8
    WRONG_ENCODING = 9
    WRONG_VALUE = 10
    NO_CREATION = 11
    INCONSISTENT_VALUE = 12
    RESOURCE_UNAVAILABLE = 13
    COMMIT_FAILED = 14
    UNDO_FAILED = 15
    AUTHORIZATION_ERROR = 16
    NOT_WRITABLE = 17
    INCONSISTENT_NAME = 18


class VarBind(NamedTuple):
    """One name/value pair. A NamedTuple, not a dataclass: a response carries dozens and a
    poller decodes thousands per second; tuple construction is several times cheaper."""

    oid: OID
    tag: int = Tag.NULL
    value: Value = None


@dataclass(slots=True, frozen=True)
class Message:
    """One SNMP message. For GET_BULK, error_status/error_index carry non_repeaters and
    max_repetitions (as on the wire)."""

    version: int  # 0 = v1, 1 = v2c
    community: bytes
    pdu_type: int
    request_id: int
    error_status: int = 0
    error_index: int = 0
    varbinds: tuple[VarBind, ...] = ()


_PDU_TYPES = frozenset(int(p) for p in PduType)


# --------------------------------------------------------------------------- encoding

def _int_tlv(value: int) -> bytes:
    content = encode_integer(value)
    return bytes((0x02, len(content))) + content


def encode_varbind(vb: VarBind) -> bytes:
    """One complete VarBind SEQUENCE."""
    body = encode_oid(vb.oid) + encode_value(vb.tag, vb.value)
    n = len(body)
    if n < 0x80:
        return bytes((0x30, n)) + body
    return encode_tlv(0x30, body)


def assemble_message(
    version: int,
    community: bytes,
    pdu_type: int,
    request_id: int,
    error_status: int,
    error_index: int,
    encoded_varbinds: bytes,
) -> bytes:
    """Wrap already-encoded varbinds (concatenated VarBind SEQUENCEs) into a full message."""
    if version not in (0, 1):
        raise SnmpEncodeError(f"unsupported SNMP version {version}")
    if pdu_type not in _PDU_TYPES:
        raise SnmpEncodeError(f"unsupported PDU type 0x{pdu_type:02x}")
    if not isinstance(community, bytes):
        raise SnmpEncodeError("community must be bytes")
    pdu = (
        _int_tlv(request_id)
        + _int_tlv(error_status)
        + _int_tlv(error_index)
        + encode_tlv(0x30, encoded_varbinds)
    )
    body = bytes((0x02, 1, version)) + encode_tlv(0x04, community) + encode_tlv(pdu_type, pdu)
    return encode_tlv(0x30, body)


def encode_message(msg: Message) -> bytes:
    return assemble_message(
        msg.version,
        msg.community,
        msg.pdu_type,
        msg.request_id,
        msg.error_status,
        msg.error_index,
        b"".join([encode_varbind(vb) for vb in msg.varbinds]),
    )


# --------------------------------------------------------------------------- decoding

def _int_field(data: bytes, pos: int, end: int, what: str) -> tuple[int, int]:
    tag, start, cend = read_header(data, pos, end)
    if tag != 0x02:
        raise SnmpDecodeError(f"{what}: expected INTEGER, got tag 0x{tag:02x}")
    if start == cend:
        raise SnmpDecodeError(f"{what}: empty INTEGER")
    return int.from_bytes(data[start:cend], "big", signed=True), cend


def decode_message(data: bytes | bytearray | memoryview) -> Message:
    """Decode one SNMP v1/v2c message. Any malformation raises SnmpDecodeError."""
    if type(data) is not bytes:
        data = bytes(data)
    try:
        return _decode(data)
    except SnmpDecodeError:
        raise
    except Exception as err:  # defence in depth: the parser should never get here
        raise SnmpDecodeError(f"malformed SNMP message: {type(err).__name__}: {err}") from err


def _decode(data: bytes) -> Message:
    total = len(data)
    tag, pos, end = read_header(data, 0, total)
    if tag != 0x30:
        raise SnmpDecodeError(f"message: expected SEQUENCE, got tag 0x{tag:02x}")
    if end != total:
        raise SnmpDecodeError(f"{total - end} bytes of trailing garbage after message")
    version, pos = _int_field(data, pos, end, "version")
    if version != 0 and version != 1:
        raise SnmpDecodeError(f"unsupported SNMP version {version}")
    tag, cstart, pos = read_header(data, pos, end)
    if tag != 0x04:
        raise SnmpDecodeError(f"community: expected OCTET STRING, got tag 0x{tag:02x}")
    community = data[cstart:pos]
    pdu_type, pos, pend = read_header(data, pos, end)
    if pend != end:
        raise SnmpDecodeError("trailing data after PDU")
    if pdu_type not in _PDU_TYPES:
        raise SnmpDecodeError(f"unsupported PDU type 0x{pdu_type:02x}")
    request_id, pos = _int_field(data, pos, pend, "request-id")
    error_status, pos = _int_field(data, pos, pend, "error-status")
    error_index, pos = _int_field(data, pos, pend, "error-index")
    tag, pos, vend = read_header(data, pos, pend)
    if tag != 0x30:
        raise SnmpDecodeError(f"varbind list: expected SEQUENCE, got tag 0x{tag:02x}")
    if vend != pend:
        raise SnmpDecodeError("trailing data after varbind list")

    varbinds: list[VarBind] = []
    append = varbinds.append
    oid_cache_get = oid_decode_cache_get
    while pos < vend:
        # VarBind SEQUENCE header (short form inlined; long form via read_header)
        if data[pos] != 0x30:
            raise SnmpDecodeError(f"varbind: expected SEQUENCE, got tag 0x{data[pos]:02x}")
        if pos + 1 < vend and data[pos + 1] < 0x80:
            vbend = pos + 2 + data[pos + 1]
            pos += 2
            if vbend > vend:
                raise SnmpDecodeError("varbind runs past the end of the list")
        else:
            _, pos, vbend = read_header(data, pos, vend)
        # name
        if pos + 2 > vbend or data[pos] != 0x06:
            raise SnmpDecodeError("varbind: expected OBJECT IDENTIFIER name")
        length = data[pos + 1]
        if length < 0x80:
            start = pos + 2
            pos = start + length
            if pos > vbend:
                raise SnmpDecodeError("OBJECT IDENTIFIER runs past its varbind")
        else:
            _, start, pos = read_header(data, pos, vbend)
        raw = data[start:pos]
        oid = oid_cache_get(raw)
        if oid is None:
            oid = decode_oid(raw)
        # value
        if pos + 2 > vbend:
            raise SnmpDecodeError("varbind: missing value")
        tag = data[pos]
        length = data[pos + 1]
        if length < 0x80 and tag & 0x1F != 0x1F:
            start = pos + 2
            pos = start + length
            if pos != vbend:
                raise SnmpDecodeError("varbind value length does not match its varbind")
        else:
            tag, start, pos = read_header(data, pos, vbend)
            if pos != vbend:
                raise SnmpDecodeError("trailing data inside varbind")
        if tag == 0x02 and pos > start:
            append(VarBind(oid, 0x02, int.from_bytes(data[start:pos], "big", signed=True)))
        else:
            append(VarBind(oid, tag, decode_value(tag, data, start, pos)))
    return Message(
        version, community, pdu_type, request_id, error_status, error_index, tuple(varbinds)
    )


# --------------------------------------------------------------------------- text form

def parse_oid(text: str) -> OID:
    """'1.3.6.1.2.1.1.3.0' or '.1.3.6...' to a tuple; ValueError if not a valid OID."""
    if not isinstance(text, str):
        raise TypeError(f"OID text must be str, got {type(text).__name__}")
    body = text.strip()
    body = body.removeprefix(".")
    parts = body.split(".")
    if not body or any(not (p.isascii() and p.isdigit()) for p in parts):
        raise ValueError(f"bad OID text: {text!r}")
    oid = tuple(int(p) for p in parts)
    try:
        encode_oid(oid)
    except SnmpEncodeError as err:
        raise ValueError(f"bad OID {text!r}: {err}") from None
    return oid


def format_oid(oid: Iterable[int]) -> str:
    return ".".join(map(str, oid))
