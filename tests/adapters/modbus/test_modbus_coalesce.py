"""Read coalescing: adjacent and nearby points merge into one request within the Modbus limits
and the map's gap; a device that refuses undefined addresses is never read across a hole."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from adapters.modbus.coalesce import Block, coalesce, merge_spans
from adapters.modbus.regmap import compiled_map

PROFILES = Path(__file__).resolve().parents[3] / "profiles" / "modbus"


def spans(blocks: list[Block]) -> list[tuple[int, int, tuple[str, ...]]]:
    return [(b.start, b.count, b.keys) for b in blocks]


def test_adjacent_and_overlapping_points_merge() -> None:
    items = [("a", 0, 2), ("b", 2, 1), ("c", 3, 4), ("d", 4, 1)]
    assert spans(coalesce(items, limit=125, max_gap=0)) == [(0, 7, ("a", "b", "c", "d"))]


def test_gap_merging_respects_max_gap() -> None:
    items = [("a", 0, 1), ("b", 5, 1), ("c", 20, 1)]
    assert spans(coalesce(items, limit=125, max_gap=4)) == [(0, 6, ("a", "b")),
                                                          (20, 1, ("c",))]
    assert spans(coalesce(items, limit=125, max_gap=3)) == [(0, 1, ("a",)), (5, 1, ("b",)),
                                                          (20, 1, ("c",))]
    assert spans(coalesce(items, limit=125, max_gap=14)) == [(0, 21, ("a", "b", "c"))]


def test_limits_split_blocks() -> None:
    items = [(f"r{i}", i * 10, 10) for i in range(30)]  # 300 contiguous registers
    blocks = coalesce(items, limit=125, max_gap=0)
    assert [b.count for b in blocks] == [120, 120, 60]
    assert all(b.count <= 125 for b in blocks)
    bits = coalesce([("x", 0, 1500), ("y", 1500, 600)], limit=2000, max_gap=0)
    assert [(b.start, b.count) for b in bits] == [(0, 1500), (1500, 600)]
    with pytest.raises(ValueError, match="cannot be read in one request"):
        coalesce([("huge", 0, 126)], limit=125, max_gap=0)


def test_holes_are_bridged_only_where_defined() -> None:
    items = [("a", 0, 2), ("b", 5, 1)]
    defined = merge_spans([(0, 2), (2, 3), (5, 1)])  # 2-4 belong to an unpolled point
    assert spans(coalesce(items, limit=125, max_gap=8, defined=defined)) == \
        [(0, 6, ("a", "b"))]
    holes = merge_spans([(0, 2), (5, 1)])
    assert spans(coalesce(items, limit=125, max_gap=8, defined=holes)) == \
        [(0, 2, ("a",)), (5, 1, ("b",))]


def test_merge_spans() -> None:
    assert merge_spans([(5, 2), (0, 2), (2, 1), (10, 1)]) == [(0, 3), (5, 7), (10, 11)]


def test_shipped_maps_poll_in_three_requests() -> None:
    tsc = compiled_map(yaml.safe_load((PROFILES / "tsc-modbus.yaml").read_text())["options"])
    assert [(b.table, b.start, b.count) for b in tsc.poll_blocks] == [
        ("discrete", 0, 164), ("coil", 2, 2), ("input", 0, 64)]
    quirky = compiled_map(yaml.safe_load((PROFILES / "vendor-quirks.yaml").read_text())
                          ["options"])
    # the device refuses undefined registers: input register 20 (wire 19) is never read
    assert [(b.table, b.start, b.count) for b in quirky.poll_blocks] == [
        ("discrete", 1, 1), ("input", 0, 19), ("input", 20, 8)]
