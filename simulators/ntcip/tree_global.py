"""MIB-II system group and NTCIP 1201 global objects over a SignalEngine.

sysUpTime and the module table are what a gateway uses to detect reboots and identify the
device; globalTime is the device clock (true time plus the engine's clock skew fault, so a
gateway's clock-offset check has something to find) and a SET of it moves the device clock.
globalSetIDParameter follows the engine's config_version, which changes on every database write.
"""

from __future__ import annotations

from functools import partial

from simulators.engine import SignalEngine
from simulators.ntcip.objects import (
    ASC,
    COUNTER32,
    GLOBAL,
    INTEGER,
    OBJECT_ID,
    OCTET_STRING,
    OID,
    RO,
    RW,
    SYSTEM,
    TIMETICKS,
    Entry,
    Getter,
    Setter,
    TextSetter,
    TreeBuilder,
    Value,
    int_setter,
)

__all__ = ["add_global_objects", "add_system_objects", "add_vendor_objects"]

SYS_OBJECT_ID: OID = ASC
DST_VALUES = (1, 2, 3)  # other, disableDST, enableUSDST


def _const(value: Value) -> Getter:
    return lambda: value


def _text_store(store: dict[str, bytes], key: str) -> tuple[Getter, Setter]:
    def get() -> Value:
        return store[key]

    return get, TextSetter(store, key)


def add_system_objects(b: TreeBuilder, e: SignalEngine) -> None:
    cfg = e.config
    hw = cfg.modules[0]
    descr = f"{hw.make} {hw.model} {hw.version} - {cfg.name} ({cfg.id})".encode()
    store = {
        "contact": b"Junction simulator",
        "name": cfg.id.encode(),
        "location": (cfg.site.intersection_name or cfg.name).encode(),
    }
    b.scalar(SYSTEM + (1,), "sysDescr", _const(descr), tag=OCTET_STRING, origin="mib2")
    b.scalar(SYSTEM + (2,), "sysObjectID", _const(SYS_OBJECT_ID), tag=OBJECT_ID, origin="mib2")
    b.scalar(SYSTEM + (3,), "sysUpTime", partial(_sys_uptime, e), tag=TIMETICKS, origin="mib2")
    for sub, name, key in ((4, "sysContact", "contact"), (5, "sysName", "name"),
                           (6, "sysLocation", "location")):  # fmt: skip
        get, put = _text_store(store, key)
        b.scalar(SYSTEM + (sub,), name, get, tag=OCTET_STRING, access=RW, setter=put,
                 origin="mib2")  # fmt: skip


# Polled objects: partial(reader, e), so the view calls one reader shared by every controller.
def _sys_uptime(e: SignalEngine) -> Value:
    return round(e.uptime_s * 100) & 0xFFFFFFFF


def _set_id(e: SignalEngine) -> Value:
    return e.config_version & 0xFFFF


def _global_time(e: SignalEngine) -> Value:
    return int(e.device_time_s) & 0xFFFFFFFF


def _dst_ok(value: int) -> None:
    if value not in DST_VALUES:
        raise ValueError(value)


def _set_dst(e: SignalEngine, value: int) -> None:
    e.daylight_saving = value


def _set_tz(e: SignalEngine, value: int) -> None:
    e.local_time_differential_s = value


def add_global_objects(b: TreeBuilder, e: SignalEngine) -> None:
    g = GLOBAL
    modules = e.config.modules
    b.scalar(g + (1, 1), "globalSetIDParameter", partial(_set_id, e))
    b.scalar(g + (1, 2), "globalMaxModules", _const(len(modules)))
    row = g + (1, 3, 1)
    for m, info in enumerate(modules, start=1):
        b.column(row + (1,), (m,), "moduleNumber", _const(m))
        b.column(row + (2,), (m,), "moduleDeviceNode", _const(ASC), tag=OBJECT_ID)
        b.column(row + (3,), (m,), "moduleMake", _const(info.make.encode()), tag=OCTET_STRING)
        b.column(row + (4,), (m,), "moduleModel", _const(info.model.encode()), tag=OCTET_STRING)
        b.column(row + (5,), (m,), "moduleVersion", _const(info.version.encode()), tag=OCTET_STRING)
        b.column(row + (6,), (m,), "moduleType", _const(info.kind))
    b.scalar(
        g + (3, 1), "globalTime", partial(_global_time, e), tag=COUNTER32,
        access=RW, setter=int_setter(0, 0xFFFFFFFF, e.set_device_time),
    )  # fmt: skip
    b.scalar(
        g + (3, 2), "globalDaylightSaving", lambda: e.daylight_saving, access=RW,
        setter=int_setter(1, 3, lambda v: _set_dst(e, v), validate=_dst_ok),
    )  # fmt: skip
    b.scalar(
        g + (3, 4), "globalLocalTimeDifferential", lambda: e.local_time_differential_s,
        access=RW, setter=int_setter(-43200, 43200, lambda v: _set_tz(e, v)),
    )  # fmt: skip


def add_vendor_objects(b: TreeBuilder, e: SignalEngine, pattern_oid: OID | None) -> None:
    """A vendor OID mirroring coordPatternStatus (e.g. Econolite 1.3.6.1.4.1.1206.3.5.2.1.22.0)."""
    if pattern_oid is None:
        return
    b.entries.append(
        Entry(tuple(pattern_oid), tuple(pattern_oid[:-1]), "vendorCurrentPattern", INTEGER, RO,
              "vendor", lambda: e.coord_pattern_status)
    )  # fmt: skip
