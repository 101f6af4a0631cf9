"""BER primitives for the SNMP v1/v2c subset: lengths, INTEGER, OCTET STRING, NULL, OID and the
SMI application types.

Why hand-written: pyasn1 spends milliseconds per message, and the poller needs microseconds.
Only the handful of primitive forms that SNMP uses are supported (single-byte tags, definite
lengths). Encoding is always minimal (DER-like), which is what pyasn1 emits too, so our bytes are
byte-for-byte comparable with pysnmp's. Decoding helpers here validate strictly and raise
`SnmpDecodeError`; encoding helpers raise `SnmpEncodeError` (a ValueError) on values that cannot
be represented.

OID encode/decode results are memoised in small bounded dicts: a poller sends and receives the
same few hundred OIDs millions of times, and a dict hit is several times cheaper than the
base-128 loop.
"""

from __future__ import annotations

from gateway.sdk.errors import DecodeError

__all__ = [
    "MAX_U32",
    "MAX_U64",
    "SnmpDecodeError",
    "SnmpEncodeError",
    "decode_oid",
    "decode_value",
    "encode_integer",
    "encode_length",
    "encode_oid",
    "encode_tlv",
    "encode_unsigned",
    "encode_value",
    "oid_decode_cache_get",
    "read_header",
    "validate_oid",
]

MAX_U32 = 0xFFFFFFFF
MAX_U64 = 0xFFFFFFFFFFFFFFFF
_CACHE_MAX = 65536

_INTEGER = 0x02
_OCTET_STRING = 0x04
_NULL = 0x05
_OBJECT_ID = 0x06
_IP_ADDRESS = 0x40
_COUNTER32 = 0x41
_GAUGE32 = 0x42
_TIMETICKS = 0x43
_OPAQUE = 0x44
_COUNTER64 = 0x46
_EXCEPTIONS = (0x80, 0x81, 0x82)
_UNSIGNED_MAX = {_COUNTER32: MAX_U32, _GAUGE32: MAX_U32, _TIMETICKS: MAX_U32, _COUNTER64: MAX_U64}

OidT = tuple[int, ...]
ValueT = int | bytes | OidT | None


class SnmpDecodeError(DecodeError):
    """The bytes are not a well-formed SNMP v1/v2c message (or not one we support)."""


class SnmpEncodeError(ValueError):
    """A message or value cannot be represented in BER (wrong type, out of range, bad OID)."""


# --------------------------------------------------------------------------- encoding

def encode_length(n: int) -> bytes:
    """Definite-form length octets (short form below 128, else minimal long form)."""
    if n < 0x80:
        return bytes((n,))
    if n < 0x100:
        return bytes((0x81, n))
    if n < 0x10000:
        return bytes((0x82, n >> 8, n & 0xFF))
    size = (n.bit_length() + 7) // 8
    return bytes((0x80 | size,)) + n.to_bytes(size, "big")


def encode_tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes((tag, n)) + content
    return bytes((tag,)) + encode_length(n) + content


def encode_integer(value: int) -> bytes:
    """Content octets of a signed INTEGER: minimal two's complement."""
    size = ((value if value >= 0 else ~value).bit_length() + 8) // 8
    return value.to_bytes(size, "big", signed=True)


