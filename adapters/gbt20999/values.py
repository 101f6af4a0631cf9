"""Typed access to the data values of GB/T 20999 replies, tolerant of two device habits.

1. "All elements" (element 0) may come back as one data value holding every element's bytes
   back to back, or as one data value per element. `Values.table` accepts both.
2. Some devices put a 0x00-0x0A status byte in front of each reply value (pitfall 21, seen in
   the 20999 test tool [I]). Where the expected size is known, one extra leading byte in that
   range is stripped and counted in `status_bytes` so the quirk shows in diagnostics.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from adapters.gbt20999.codec import DataValue
from adapters.gbt20999.const import Address

__all__ = ["Values", "bitmap"]

Key = tuple[int, int, int]
Int = int  # `Values.int` shadows the builtin inside the class body


def bitmap(data: bytes) -> int:
    """A bit map value (big-endian; bit 0 of the last byte = member 1) as an int."""
    return int.from_bytes(data, "big")


class Values:
    """Reply data values by address, plus the addresses the device said it lacks."""

    __slots__ = ("_items", "missing", "status_bytes")

    def __init__(self, values: Iterable[DataValue] = ()) -> None:
        self._items: dict[Key, dict[int, bytes]] = {}
        self.missing: set[Address] = set()
        self.status_bytes = 0
        self.add(values)

    def add(self, values: Iterable[DataValue]) -> None:
        for v in values:
            self._items.setdefault((v.class_id, v.object_id, v.attribute_id), {})[
                v.element_id] = v.data

    def add_from(self, other: Values) -> None:
        """Merge another reply's values (and what it lacked) into this one."""
        for key, elements in other._items.items():
            self._items.setdefault(key, {}).update(elements)
        self.missing |= other.missing
        self.status_bytes += other.status_bytes

    def __contains__(self, address: Address) -> bool:
        return address[:3] in self._items

    def _strip(self, data: bytes, sizes: Iterable[int]) -> bytes | None:
        sizes = set(sizes)
        if len(data) in sizes:
            return data
        if len(data) - 1 in sizes and data[0] <= 0x0A:
            self.status_bytes += 1
            return data[1:]
        return None

    def raw(self, address: Address) -> bytes | None:
        elements = self._items.get(address[:3])
        if not elements:
            return None
        if address[3] in elements:
            return elements[address[3]]
        if len(elements) == 1:  # asked for element e, the device answered under element 0
            return next(iter(elements.values()))
        return None

    def int(self, address: Address, sizes: Iterable[Int] = (1,)) -> int | None:
        data = self.raw(address)
        if data is None:
            return None
        data = self._strip(data, sizes)
        return int.from_bytes(data, "big") if data is not None else None

    def text(self, address: Address) -> str | None:
        """A NUL-padded string (GB 2312 allowed, [I]); a leading status byte falls away."""
        data = self.raw(address)
        if data is None:
            return None
        data = data.strip(b"\x00").lstrip(bytes(range(0x0B)))
        for encoding in ("utf-8", "gb18030"):
            try:
                return data.decode(encoding).strip() or None
            except UnicodeDecodeError:
                continue
        return data.decode("latin-1").strip() or None

    def time(self, address: Address) -> datetime | None:
        """7 bytes: year (2), month, day, hour, minute, second (UTC for 13.1.10)."""
        data = self.raw(address)
        data = self._strip(data, (7,)) if data is not None else None
        if data is None:
            return None
        try:
            return datetime(int.from_bytes(data[:2], "big"), data[2], data[3], data[4], data[5],
                            data[6], tzinfo=UTC)
        except ValueError:
            return None

    def table(self, address: Address, count: Int, widths: Iterable[Int] = (1,),
              numbers: list[Int] | None = None) -> dict[Int, bytes] | None:
        """Element number -> bytes for a table attribute read with element 0.

        `numbers` are the element numbers in order (default 1..count); `widths` the accepted
        per-element sizes (the first that fits the total is used)."""
        elements = self._items.get(address[:3])
        if elements is None:
            return None
        numbers = numbers if numbers is not None else list(range(1, count + 1))
        widths = tuple(widths)
        if set(elements) != {0}:  # one data value per element
            out = {}
            for number, data in elements.items():
                kept = self._strip(data, widths)
                if number and kept is not None:
                    out[number] = kept
            return out
        data = elements[0]
        if not numbers:
            return {}
        total = self._strip(data, [len(numbers) * w for w in widths])
        if total is None:
            return None
        width = len(total) // len(numbers)
        return {n: total[i * width:(i + 1) * width] for i, n in enumerate(numbers)}

    def records(self, address: Address) -> dict[Int, Int] | None:
        """A one-byte-per-record list (alarm or fault types, all >= 0x10) -> {record: byte}.
        Records come as one value (element 0) or one value per record."""
        elements = self._items.get(address[:3])
        if elements is None:
            return None
        if set(elements) != {0}:
            return {n: d[-1] for n, d in sorted(elements.items()) if n and d}
        data = elements[0]
        if data[:1] and data[0] <= 0x0A:
            self.status_bytes += 1
            data = data[1:]
        return dict(enumerate(data, 1))

    def table_int(self, address: Address, count: Int, widths: Iterable[Int] = (1,),
                  numbers: list[Int] | None = None) -> dict[Int, Int] | None:
        table = self.table(address, count, widths, numbers)
        return None if table is None else {n: int.from_bytes(b, "big") for n, b in table.items()}
