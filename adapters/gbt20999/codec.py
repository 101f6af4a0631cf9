"""GB/T 20999-2017 frames: build, parse, escape, CRC, and split a TCP byte stream into frames.

Why every knob: the public sources disagree on three things a real device fixes one way
(reference §2.2, pitfalls 16-18). The CRC is poly 0x1005 / init 0 in the field-tested tool and
CCITT 0x1021 / 0xFFFF in a Java SDK; the Length field counts either "2 + header + data" (the
tool) or every byte between 0x7E and 0x7D; escaping (0x5C before 0x7E, 0x7D, 0x5C) applies on
TCP and RS-232 but not on UDP. A `FrameCodec` holds one device's choice.

Wire layout: 0x7E | Length (2) | version (2) | center id (1) | controller id (4) |
intersection (1) | sequence (1) | frame type (1) | value count (1) | values | CRC16 (2) | 0x7D.
A value is index (1) | length (1) = 4 + len(data) | class | object | attribute | element | data.
Multi-byte fields are big-endian. The CRC covers Length .. end of values, unescaped.

Every malformed input raises `DecodeError` (never another exception): the fuzz tests hold us
to it.
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass, field
from enum import StrEnum

from adapters.gbt20999.const import Address
from gateway.sdk import DecodeError

__all__ = [
    "START", "END", "ESCAPE", "HEADER_LEN", "MIN_FRAME_LEN", "CrcSpec", "CRC_GB20999",
    "CRC_CCITT", "LengthMode", "DataValue", "Frame", "FrameCodec", "StreamDeframer", "escape",
    "unescape",
]

START, END, ESCAPE = 0x7E, 0x7D, 0x5C
GB25280_START = 0xC0
HEADER_LEN = 11  # version 2, center 1, controller 4, intersection 1, seq 1, type 1, count 1
MIN_FRAME_LEN = 1 + 2 + HEADER_LEN + 2 + 1
MAX_VALUE_DATA = 255 - 4
_HEADER = struct.Struct(">HBIBBBB")


@dataclass(frozen=True, slots=True)
class CrcSpec:
    """A CRC-16 in the usual catalogue terms (poly MSB-first, init, reflect in+out, xorout)."""

    poly: int = 0x1005
    init: int = 0x0000
    reflect: bool = False
    xorout: int = 0x0000

    def __post_init__(self) -> None:
        for name in ("poly", "init", "xorout"):
            if not 0 <= getattr(self, name) <= 0xFFFF:
                raise ValueError(f"CRC {name} must be 0..0xFFFF")

    def compute(self, data: bytes | bytearray) -> int:
        table = _table(self.poly)
        crc = self.init
        if self.reflect:
            for byte in data:
                crc = ((crc << 8) & 0xFFFF) ^ table[((crc >> 8) ^ _REFLECT8[byte]) & 0xFF]
            crc = _reflect16(crc)
        else:
            for byte in data:
                crc = ((crc << 8) & 0xFFFF) ^ table[((crc >> 8) ^ byte) & 0xFF]
        return crc ^ self.xorout

    def describe(self) -> str:
        extra = (", reflected" if self.reflect else "") + \
            (f", xorout 0x{self.xorout:04X}" if self.xorout else "")
        return f"poly 0x{self.poly:04X} init 0x{self.init:04X}{extra}"


_REFLECT8 = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))


def _reflect16(value: int) -> int:
    return int(f"{value:016b}"[::-1], 2)


@functools.lru_cache(maxsize=16)
def _table(poly: int) -> tuple[int, ...]:
    out = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ poly) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
        out.append(crc)
    return tuple(out)


CRC_GB20999 = CrcSpec(0x1005, 0x0000)
"""The 20999 test tool's CRC, tested against devices: the project default."""
CRC_CCITT = CrcSpec(0x1021, 0xFFFF)
"""CRC-16/CCITT-FALSE, as `ahiose/signal-protocol-core` computes it."""


class LengthMode(StrEnum):
    """The two readings of the Length field (pitfall 16)."""

    WITH_LENGTH_FIELD = "with_length_field"
    """2 + header + values: the Length field itself is counted, CRC and delimiters are not."""
    BETWEEN_DELIMITERS = "between_delimiters"
    """Every (unescaped) byte between 0x7E and 0x7D: Length, header, values and CRC."""

    def length_for(self, payload_len: int) -> int:
        return 2 + payload_len + (2 if self is LengthMode.BETWEEN_DELIMITERS else 0)


@dataclass(frozen=True, slots=True)
class DataValue:
    """One data value. A query carries no data (length 4)."""

    class_id: int
    object_id: int
    attribute_id: int
    element_id: int = 0
    data: bytes = b""
    index: int = 0  # 0: numbered by position when encoded

    @classmethod
    def at(cls, address: Address, data: bytes = b"") -> DataValue:
        return cls(address[0], address[1], address[2], address[3], data)

    @property
    def address(self) -> Address:
        return (self.class_id, self.object_id, self.attribute_id, self.element_id)


