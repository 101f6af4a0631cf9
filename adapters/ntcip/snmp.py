"""SNMP access for one controller: tolerant multi-varbind GETs and checked SETs.

Real controllers differ in what they implement (v01 devices lack v02 objects, some answer
noSuchName for half the tree) and in how big a PDU they take. `read_many` asks for many objects
in as few GETs as the device allows: on noSuchName it drops the named object and retries, on
tooBig it halves the batch; what was missing is reported, never fatal.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from gateway.sdk import CommandRejected, Diagnostics, ProtocolError
from gateway.sdk.snmp import OID, ErrorStatus, GetResponse, SnmpClient, Tag, VarBind, format_oid

__all__ = ["Values", "Device"]

_EXCEPTIONS = {Tag.NO_SUCH_OBJECT, Tag.NO_SUCH_INSTANCE, Tag.END_OF_MIB_VIEW}
Value = int | bytes | tuple[int, ...] | None


@dataclass(slots=True)
class Values:
    """What one logical read returned: values by OID, plus the OIDs the device lacks."""

    by_oid: dict[OID, tuple[int, Value]] = field(default_factory=dict)
    ints: dict[OID, int] = field(default_factory=dict)  # the integer-valued subset
    missing: set[OID] = field(default_factory=set)

    def int(self, oid: OID) -> int | None:
        return self.ints.get(oid)

    def text(self, oid: OID) -> str | None:
        item = self.by_oid.get(oid)
        if item is None or not isinstance(item[1], bytes):
            return None
        return item[1].decode("utf-8", "replace").strip("\x00 ").strip() or None


class Device:
    """One controller's SNMP endpoint, over the adapter's shared client."""

    __slots__ = ("client", "host", "port", "community", "version", "timeout_s", "max_varbinds",
                 "diagnostics")

    def __init__(self, client: SnmpClient, host: str, port: int, community: bytes,
                 version: int, timeout_s: float, max_varbinds: int,
                 diagnostics: Diagnostics) -> None:
        self.client, self.host, self.port = client, host, port
        self.community, self.version, self.timeout_s = community, version, timeout_s
        self.max_varbinds = max_varbinds
        self.diagnostics = diagnostics

    async def _get(self, oids: Sequence[OID], record: bool) -> GetResponse:
        if not record:
            return await self.client.get_values(self.host, self.port, self.community, oids,
                                                version=self.version, timeout_s=self.timeout_s)
        started = time.perf_counter()
        summary = f"get {len(oids)} varbinds from {format_oid(oids[0])}"
        try:
            resp = await self.client.get_values(self.host, self.port, self.community, oids,
                                                version=self.version, timeout_s=self.timeout_s)
        except Exception as err:
            self.diagnostics.record("get", summary, getattr(err, "reason", "internal"), str(err),
                                    (time.perf_counter() - started) * 1000)
            raise
        self.diagnostics.record("get", summary, "ok",
                                f"{_status_name(resp.error_status)} index={resp.error_index} "
                                f"{len(resp.values)} varbinds",
                                (time.perf_counter() - started) * 1000)
        return resp

    async def read_many(self, oids: Sequence[OID], *, record: bool = False) -> Values:
        """GET every OID, in batches of at most `max_varbinds`. Raises the client's errors
        (timeout, decode) and ProtocolError for answers that break SNMP."""
        out = Values()
        pending = list(oids)
        while pending:
            batch = pending[: self.max_varbinds]
            resp = await self._get(batch, record)
            status = resp.error_status
            if status == ErrorStatus.TOO_BIG:
                if len(batch) == 1:
                    raise ProtocolError(f"device answers tooBig for one varbind "
                                        f"{format_oid(batch[0])}")
                self.max_varbinds = max(1, len(batch) // 2)
                continue
            if status == ErrorStatus.NO_SUCH_NAME:
                index = resp.error_index
                if not 1 <= index <= len(batch):
                    raise ProtocolError(f"noSuchName with bad error-index {index}")
                out.missing.add(batch[index - 1])
                pending.remove(batch[index - 1])
                continue
            if status != ErrorStatus.NO_ERROR:
                raise ProtocolError(f"device answered error {_status_name(status)} "
                                    f"(index {resp.error_index})")
            out.by_oid.update(zip(batch, zip(resp.tags, resp.values, strict=True), strict=True))
            if resp.ints_only:  # the usual poll: no per-value work in Python
                out.ints.update(zip(batch, cast("list[int]", resp.values), strict=True))
            else:
                for oid, tag, value in zip(batch, resp.tags, resp.values, strict=True):
                    if tag in _EXCEPTIONS:
                        out.missing.add(oid)
                        del out.by_oid[oid]
                    elif type(value) is int:
                        out.ints[oid] = value
            del pending[: len(batch)]
        return out

    async def write(self, varbinds: Sequence[tuple[OID, int]]) -> None:
        """SET INTEGER objects in one PDU. Raises CommandRejected if the device refuses."""
        binds = [VarBind(oid, Tag.INTEGER, value) for oid, value in varbinds]
        started = time.perf_counter()
        summary = "set " + ", ".join(f"{format_oid(o)}={v}" for o, v in varbinds)
        try:
            msg = await self.client.set(self.host, self.port, self.community, binds,
                                        version=self.version, timeout_s=self.timeout_s)
        except Exception as err:
            self.diagnostics.record("set", summary, getattr(err, "reason", "internal"), str(err),
                                    (time.perf_counter() - started) * 1000)
            raise
        latency = (time.perf_counter() - started) * 1000
        if msg.error_status != ErrorStatus.NO_ERROR:
            name = _status_name(msg.error_status)
            index = msg.error_index
            oid = varbinds[index - 1][0] if 1 <= index <= len(varbinds) else None
            self.diagnostics.record("set", summary, "command_rejected", f"{name} index={index}",
                                    latency)
            raise CommandRejected(
                f"controller refused the SET: {name.lower()}"
                + (f" on {format_oid(oid)}" if oid else ""),
                detail={"error_status": name.lower(), "error_index": index})
        self.diagnostics.record("set", summary, "ok", "noError", latency)


def _status_name(status: int) -> str:
    try:
        return ErrorStatus(status).name
    except ValueError:
        return f"error_{status}"
