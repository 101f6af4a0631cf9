"""Read coalescing: as few Modbus requests as the map allows.

Field gateways that read each point on its own stretch a poll to dozens of round trips
(ThingsBoard's "time stretching" at ~68 registers, field-pain-points §3.4). Points of one table
are sorted and merged greedily left to right while the merged read stays within the per-request
limit (125 registers / 2000 bits, or the device's lower limit) and the unused gap between two
points is at most `max_gap`. Some devices refuse any read that touches an address they do not
define (exception 2): for those, `defined` lists the spans the map declares, and a gap is
bridged only where it is entirely defined. Greedy merging is optimal here: each block starts at
the first point not yet covered and takes every later point that still fits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Block", "coalesce", "merge_spans"]


@dataclass(slots=True, frozen=True)
class Block:
    """One read request: [start, start + count) and the keys of the items it serves."""

    start: int
    count: int
    keys: tuple[str, ...]

    @property
    def end(self) -> int:
        return self.start + self.count


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """(start, count) spans -> sorted, merged (start, end) intervals (touching ones joined)."""
    out: list[tuple[int, int]] = []
    for start, count in sorted(spans):
        end = start + count
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _covered(lo: int, hi: int, defined: Sequence[tuple[int, int]]) -> bool:
    """True if every address in [lo, hi) lies in one of the merged `defined` intervals."""
    for start, end in defined:
        if start <= lo < end:
            return hi <= end
    return lo >= hi


def coalesce(items: Iterable[tuple[str, int, int]], *, limit: int, max_gap: int,
             defined: Sequence[tuple[int, int]] | None = None) -> list[Block]:
    """Group (key, start, count) items of one table into read blocks.

    limit: most registers/bits one request may return; max_gap: most unused addresses a block
    may span between two items; defined: merged (start, end) intervals the device answers, or
    None if it answers any address. Raises ValueError for an item larger than `limit`.
    """
    ordered = sorted(items, key=lambda item: (item[1], -item[2], item[0]))
    blocks: list[Block] = []
    start = end = 0
    keys: list[str] = []
    for key, s, count in ordered:
        if count < 1 or count > limit:
            raise ValueError(f"{key}: {count} addresses cannot be read in one request "
                             f"(limit {limit})")
        e = s + count
        if keys:
            gap = s - end
            fits = max(end, e) - start <= limit
            if fits and (gap <= 0 or (gap <= max_gap and
                                      (defined is None or _covered(end, s, defined)))):
                keys.append(key)
                end = max(end, e)
                continue
            blocks.append(Block(start, end - start, tuple(keys)))
        start, end, keys = s, e, [key]
    if keys:
        blocks.append(Block(start, end - start, tuple(keys)))
    return blocks