@dataclass(frozen=True, slots=True)
class Frame:
    frame_type: int
    values: tuple[DataValue, ...] = ()
    seq: int = 0
    version: int = 0x0102
    center_id: int = 1
    controller_id: int = 0
    intersection: int = 1
    length_field: int = field(default=0, compare=False)  # as received (0 when built)


def escape(data: bytes) -> bytes:
    """Insert 0x5C before every 0x7E, 0x7D and 0x5C."""
    if b"\x5c" in data:
        data = data.replace(b"\x5c", b"\x5c\x5c")
    if b"\x7e" in data:
        data = data.replace(b"\x7e", b"\x5c\x7e")
    if b"\x7d" in data:
        data = data.replace(b"\x7d", b"\x5c\x7d")
    return data


def unescape(data: bytes) -> bytes:
    """Undo `escape`. DecodeError for a bare 0x7E/0x7D or 0x5C before any other byte."""
    if ESCAPE not in data:
        if START in data or END in data:
            bad = START if START in data else END
            raise DecodeError(f"unescaped 0x{bad:02X} inside a frame at offset "
                              f"{data.index(bad) + 1}")
        return data
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b == ESCAPE:
            if i + 1 >= n:
                raise DecodeError("frame ends with a lone escape byte 0x5C")
            nxt = data[i + 1]
            if nxt not in (START, END, ESCAPE):
                raise DecodeError(f"bad escape 0x5C 0x{nxt:02X} at offset {i + 1} (0x5C may "
                                  "only precede 0x7E, 0x7D or 0x5C)")
            out.append(nxt)
            i += 2
            continue
        if b in (START, END):
            raise DecodeError(f"unescaped 0x{b:02X} inside a frame at offset {i + 1}")
        out.append(b)
        i += 1
    return bytes(out)


@dataclass(frozen=True, slots=True)
class FrameCodec:
    """One device's framing choices. `escaped` is True on TCP/serial, False on UDP."""

    crc: CrcSpec = CRC_GB20999
    length_mode: LengthMode = LengthMode.WITH_LENGTH_FIELD
    escaped: bool = True
    strict_length: bool = True

    def encode(self, frame: Frame) -> bytes:
        """Frame -> wire bytes. ValueError if a field does not fit (a caller bug)."""
        if len(frame.values) > 255:
            raise ValueError("at most 255 data values per frame")
        parts = [_HEADER.pack(frame.version, frame.center_id, frame.controller_id,
                              frame.intersection, frame.seq & 0xFF, frame.frame_type,
                              len(frame.values))]
        for i, v in enumerate(frame.values):
            if len(v.data) > MAX_VALUE_DATA:
                raise ValueError(f"value {v.address} has {len(v.data)} bytes; at most "
                                 f"{MAX_VALUE_DATA} fit one data value")
            parts.append(bytes((v.index or i + 1, 4 + len(v.data), v.class_id, v.object_id,
                                v.attribute_id, v.element_id)))
            parts.append(v.data)
        payload = b"".join(parts)
        body = self.length_mode.length_for(len(payload)).to_bytes(2, "big") + payload
        inner = body + self.crc.compute(body).to_bytes(2, "big")
        return b"\x7e" + (escape(inner) if self.escaped else inner) + b"\x7d"

    def decode(self, wire: bytes) -> Frame:
        """Wire bytes of one frame (0x7E .. 0x7D) -> Frame. Raises DecodeError."""
        if not wire:
            raise DecodeError("empty frame")
        if wire[0] != START:
            if wire[0] == GB25280_START:
                raise DecodeError("frame starts with 0xC0: a GB 25280-2016 appendix frame, not "
                                  "GB/T 20999-2017 (0x7E); check the device's protocol setting")
            raise DecodeError(f"frame starts with 0x{wire[0]:02X}, not 0x7E")
        if wire[-1] != END:
            raise DecodeError(f"frame ends with 0x{wire[-1]:02X}, not 0x7D (truncated?)")
        inner = unescape(wire[1:-1]) if self.escaped else wire[1:-1]
        return self.decode_inner(inner)

    def decode_inner(self, inner: bytes) -> Frame:
        """The unescaped bytes between the delimiters (Length .. CRC) -> Frame."""
        if len(inner) < MIN_FRAME_LEN - 2:
            raise DecodeError(f"frame too short: {len(inner) + 2} bytes, at least "
                              f"{MIN_FRAME_LEN} needed")
        body = inner[:-2]
        carried = int.from_bytes(inner[-2:], "big")
        computed = self.crc.compute(body)
        if carried != computed:
            raise DecodeError(
                f"CRC mismatch: frame carries 0x{carried:04X}, computed 0x{computed:04X} "
                f"({self.crc.describe()}); check the profile's CRC variant",
                detail={"crc_received": carried, "crc_computed": computed})
        length = int.from_bytes(body[:2], "big")
        payload_len = len(body) - 2
        expected = self.length_mode.length_for(payload_len)
        if length != expected and self.strict_length:
            other = next(m for m in LengthMode if m is not self.length_mode)
            hint = f"; that is the {other.value} reading" \
                if length == other.length_for(payload_len) else ""
            raise DecodeError(f"Length field reads {length}, {self.length_mode.value} expects "
                              f"{expected}{hint}", detail={"length_field": length})
        version, center, controller, intersection, seq, ftype, count = \
            _HEADER.unpack_from(body, 2)
        values = []
        pos, end = 2 + HEADER_LEN, len(body)
        for n in range(count):
            if pos + 2 > end:
                raise DecodeError(f"value {n + 1} of {count} is missing (frame truncated)")
            index, vlen = body[pos], body[pos + 1]
            if vlen < 4:
                raise DecodeError(f"value {n + 1} has length {vlen}; at least 4 (the address)")
            if pos + 2 + vlen > end:
                raise DecodeError(f"value {n + 1} runs past the end of the frame")
            a = pos + 2
            values.append(DataValue(body[a], body[a + 1], body[a + 2], body[a + 3],
                                    bytes(body[a + 4:a + vlen]), index))
            pos = a + vlen
        if pos != end:
            raise DecodeError(f"{end - pos} unexpected bytes after {count} data values")
        return Frame(ftype, tuple(values), seq, version, center, controller, intersection,
                     length)


