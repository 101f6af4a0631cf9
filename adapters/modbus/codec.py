"""Registers and bits <-> numbers. Pure functions, no I/O.

Modbus only moves 16-bit registers and single bits; everything else is convention, and vendors
disagree (reference §5.1): 32-bit values come high word first ("big", the usual "ABCD") or low
word first ("little", "CDAB"), a few swap the bytes inside each register too, and scaled
integers carry tenths or hundredths. Byte order applies to every register of a point; word
order only to 32-bit types. A register bitmask is little-endian by register: the first register
holds members 1-16 (bit 0 = member 1). Anything the device sends that cannot be a value of the
declared type (wrong length, NaN, outside `valid`) raises DecodeError, never anything else.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence

from adapters.modbus.const import WIDTH
from adapters.modbus.regmap import Point, ReadBlock
from gateway.sdk import DecodeError

__all__ = ["Number", "Value", "decode", "decode_block", "encode", "decode_words",
           "encode_words"]

Number = int | float
Value = int | float | tuple[int | float, ...]

_FORMAT = {"uint16": "H", "int16": "h", "uint32": "I", "int32": "i", "float32": "f"}


def _swap(word: int) -> int:
    return ((word & 0xFF) << 8) | (word >> 8)


def decode_words(words: Sequence[int], type_: str, word_order: str = "big",
                 byte_order: str = "big") -> tuple[Number, ...]:
    """Raw registers -> values of `type_` (several if the words hold an array).

    bitmask: one integer from all words, first word lowest; bool: 1 if non-zero.
    Raises DecodeError for a register outside 0..65535 or a length that is not a multiple
    of the type's width.
    """
    for w in words:
        if not 0 <= w <= 0xFFFF:
            raise DecodeError(f"register value {w} is not 16-bit")
    if byte_order == "little":
        words = [_swap(w) for w in words]
    if type_ == "bitmask":
        mask = 0
        for i, w in enumerate(words):
            mask |= w << (16 * i)
        return (mask,)
    if type_ == "bool":
        return tuple(int(w != 0) for w in words)
    width = WIDTH[type_]
    if not words or len(words) % width:
        raise DecodeError(f"{len(words)} registers cannot hold {type_} values")
    fmt = _FORMAT[type_]
    out: list[Number] = []
    for i in range(0, len(words), width):
        group = words[i:i + width]
        if word_order == "little":
            group = group[::-1]
        out.append(struct.unpack(">" + fmt, struct.pack(f">{width}H", *group))[0])
    return tuple(out)


def _bits_value(bits: Sequence[int] | Sequence[bool], type_: str) -> int:
    if type_ == "bool":
        return int(bool(bits[0]))
    mask = 0
    for i, bit in enumerate(bits):
        if bit:
            mask |= 1 << i
    return mask


def decode(point: Point, raw: Sequence[int] | Sequence[bool]) -> Value:
    """The value of `point` from its slice of a read: raw registers (register tables) or
    bits (coil/discrete). Scale and offset applied; arrays as tuples. Raises DecodeError."""
    if len(raw) < point.count:
        raise DecodeError(f"{point.name}: the device sent {len(raw)} of the {point.count} "
                          f"{'bits' if point.is_bits else 'registers'} asked for")
    raw = raw[:point.count]
    if point.is_bits:
        values: tuple[Number, ...] = (_bits_value(raw, point.type),)
    else:
        values = decode_words([int(w) for w in raw], point.type, point.word_order,
                              point.byte_order)
    scaled = [_scaled(point, v) for v in values]
    if len(scaled) == 1 and not point.is_array:
        return scaled[0]
    return tuple(scaled)


def decode_block(block: ReadBlock, raw: Sequence[int] | Sequence[bool],
                 into: dict[str, Value]) -> None:
    """Decode every point of one read's answer into `into`. Raises DecodeError."""
    for point in block.points:
        start = point.address - block.start
        into[point.name] = decode(point, raw[start:start + point.count])


def _scaled(point: Point, value: Number) -> Number:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DecodeError(f"{point.name}: {value} is not a number")
        value = float(f"{value:.7g}")  # float32 carries ~7 digits; drop the binary noise
    if point.scale != 1 or point.offset != 0:
        value = round(value * point.scale + point.offset, 9)
    if point.valid is not None and not point.valid[0] <= value <= point.valid[1]:
        low, high = point.valid
        raise DecodeError(f"{point.name} = {value:g} is outside its valid range "
                          f"[{low:g}, {high:g}]")
    return value


def encode_words(value: Number, type_: str, count: int, word_order: str = "big",
                 byte_order: str = "big") -> list[int]:
    """One value -> raw registers. ValueError if it does not fit the type."""
    if type_ in ("bitmask", "bool"):
        number = int(value)
        if type_ == "bool":
            number = int(number != 0)
        if not 0 <= number < 1 << (16 * count):
            raise ValueError(f"{value} does not fit {count} registers")
        words = [(number >> (16 * i)) & 0xFFFF for i in range(count)]
    else:
        fmt, width = _FORMAT[type_], WIDTH[type_]
        try:
            packed = struct.pack(">" + fmt, value if type_ == "float32" else int(value))
        except (struct.error, OverflowError) as err:
            raise ValueError(f"{value} does not fit {type_}") from err
        words = list(struct.unpack(f">{width}H", packed))
        if word_order == "little":
            words.reverse()
    if byte_order == "little":
        words = [_swap(w) for w in words]
    return words


def encode(point: Point, value: float) -> list[int] | list[bool]:
    """A value for `point` (before scale) -> what a write request carries.

    Raises ValueError if the value, unscaled, is not a whole number for an integer type or
    does not fit the point."""
    raw: float = (value - point.offset) / point.scale
    if point.type != "float32":
        if not math.isfinite(raw) or abs(raw - round(raw)) > 1e-6:
            raise ValueError(f"{point.name}: {value} is not a whole number of raw units")
        raw = round(raw)
    if point.is_bits:
        number = int(raw)
        if point.type == "bool":
            return [number != 0]
        if not 0 <= number < 1 << point.count:
            raise ValueError(f"{point.name}: {value} does not fit {point.count} bits")
        return [bool(number >> i & 1) for i in range(point.count)]
    if point.is_array:
        raise ValueError(f"{point.name} is an array; write its elements as separate points")
    return encode_words(raw, point.type, point.count, point.word_order, point.byte_order)
