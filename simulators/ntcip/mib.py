"""NtcipMibView: an NTCIP 1202 / 1201 MIB over one SignalEngine, for the SNMP agent.

The agent (simulators/snmp/agent.py) handles the wire; this class answers get / next_oid / set
for one controller. The OID set is static per controller, so it is built once: a dict from
instance OID to (tag, getter, setter) makes get O(1) and a sorted tuple makes next_oid a bisect.
Each get/set first advances the engine to the clock, so values are always current.

Field quirks are options (NtcipFaceOptions): a v01-only controller (no v02 objects, pitfall 11),
a controller missing whole objects or subtrees (missing_oids answers noSuchName;
half_of_objects() picks a seeded half), and a vendor pattern OID mirroring coordPatternStatus.
test_set() answers what set() would without applying it (the agent's SetValidator hook).

SET answers: 0 noError; 2 noSuchName (no such instance); 7 wrongType (the BER tag or Python type
does not match; v2 code, an SNMPv1 agent maps it to badValue); 3 badValue (out of range or
refused by the engine, e.g. a reserved unitControl bit or a timing change the patterns cannot
absorb); 17 notWritable (read-only object, or a read-write object this simulator does not model
writing: phaseOptions, phaseRing, phaseConcurrency, detector call phase, split mode / coord
phase, pattern split / sequence number, sequence data, channel columns). An SNMPv1 agent maps 17
to readOnly(4) or noSuchName(2) as it prefers. Database objects are written directly (no
dbCreateTransaction), so a change that only makes sense together with another one is refused.
"""

from __future__ import annotations

import random
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import pairwise

from simulators.engine import SignalEngine
from simulators.ntcip.objects import (
    COUNTER32,
    GAUGE32,
    INTEGER,
    NO_SUCH_NAME,
    NOT_WRITABLE,
    OBJECT_ID,
    OCTET_STRING,
    OID,
    TIMETICKS,
    WRONG_TYPE,
    Entry,
    Getter,
    Setter,
    TreeBuilder,
    Value,
)
from simulators.ntcip.tree_control import add_coord_objects, add_misc_objects, add_unit_objects
from simulators.ntcip.tree_global import (
    add_global_objects,
    add_system_objects,
    add_vendor_objects,
)
from simulators.ntcip.tree_phase import add_detector_objects, add_phase_objects

__all__ = ["ECONOLITE_PATTERN_OID", "NtcipFaceOptions", "NtcipMibView", "half_of_objects"]

ECONOLITE_PATTERN_OID: OID = (1, 3, 6, 1, 4, 1, 1206, 3, 5, 2, 1, 22, 0)
_INT_TAGS = frozenset({INTEGER, COUNTER32, GAUGE32, TIMETICKS})
_PLANS_MAX = 8
Reader = Callable[[SignalEngine], Value]
_Plan = tuple[
    Sequence[OID],  # the OIDs object it was made for (compared by identity)
    tuple[tuple[int, Getter] | None, ...],  # (tag, getter) per OID, None where absent
    tuple[tuple[int, Reader], ...] | None,  # (tag, reader) when every OID is present, else None
]
_SHARED: dict[tuple[tuple[int, Reader], ...], tuple[tuple[int, Reader], ...]] = {}
"""Reader tuples interned across views: with thousands of controllers, a poll that touches one
shared tuple and shared functions misses the CPU cache far less than per-view closures."""
_SHARED_MAX = 1024


@dataclass(frozen=True, slots=True)
class NtcipFaceOptions:
    """Field quirks of the simulated controller.

    v01_only: NTCIP 1202 v02+ objects are absent (noSuchName).
    missing_oids: OIDs (instances, objects, columns or whole subtrees) that answer noSuchName.
    pattern_oid_extra: a vendor OID (full instance OID) mirroring coordPatternStatus.
    """

    v01_only: bool = False
    missing_oids: frozenset[OID] = frozenset()
    pattern_oid_extra: OID | None = None


def build_entries(engine: SignalEngine, options: NtcipFaceOptions) -> list[Entry]:
    b = TreeBuilder()
    add_system_objects(b, engine)
    add_phase_objects(b, engine)
    add_detector_objects(b, engine)
    add_unit_objects(b, engine)
    add_coord_objects(b, engine)
    add_misc_objects(b, engine)
    add_global_objects(b, engine)
    add_vendor_objects(b, engine, options.pattern_oid_extra)
    missing = options.missing_oids
    out = []
    for entry in b.entries:
        if options.v01_only and entry.origin == "v02":
            continue
        if missing and any(entry.oid[:k] in missing for k in range(1, len(entry.oid) + 1)):
            continue
        out.append(entry)
    return out


