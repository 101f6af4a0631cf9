"""Responses to a known GET, decoded into columns aligned with the request's OIDs.

Why: a poller sends the same GET every cycle, so the answer has a known shape: the same OIDs
in the same order, only the values differ. One compiled regular expression per request checks
that shape and cuts out every value in C; Python then only checks the lengths and converts
the values (~12 us for 30 varbinds instead of ~25 us through `decode_message`, and no
VarBind objects). Anything the shape does not cover (long-form or empty values, exceptions,
other encodings of the header) goes through `decode_message`, so what is accepted, and every
value, is exactly what the full decoder gives (differential-tested in tests/sdk).

Each value is matched lazily up to the next varbind's header inside an atomic group, so a
crafted datagram cannot make the match backtrack: the cost stays linear in its length.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from operator import add

from gateway.sdk.errors import ProtocolError
from gateway.sdk.snmp.ber import SnmpDecodeError, decode_value, encode_oid
from gateway.sdk.snmp.message import OID, Value, decode_message

__all__ = ["GetResponse", "ResponseShape", "response_id"]

_INT_TAGS = bytes((0x02, 0x41, 0x42, 0x43, 0x46))  # INTEGER, Counter32, Gauge32, TimeTicks, C64
_LENGTH = rb"([\x00-\x7f]|\x81[\s\S]|\x82[\s\S]{2})"
_SIGNED = partial(int.from_bytes, byteorder="big", signed=True)
_FIXUP_CACHE_MAX = 64


@dataclass(slots=True, frozen=True)
class GetResponse:
    """A GET response: error status and index, and for a response without error one SMI tag
    and one value per requested OID, in request order (empty when error_status != 0)."""

    error_status: int
    error_index: int
    tags: bytes
    values: list[Value]

    @property
    def ints_only(self) -> bool:
        """Every value is an int (INTEGER, Counter, Gauge, TimeTicks)."""
        return not self.tags.translate(None, _INT_TAGS)


def response_id(data: bytes) -> int | None:
    """The request-id of a datagram whose header looks like a usual RESPONSE, else None.

    Only for routing a datagram to its waiting request (no lengths are checked here): the
    request's decoder then validates the whole datagram."""
    try:
        n = data[1]
        pos = 2 if n < 0x80 else 2 + (n & 0x7F)
        if data[0] != 0x30 or data[pos] != 0x02 or data[pos + 1] != 0x01 \
                or data[pos + 3] != 0x04 or data[pos + 4] >= 0x80:
            return None
        pos += 5 + data[pos + 4]
        if data[pos] != 0xA2:
            return None
        n = data[pos + 1]
        pos += 2 if n < 0x80 else 2 + (n & 0x7F)
        n = data[pos + 1]
        if data[pos] != 0x02 or not 1 <= n <= 4 or pos + 2 + n > len(data):
            return None
        return int.from_bytes(data[pos + 2:pos + 2 + n], "big", signed=True)
    except IndexError:
        return None


def _length(raw: bytes) -> int:
    return raw[0] if len(raw) == 1 else int.from_bytes(raw[1:], "big")


class ResponseShape:
    """The expected shape of the response to one GET (version, community, OIDs)."""

    __slots__ = ("_oids", "_pattern", "_seq_base", "_fixups")

    def __init__(self, version: int, community: bytes, oids: Sequence[OID]) -> None:
        self._oids = tuple(oids)
        names = [encode_oid(oid) for oid in self._oids]
        self._seq_base = [len(name) + 2 for name in names]  # varbind length minus value length
        self._fixups: dict[bytes, list[int]] = {}  # tags -> positions that are not INTEGER
        parts = [
            rb"\x30" + _LENGTH + rb"\x02\x01" + re.escape(bytes((version,))) + rb"\x04"
            + re.escape(bytes((len(community),)) + community) + rb"\xa2" + _LENGTH
            + rb"\x02(?:\x01[\s\S]|\x02[\s\S]{2}|\x03[\s\S]{3}|\x04[\s\S]{4})"
            + rb"\x02\x01([\x00-\x7f])\x02\x01([\x00-\x7f])\x30" + _LENGTH]
        for i, name in enumerate(names):
            part = rb"\x30([\x00-\x7f])" + re.escape(name) + rb"([\s\S])([\x00-\x7f])"
            if i + 1 < len(names):
                part += (rb"(?>([\s\S]*?)(?=\x30[\x00-\x7f]" + re.escape(names[i + 1])
                         + rb"))")
            else:
                part += rb"([\s\S]*)\Z"
            parts.append(part)
        self._pattern = re.compile(b"".join(parts)) if names and len(community) < 0x80 \
            else None

    def decode(self, data: bytes) -> GetResponse:
        """Decode a response to this GET. Raises SnmpDecodeError for a malformed datagram
        and ProtocolError for a well-formed answer that names other OIDs than were asked."""
        fast = self._match(data)
        if fast is not None:
            return fast
        msg = decode_message(data)
        if msg.error_status:
            return GetResponse(msg.error_status, msg.error_index, b"", [])
        if len(msg.varbinds) != len(self._oids) or \
                any(vb.oid != oid for vb, oid in zip(msg.varbinds, self._oids, strict=True)):
            raise ProtocolError("response varbinds do not match the request")
        return GetResponse(0, msg.error_index, bytes(vb.tag for vb in msg.varbinds),
                           [vb.value for vb in msg.varbinds])

    def _match(self, data: bytes) -> GetResponse | None:
        """The fast path; None when the datagram is not in the usual shape."""
        m = self._pattern.match(data) if self._pattern is not None else None
        if m is None:
            return None
        g = m.groups()
        if g[2] != b"\x00":
            return GetResponse(g[2][0], g[3][0], b"", [])
        lengths = b"".join(g[7::4])
        raw = g[8::4]
        if 0 in lengths or list(map(len, raw)) != list(lengths) \
                or list(map(add, self._seq_base, lengths)) != list(b"".join(g[5::4])):
            return None
        total = len(data)
        if _length(g[0]) != total - m.end(1) or _length(g[1]) != total - m.end(2) \
                or _length(g[4]) != total - m.end(5):
            return None
        tags = b"".join(g[6::4])
        values: list[Value] = list(map(_SIGNED, raw))
        fixups = self._fixups.get(tags)
        if fixups is None:
            if len(self._fixups) >= _FIXUP_CACHE_MAX:
                self._fixups.clear()
            fixups = self._fixups[tags] = [i for i, tag in enumerate(tags) if tag != 0x02]
        for i in fixups:
            tag = tags[i]
            if tag & 0x1F == 0x1F:
                return None
            try:
                values[i] = decode_value(tag, raw[i], 0, len(raw[i]))
            except SnmpDecodeError:
                return None
        return GetResponse(g[2][0], g[3][0], tags, values)
