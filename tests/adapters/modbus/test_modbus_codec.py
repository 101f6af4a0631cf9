"""Register decoding and encoding: word and byte order, signed values, float32, scaling, bit
tables, 0/1-based addresses, and pymodbus's own converters as the reference."""

from __future__ import annotations

import math
from typing import Any

import pytest
from pymodbus.client import ModbusTcpClient

from adapters.modbus import codec
from adapters.modbus.regmap import Point, compiled_map
from gateway.sdk import DecodeError

DT = ModbusTcpClient.DATATYPE
REFERENCE = {"uint16": DT.UINT16, "int16": DT.INT16, "uint32": DT.UINT32, "int32": DT.INT32,
             "float32": DT.FLOAT32}


def point(type_: str = "uint16", count: int | None = None, *, table: str = "holding",
          word_order: str = "big", byte_order: str = "big", scale: float = 1.0,
          offset: float = 0.0, valid: tuple[float, float] | None = None) -> Point:
    width = {"uint32": 2, "int32": 2, "float32": 2}.get(type_, 1)
    return Point("p", table, 0, count or width, type_, word_order, byte_order, scale, offset,
                 valid, None)


@pytest.mark.parametrize("type_,value,big,little", [
    ("uint32", 0x12345678, [0x1234, 0x5678], [0x5678, 0x1234]),
    ("int32", -2, [0xFFFF, 0xFFFE], [0xFFFE, 0xFFFF]),
    ("float32", 1.5, [0x3FC0, 0x0000], [0x0000, 0x3FC0]),
    ("uint16", 513, [513], [513]),
    ("int16", -35, [0xFFDD], [0xFFDD]),
])
def test_word_order(type_: str, value: float, big: list[int], little: list[int]) -> None:
    assert codec.decode(point(type_, word_order="big"), big) == value
    assert codec.decode(point(type_, word_order="little"), little) == value
    assert codec.encode(point(type_, word_order="big"), value) == big
    assert codec.encode(point(type_, word_order="little"), value) == little
    for order, words in (("big", big), ("little", little)):
        assert ModbusTcpClient.convert_from_registers(words, REFERENCE[type_],
                                                      word_order=order) == value  # type: ignore[arg-type]


def test_byte_order_swaps_bytes_inside_each_register() -> None:
    # 0x12345678 as "BADC" (big word order, bytes swapped) and "DCBA"
    assert codec.decode(point("uint32", byte_order="little"), [0x3412, 0x7856]) == 0x12345678
    assert codec.decode(point("uint32", word_order="little", byte_order="little"),
                        [0x7856, 0x3412]) == 0x12345678
    assert codec.decode(point("uint16", byte_order="little"), [0x0102]) == 0x0201
    assert codec.encode(point("uint16", byte_order="little"), 0x0201) == [0x0102]


def test_scale_offset_and_signed() -> None:
    tenths = point("int16", scale=0.1)
    assert codec.decode(tenths, [0xFFDD]) == -3.5
    assert codec.encode(tenths, -3.5) == [0xFFDD]
    kelvin = point("uint16", scale=0.01, offset=-273.15)
    assert codec.decode(kelvin, [29315]) == pytest.approx(20.0)
    assert codec.decode(point("uint32", scale=0.1, word_order="little"), [33, 0]) == 3.3
    with pytest.raises(ValueError, match="whole number"):
        codec.encode(tenths, 0.05)
    with pytest.raises(ValueError, match="does not fit"):
        codec.encode(point("uint16"), 70000)
    with pytest.raises(ValueError, match="does not fit"):
        codec.encode(point("int16"), -40000)


def test_float32_rounding_and_nan() -> None:
    words = ModbusTcpClient.convert_to_registers(33.9, DT.FLOAT32)
    assert codec.decode(point("float32"), words) == 33.9  # not 33.900001525878906
    with pytest.raises(DecodeError, match="not a number"):
        codec.decode(point("float32"), [0x7FC0, 0])  # NaN
    with pytest.raises(DecodeError, match="not a number"):
        codec.decode(point("float32"), [0x7F80, 0])  # +inf


def test_arrays_bitmasks_and_bits() -> None:
    assert codec.decode(point("uint16", 3), [1, 2, 3]) == (1, 2, 3)
    assert codec.decode(point("uint32", 4), [0, 1, 0, 2]) == (1, 2)
    assert codec.decode(point("bitmask", 4), [0x0001, 0x8000, 0, 0x0002]) == \
        1 | 1 << 31 | 1 << 49
    assert codec.encode(point("bitmask", 2), 1 << 16 | 5) == [5, 1]
    bits = point("bitmask", 10, table="discrete")
    assert codec.decode(bits, [True, False, True] + [False] * 13) == 0b101  # pymodbus pads
    assert codec.decode(point("bool", 1, table="coil"), [True]) == 1
    assert codec.encode(point("bool", 1, table="coil"), 1) == [True]
    assert codec.encode(bits, 0b11) == [True, True] + [False] * 8
    assert codec.decode(point("bool", 1), [7]) == 1  # a non-zero register is true


def test_decode_errors_name_the_point_and_the_problem() -> None:
    with pytest.raises(DecodeError, match="sent 1 of the 2 registers"):
        codec.decode(point("uint32"), [1])
    with pytest.raises(DecodeError, match="not 16-bit"):
        codec.decode(point("uint16"), [70000])
    with pytest.raises(DecodeError, match=r"outside its valid range \[1, 8\]"):
        codec.decode(point("uint16", valid=(1, 8)), [9])
    assert codec.decode(point("uint16", valid=(1, 8)), [8]) == 8


def _map(base: int, **point: Any) -> Any:
    return compiled_map({"address_base": base, "points": {"greens": point}})


def test_zero_and_one_based_addresses_reach_the_same_wire_address() -> None:
    zero = _map(0, table="input", address=10, type="bitmask")
    one = _map(1, table="input", address=11, type="bitmask")
    assert zero.points["greens"].address == one.points["greens"].address == 10
    assert zero.poll_blocks[0].start == one.poll_blocks[0].start == 10
    big = _map(1, table="holding", address=65536, type="bitmask")
    assert big.points["greens"].address == 65535


def test_round_trip_every_type() -> None:
    for type_, values in (("uint16", [0, 1, 65535]), ("int16", [-32768, -1, 0, 32767]),
                          ("uint32", [0, 2**32 - 1]), ("int32", [-2**31, 2**31 - 1]),
                          ("float32", [0.0, -1.25, 3.0e38])):
        for word_order in ("big", "little"):
            for byte_order in ("big", "little"):
                p = point(type_, word_order=word_order, byte_order=byte_order)
                for v in values:
                    got = codec.decode(p, codec.encode(p, v))
                    assert not isinstance(got, tuple)
                    assert math.isclose(float(got), v, rel_tol=1e-6), (type_, v, got)