def half_of_objects(engine: SignalEngine, seed: int = 0) -> frozenset[OID]:
    """A seeded half of the NTCIP objects (object OIDs, every instance), for missing_oids:
    a controller that answers noSuchName for many standard objects. The system group stays."""
    objs = sorted({e.obj for e in build_entries(engine, NtcipFaceOptions()) if e.origin != "mib2"})
    return frozenset(random.Random(seed).sample(objs, len(objs) // 2))


def _type_ok(tag: int, value: Value) -> bool:
    if tag in _INT_TAGS:
        return isinstance(value, int) and not isinstance(value, bool)
    if tag == OCTET_STRING:
        return isinstance(value, bytes)
    if tag == OBJECT_ID:
        return isinstance(value, tuple)
    return False


def _reader(e: SignalEngine, tag: int, getter: Getter) -> tuple[int, Reader]:
    """(tag, f) with f(e) == getter(): a getter built as partial(f, e) (the builders do so for
    the objects a poll reads, with f shared by every controller) gives f itself."""
    if type(getter) is partial and getter.args == (e,) and not getter.keywords:
        return tag, getter.func
    return tag, lambda _: getter()


class NtcipMibView:
    """The MibView protocol (get / next_oid / set) for one engine. See the module docstring."""

    __slots__ = ("_clock", "_entries", "_oids", "_plans", "_table", "engine", "options")

    def __init__(
        self,
        engine: SignalEngine,
        clock: Callable[[], float] = time.time,
        options: NtcipFaceOptions | None = None,
    ) -> None:
        self.engine = engine
        self.options = options or NtcipFaceOptions()
        self._clock = clock
        entries = sorted(build_entries(engine, self.options), key=lambda x: x.oid)
        for a, b in pairwise(entries):
            if a.oid == b.oid:
                raise ValueError(f"duplicate OID {a.oid} ({a.name}, {b.name})")
        self._entries = tuple(entries)
        self._oids = tuple(x.oid for x in entries)
        self._table: dict[OID, tuple[int, Getter, Setter | None, Entry]] = {
            x.oid: (x.tag, x.getter, x.setter, x) for x in entries
        }
        self._plans: dict[int, _Plan] = {}  # by id() of the OIDs object the plan holds

    def get(self, oid: OID) -> tuple[int, Value] | None:
        """(BER tag, value) of an instance, or None if there is no such instance."""
        item = self._table.get(oid)
        if item is None:
            return None
        self.engine.advance(self._clock())
        return item[0], item[1]()

    def get_each(self, oids: Sequence[OID]) -> Iterator[tuple[int, Value] | None]:
        """get() of each OID, lazily, with the engine advanced once: a GET answers from one
        instant (the agent's BatchView hook). The lookups are kept for later calls with the
        same `oids` object (the agent passes one tuple per request shape, and a poller may
        split its poll into a few; the OID set is static, so they cannot go stale). With every
        OID present nothing can stop the agent early, so the values are read at once."""
        plan = self._plans.get(id(oids))
        if plan is None or plan[0] is not oids:  # the plan holds oids: its id is not reused
            items = tuple(None if (x := self._table.get(o)) is None else (x[0], x[1])
                          for o in oids)
            present = tuple(_reader(self.engine, x[0], x[1]) for x in items if x is not None)
            if len(present) == len(items):
                if len(_SHARED) >= _SHARED_MAX:
                    _SHARED.clear()
                present = _SHARED.setdefault(present, present)
            plan = (oids, items, present if len(present) == len(items) else None)
            if len(self._plans) >= _PLANS_MAX:
                self._plans.clear()
            self._plans[id(oids)] = plan
        if not oids:
            return iter(())
        if plan[2] is not None:
            e = self.engine
            e.advance(self._clock())
            return iter([(tag, read(e)) for tag, read in plan[2]])
        return self._get_lazily(plan[1])

    def _get_lazily(
        self, items: tuple[tuple[int, Getter] | None, ...]
    ) -> Iterator[tuple[int, Value] | None]:
        advanced = False
        for item in items:
            if item is None:
                yield None
                continue
            if not advanced:
                self.engine.advance(self._clock())
                advanced = True
            yield item[0], item[1]()

    def next_oid(self, oid: OID) -> OID | None:
        """First instance OID strictly greater than `oid`, or None at the end of the MIB."""
        i = bisect_right(self._oids, oid)
        return self._oids[i] if i < len(self._oids) else None

    def set(self, oid: OID, tag: int, value: Value) -> int:
        """Write an instance; returns an SNMP error-status (module docstring)."""
        item = self._table.get(oid)
        if item is None:
            return NO_SUCH_NAME
        obj_tag, _, setter, _ = item
        if setter is None:
            return NOT_WRITABLE
        if tag != obj_tag or not _type_ok(tag, value):
            return WRONG_TYPE
        self.engine.advance(self._clock())
        return setter(value)

    def test_set(self, oid: OID, tag: int, value: Value) -> int:
        """The error status set() would return, without applying anything (atomic SETs)."""
        item = self._table.get(oid)
        if item is None:
            return NO_SUCH_NAME
        obj_tag, _, setter, _ = item
        if setter is None:
            return NOT_WRITABLE
        if tag != obj_tag or not _type_ok(tag, value):
            return WRONG_TYPE
        self.engine.advance(self._clock())
        return setter.check(value)

    def describe(self) -> tuple[Entry, ...]:
        """Every instance in OID order (name, tag, MIB access, origin) for tests and tools."""
        return self._entries

    def __len__(self) -> int:
        return len(self._oids)
