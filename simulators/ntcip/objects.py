"""Building blocks of the NTCIP MIB view: tags, error codes, OID roots and one object instance.

An `Entry` is one instance OID with its BER tag, a getter and (for writable objects) a setter.
The builders in `tree_asc.py` and `tree_global.py` produce entries from an engine once, at
construction; the view then only does dictionary lookups and bisects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "ASC",
    "BAD_VALUE",
    "COUNTER32",
    "GAUGE32",
    "GLOBAL",
    "INTEGER",
    "NOT_WRITABLE",
    "NO_ERROR",
    "NO_SUCH_NAME",
    "OBJECT_ID",
    "OCTET_STRING",
    "OID",
    "READ_ONLY",
    "RO",
    "RW",
    "SYSTEM",
    "TIMETICKS",
    "WRONG_TYPE",
    "Entry",
    "Getter",
    "IntSetter",
    "Setter",
    "TextSetter",
    "TreeBuilder",
    "Value",
    "group_byte",
    "int_setter",
]

OID = tuple[int, ...]
Value = int | bytes | OID | None
Getter = Callable[[], Value]

# BER tags
INTEGER = 0x02
OCTET_STRING = 0x04
OBJECT_ID = 0x06
COUNTER32 = 0x41
GAUGE32 = 0x42
TIMETICKS = 0x43

# SNMP error-status values returned by set()
NO_ERROR = 0
NO_SUCH_NAME = 2
BAD_VALUE = 3
READ_ONLY = 4
WRONG_TYPE = 7
NOT_WRITABLE = 17

SYSTEM: OID = (1, 3, 6, 1, 2, 1, 1)
ASC: OID = (1, 3, 6, 1, 4, 1, 1206, 4, 2, 1)
GLOBAL: OID = (1, 3, 6, 1, 4, 1, 1206, 4, 2, 6)

RO = "read-only"
RW = "read-write"


@dataclass(frozen=True, slots=True)
class Entry:
    """One object instance.

    origin: "mib2" (RFC 1213 system group), "v01" (NTCIP 1202 v01 / 1201 objects, all listed in
    ntcip-oids.tsv), "v02" (NTCIP 1202 v02+ additions, hidden by v01_only) or "vendor".
    access is the MIB's access; a read-write object the simulator does not support writing has
    setter=None and answers notWritable.
    """

    oid: OID
    obj: OID  # the object's OID: `oid` without the instance suffix
    name: str
    tag: int
    access: str
    origin: str
    getter: Getter
    setter: Setter | None = None


class Setter:
    """Writes one object. check() answers the SET's error status without side effects (the
    agent's optional test_set, for atomic multi-varbind SETs); calling applies it."""

    __slots__ = ()

    def check(self, value: Value) -> int:
        raise NotImplementedError

    def __call__(self, value: Value) -> int:
        raise NotImplementedError


class IntSetter(Setter):
    """INTEGER-like object: range check, then an optional `validate` (a dry run that raises
    ValueError for a value the device refuses), then `apply`. Refusals answer badValue."""

    __slots__ = ("_apply", "_high", "_low", "_validate")

    def __init__(
        self,
        low: int,
        high: int,
        apply: Callable[[int], object],
        validate: Callable[[int], object] | None = None,
    ) -> None:
        self._low = low
        self._high = high
        self._apply = apply
        self._validate = validate

    def check(self, value: Value) -> int:
        if not isinstance(value, int) or not self._low <= value <= self._high:
            return BAD_VALUE
        if self._validate is not None:
            try:
                self._validate(value)
            except ValueError:
                return BAD_VALUE
        return NO_ERROR

    def __call__(self, value: Value) -> int:
        err = self.check(value)
        if err:
            return err
        assert isinstance(value, int)
        try:
            self._apply(value)
        except ValueError:
            return BAD_VALUE
        return NO_ERROR


class TextSetter(Setter):
    """OCTET STRING kept in a dict (sysName, sysLocation, sysContact), at most 255 octets."""

    __slots__ = ("_key", "_store")

    def __init__(self, store: dict[str, bytes], key: str) -> None:
        self._store = store
        self._key = key

    def check(self, value: Value) -> int:
        return NO_ERROR if isinstance(value, bytes) and len(value) <= 255 else BAD_VALUE

    def __call__(self, value: Value) -> int:
        err = self.check(value)
        if not err:
            assert isinstance(value, bytes)
            self._store[self._key] = value
        return err


def int_setter(
    low: int,
    high: int,
    apply: Callable[[int], object],
    validate: Callable[[int], object] | None = None,
) -> IntSetter:
    return IntSetter(low, high, apply, validate)


def group_byte(mask: int, group: int) -> int:
    """Status-group value: bit 0 = member (group-1)*8+1 (NTCIP bit rule, pitfall 2)."""
    return (mask >> ((group - 1) * 8)) & 0xFF


class TreeBuilder:
    """Collects entries; `scalar` appends instance .0, `column` appends the row index."""

    __slots__ = ("entries",)

    def __init__(self) -> None:
        self.entries: list[Entry] = []

    def scalar(
        self,
        oid: OID,
        name: str,
        getter: Getter,
        *,
        tag: int = INTEGER,
        access: str = RO,
        setter: Setter | None = None,
        origin: str = "v01",
    ) -> None:
        self.entries.append(Entry(oid + (0,), oid, name, tag, access, origin, getter, setter))

    def column(
        self,
        oid: OID,
        index: OID,
        name: str,
        getter: Getter,
        *,
        tag: int = INTEGER,
        access: str = RO,
        setter: Setter | None = None,
        origin: str = "v01",
    ) -> None:
        self.entries.append(Entry(oid + index, oid, name, tag, access, origin, getter, setter))