def encode_unsigned(value: int, maximum: int) -> bytes:
    """Content octets of an unsigned SMI integer (a leading 0x00 when the top bit is set)."""
    if value < 0 or value > maximum:
        raise SnmpEncodeError(f"unsigned value {value} outside 0..{maximum}")
    return value.to_bytes((value.bit_length() + 8) // 8, "big")


def validate_oid(oid: OidT) -> None:
    """Raise SnmpEncodeError unless `oid` is encodable (>= 2 arcs, first-two-arcs rule)."""
    if not isinstance(oid, tuple) or len(oid) < 2:
        raise SnmpEncodeError(f"OID needs at least two arcs: {oid!r}")
    first, second = oid[0], oid[1]
    if type(first) is not int or first < 0 or first > 2:
        raise SnmpEncodeError(f"first OID arc must be 0, 1 or 2: {oid!r}")
    if type(second) is not int or second < 0 or (first < 2 and second >= 40):
        raise SnmpEncodeError(f"second OID arc out of range: {oid!r}")
    for arc in oid:
        if type(arc) is not int or arc < 0:
            raise SnmpEncodeError(f"OID arcs must be non-negative ints: {oid!r}")


_OID_ENC_CACHE: dict[OidT, bytes] = {}


def encode_oid(oid: OidT) -> bytes:
    """Complete OBJECT IDENTIFIER TLV (tag, length, content), memoised."""
    cached = _OID_ENC_CACHE.get(oid)
    if cached is not None:
        return cached
    validate_oid(oid)
    out = bytearray()
    for arc in (oid[0] * 40 + oid[1], *oid[2:]):
        if arc < 0x80:
            out.append(arc)
            continue
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out.extend(reversed(chunk))
    tlv = encode_tlv(_OBJECT_ID, bytes(out))
    if len(_OID_ENC_CACHE) >= _CACHE_MAX:
        _OID_ENC_CACHE.clear()
    _OID_ENC_CACHE[oid] = tlv
    return tlv


def _as_bytes(tag: int, value: ValueT) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    raise SnmpEncodeError(f"tag 0x{tag:02x} needs bytes, got {type(value).__name__}")


def encode_value(tag: int, value: ValueT) -> bytes:
    """Complete TLV for one varbind value of SMI type `tag`."""
    if tag == _INTEGER:
        if type(value) is not int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise SnmpEncodeError(f"INTEGER needs int, got {type(value).__name__}")
            value = int(value)
        content = encode_integer(value)
        return bytes((_INTEGER, len(content))) + content
    if tag == _OCTET_STRING or tag == _OPAQUE:
        return encode_tlv(tag, _as_bytes(tag, value))
    if tag == _NULL or tag in _EXCEPTIONS:
        if value is not None:
            raise SnmpEncodeError(f"tag 0x{tag:02x} carries no value, got {value!r}")
        return bytes((tag, 0))
    if tag == _OBJECT_ID:
        if not isinstance(value, tuple):
            raise SnmpEncodeError(f"OBJECT IDENTIFIER needs a tuple, got {type(value).__name__}")
        return encode_oid(value)
    maximum = _UNSIGNED_MAX.get(tag)
    if maximum is not None:
        if type(value) is not int:
            raise SnmpEncodeError(f"tag 0x{tag:02x} needs int, got {type(value).__name__}")
        content = encode_unsigned(value, maximum)
        return bytes((tag, len(content))) + content
    if tag == _IP_ADDRESS:
        raw = _as_bytes(tag, value)
        if len(raw) != 4:
            raise SnmpEncodeError(f"IpAddress needs 4 bytes, got {len(raw)}")
        return bytes((tag, 4)) + raw
    if 0x40 <= tag <= 0x5E:
        # Other primitive application types (NsapAddress 0x45, UInteger32 0x47): raw content.
        return encode_tlv(tag, _as_bytes(tag, value))
    raise SnmpEncodeError(f"unsupported value tag 0x{tag:02x}")


# --------------------------------------------------------------------------- decoding

def read_header(data: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """Parse one TLV header at `pos` bounded by `end`: returns (tag, content_start, content_end).

    Rejects high tag numbers, indefinite lengths, length-of-length > 4 and lengths past `end`.
    Non-minimal long-form lengths are tolerated.
    """
    if pos + 2 > end:
        raise SnmpDecodeError("truncated TLV header")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise SnmpDecodeError(f"multi-byte tag 0x{tag:02x} unsupported")
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        size = length & 0x7F
        if size == 0:
            raise SnmpDecodeError("indefinite length not allowed")
        if size > 4:
            raise SnmpDecodeError(f"length of length {size} too large")
        if pos + size > end:
            raise SnmpDecodeError("truncated length")
        length = int.from_bytes(data[pos:pos + size], "big")
        pos += size
    cend = pos + length
    if cend > end:
        raise SnmpDecodeError(f"length {length} runs past the end of its container")
    return tag, pos, cend


_OID_DEC_CACHE: dict[bytes, OidT] = {}
oid_decode_cache_get = _OID_DEC_CACHE.get  # stays valid: the dict is cleared, never rebound


def decode_oid(raw: bytes) -> OidT:
    """OID content octets to a tuple, memoised. Accepts arbitrarily large arcs."""
    cached = _OID_DEC_CACHE.get(raw)
    if cached is not None:
        return cached
    if not raw:
        raise SnmpDecodeError("empty OBJECT IDENTIFIER")
    if raw[-1] & 0x80:
        raise SnmpDecodeError("truncated OBJECT IDENTIFIER arc")
    arcs: list[int] = []
    acc = 0
    for byte in raw:
        acc = (acc << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(acc)
            acc = 0
    first = arcs[0]
    if first < 40:
        head = (0, first)
    elif first < 80:
        head = (1, first - 40)
    else:
        head = (2, first - 80)
    oid = head + tuple(arcs[1:])
    if len(_OID_DEC_CACHE) >= _CACHE_MAX:
        _OID_DEC_CACHE.clear()
    _OID_DEC_CACHE[bytes(raw)] = oid
    return oid


def decode_value(tag: int, data: bytes, start: int, end: int) -> ValueT:
    """Decode the content octets data[start:end] of a varbind value with tag `tag`."""
    if tag == _INTEGER:
        if start == end:
            raise SnmpDecodeError("empty INTEGER")
        return int.from_bytes(data[start:end], "big", signed=True)
    if tag == _OCTET_STRING or tag == _OPAQUE:
        return data[start:end]
    if tag == _NULL or tag in _EXCEPTIONS:
        if start != end:
            raise SnmpDecodeError(f"tag 0x{tag:02x} must be empty")
        return None
    if tag == _OBJECT_ID:
        return decode_oid(data[start:end])
    maximum = _UNSIGNED_MAX.get(tag)
    if maximum is not None:
        if start == end:
            raise SnmpDecodeError(f"empty unsigned value (tag 0x{tag:02x})")
        value = int.from_bytes(data[start:end], "big")
        if value > maximum:
            raise SnmpDecodeError(f"unsigned value out of range (tag 0x{tag:02x})")
        return value
    if tag == _IP_ADDRESS:
        if end - start != 4:
            raise SnmpDecodeError(f"IpAddress must be 4 bytes, got {end - start}")
        return data[start:end]
    if 0x40 <= tag <= 0x5E:
        return data[start:end]
    raise SnmpDecodeError(f"unsupported value tag 0x{tag:02x}")