class StreamDeframer:
    """Cuts a TCP/serial byte stream into wire frames (0x7E .. 0x7D).

    Escaped streams end a frame at the first 0x7D not preceded by an escape; unescaped ones
    (a vendor's TCP without escaping) use the Length field. Bytes outside a frame, a frame
    broken by a new 0x7E and oversized frames come out as DecodeError items, and the stream
    resynchronises on the next 0x7E.
    """

    __slots__ = ("_buf", "_escaped", "_length_mode", "_max")

    def __init__(self, *, escaped: bool, length_mode: LengthMode = LengthMode.WITH_LENGTH_FIELD,
                 max_frame: int = 16384) -> None:
        self._buf = bytearray()
        self._escaped = escaped
        self._length_mode = length_mode
        self._max = max_frame

    def feed(self, data: bytes) -> list[bytes | DecodeError]:
        self._buf += data
        out: list[bytes | DecodeError] = []
        while self._buf:
            start = self._buf.find(START)
            if start != 0:
                garbage = bytes(self._buf[:start] if start > 0 else self._buf)
                del self._buf[:len(garbage)]
                out.append(_garbage_error(garbage))
                continue
            item = self._next_escaped() if self._escaped else self._next_by_length()
            if item is None:
                break
            out.append(item)
        return out

    def _next_escaped(self) -> bytes | DecodeError | None:
        buf = self._buf
        pos = 1
        while True:
            end = buf.find(END, pos)
            limit = end if end >= 0 else len(buf)
            restart = buf.find(START, pos, limit)
            while restart > 0 and _escaped_at(buf, restart):
                restart = buf.find(START, restart + 1, limit)
            if restart > 0:
                del buf[:restart]
                return DecodeError(f"frame of {restart} bytes cut short by a new 0x7E")
            if end < 0:
                if len(buf) > self._max:
                    buf.clear()
                    return DecodeError(f"no frame end within {self._max} bytes")
                return None
            if _escaped_at(buf, end):
                pos = end + 1
                continue
            frame = bytes(buf[:end + 1])
            del buf[:end + 1]
            return frame

    def _next_by_length(self) -> bytes | DecodeError | None:
        buf = self._buf
        if len(buf) < 3:
            return None
        length = int.from_bytes(buf[1:3], "big")
        total = 1 + length + (2 if self._length_mode is LengthMode.WITH_LENGTH_FIELD else 0) + 1
        if total < MIN_FRAME_LEN or total > self._max:
            del buf[:1]
            return DecodeError(f"implausible Length field {length}")
        if len(buf) < total:
            return None
        if buf[total - 1] != END:
            del buf[:1]
            return DecodeError(f"no 0x7D where the Length field ({length}) puts the frame end")
        frame = bytes(buf[:total])
        del buf[:total]
        return frame


def _escaped_at(buf: bytearray, pos: int) -> bool:
    """True if buf[pos] is preceded by an odd run of escape bytes (after the 0x7E at 0)."""
    run = 0
    k = pos - 1
    while k >= 1 and buf[k] == ESCAPE:
        run += 1
        k -= 1
    return run % 2 == 1


def _garbage_error(garbage: bytes) -> DecodeError:
    if garbage[:1] == bytes((GB25280_START,)):
        return DecodeError("received a 0xC0 frame: GB 25280-2016 appendix protocol, not "
                           "GB/T 20999-2017; check the device's protocol setting")
    return DecodeError(f"{len(garbage)} bytes outside any frame: {garbage[:16].hex(' ')}")

