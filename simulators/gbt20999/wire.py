"""The device side of GB/T 20999-2017 framing, written apart from the adapter's codec.

Simulators never import adapters, and a second, deliberately plain implementation (bit-by-bit
CRC, byte-by-byte escaping) is what makes the gateway <-> simulator tests worth something: a
shared bug would pass both. Layout (reference §2.2): 0x7E | Length (2) | version (2) | center
(1) | controller (4) | intersection (1) | sequence (1) | type (1) | count (1) | values | CRC (2)
| 0x7D; a value is index, length (4 + data), class, object, attribute, element, data.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

__all__ = ["WireError", "WireFormat", "Item", "Message", "Splitter", "crc16"]


class WireError(Exception):
    """A frame the simulated controller cannot read (it drops it, as a controller would)."""


def crc16(data: bytes, poly: int, init: int, reflect: bool = False, xorout: int = 0) -> int:
    """Textbook bitwise CRC-16 (MSB first; `reflect` mirrors input bytes and the result)."""
    crc = init
    for byte in data:
        if reflect:
            byte = int(f"{byte:08b}"[::-1], 2)
        for bit in range(7, -1, -1):
            top = (crc >> 15) & 1
            crc = (crc << 1) & 0xFFFF
            if top ^ ((byte >> bit) & 1):
                crc ^= poly
    if reflect:
        crc = int(f"{crc:016b}"[::-1], 2)
    return crc ^ xorout


@functools.cache
def _byte_table(poly: int) -> tuple[int, ...]:
    return tuple(crc16(bytes((b,)), poly, 0) for b in range(256))


@dataclass(frozen=True, slots=True)
class Item:
    cls: int
    obj: int
    attr: int
    elem: int = 0
    data: bytes = b""

    @property
    def key(self) -> tuple[int, int, int, int]:
        return (self.cls, self.obj, self.attr, self.elem)


@dataclass(frozen=True, slots=True)
class Message:
    ftype: int
    seq: int = 0
    items: tuple[Item, ...] = ()
    version: int = 0x0102
    center: int = 1
    controller: int = 0
    intersection: int = 1


@dataclass(frozen=True, slots=True)
class WireFormat:
    """The controller's framing: CRC parameters, Length reading, escaping."""

    crc_poly: int = 0x1005
    crc_init: int = 0x0000
    crc_reflect: bool = False
    crc_xorout: int = 0x0000
    length_counts_crc: bool = False  # True: Length = every byte between 0x7E and 0x7D
    escaped: bool = True

    def crc(self, data: bytes) -> int:
        if self.crc_reflect:
            return crc16(data, self.crc_poly, self.crc_init, True, self.crc_xorout)
        table = _byte_table(self.crc_poly)  # the bitwise CRC of each byte, for speed
        crc = self.crc_init
        for byte in data:
            crc = ((crc << 8) & 0xFFFF) ^ table[(crc >> 8) ^ byte]
        return crc ^ self.crc_xorout

    def build(self, msg: Message, *, crc_xor: int = 0) -> bytes:
        """Message -> wire bytes; `crc_xor` spoils the CRC on purpose (fault injection)."""
        payload = bytearray()
        payload += msg.version.to_bytes(2, "big")
        payload.append(msg.center)
        payload += msg.controller.to_bytes(4, "big")
        payload += bytes((msg.intersection, msg.seq, msg.ftype, len(msg.items)))
        for index, item in enumerate(msg.items, 1):
            payload += bytes((index, 4 + len(item.data), item.cls, item.obj, item.attr,
                              item.elem))
            payload += item.data
        length = 2 + len(payload) + (2 if self.length_counts_crc else 0)
        body = length.to_bytes(2, "big") + bytes(payload)
        inner = body + (self.crc(body) ^ crc_xor).to_bytes(2, "big")
        if self.escaped:
            out = bytearray()
            for byte in inner:
                if byte in (0x7E, 0x7D, 0x5C):
                    out.append(0x5C)
                out.append(byte)
            inner = bytes(out)
        return b"\x7e" + inner + b"\x7d"

    def parse(self, wire: bytes) -> Message:
        """One frame, delimiters included (escaped or not as configured)."""
        if len(wire) < 17 or wire[0] != 0x7E or wire[-1] != 0x7D:
            raise WireError("not a 0x7E .. 0x7D frame")
        inner = bytearray()
        pending = False
        for byte in wire[1:-1]:
            if self.escaped and not pending and byte == 0x5C:
                pending = True
                continue
            pending = False
            inner.append(byte)
        body, crc = bytes(inner[:-2]), int.from_bytes(inner[-2:], "big")
        if self.crc(body) != crc:
            raise WireError(f"bad CRC 0x{crc:04X}")
        if len(body) < 13:
            raise WireError("too short")
        length = int.from_bytes(body[:2], "big")
        if length != len(body) + (2 if self.length_counts_crc else 0):
            raise WireError(f"Length field {length} does not match")
        version = int.from_bytes(body[2:4], "big")
        center = body[4]
        controller = int.from_bytes(body[5:9], "big")
        intersection, seq, ftype, count = body[9], body[10], body[11], body[12]
        items, pos = [], 13
        for _ in range(count):
            if pos + 2 > len(body):
                raise WireError("value missing")
            size = body[pos + 1]
            chunk = body[pos + 2:pos + 2 + size]
            if size < 4 or len(chunk) != size:
                raise WireError("bad value length")
            items.append(Item(chunk[0], chunk[1], chunk[2], chunk[3], bytes(chunk[4:])))
            pos += 2 + size
        if pos != len(body):
            raise WireError("trailing bytes")
        return Message(ftype, seq, tuple(items), version, center, controller, intersection)


@dataclass(slots=True)
class Splitter:
    """Escaped TCP stream -> frames (0x7E .. 0x7D). Junk between frames is dropped."""

    buf: bytearray = field(default_factory=bytearray)
    inside: bool = False
    escape: bool = False

    def feed(self, data: bytes) -> list[bytes]:
        out = []
        for byte in data:
            if not self.inside:
                if byte == 0x7E:
                    self.inside, self.escape = True, False
                    self.buf = bytearray(b"\x7e")
                continue
            self.buf.append(byte)
            if self.escape:
                self.escape = False
            elif byte == 0x5C:
                self.escape = True
            elif byte == 0x7E:
                self.buf = bytearray(b"\x7e")
            elif byte == 0x7D:
                out.append(bytes(self.buf))
                self.inside = False
            if len(self.buf) > 65536:
                self.inside = False
        return out
