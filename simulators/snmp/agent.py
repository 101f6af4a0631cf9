"""A generic asyncio SNMP v1/v2c agent over a `MibView`, with fault injection.

Why: the simulators must answer the gateway (and net-snmp / pysnmp tools) the way real
controllers do - v1 noSuchName vs v2c exception values, tooBig, silent drops for a wrong
community - and up to 2,000 of them must run in one process. So each agent is a single
DatagramProtocol with no tasks of its own; requests are served synchronously in
`datagram_received` with our own codec, and latency faults are loop timers. A repeated request
is decoded once (decode_request), small-integer varbinds are encoded once per request shape, and
a BatchView answers a GET from one clock reading. The NTCIP controller face implements `MibView`;
`DictMibView` serves tests.
"""

from __future__ import annotations

import asyncio
import logging
import random
from bisect import bisect_right, insort
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from gateway.sdk.snmp.ber import SnmpDecodeError, encode_oid, encode_tlv, encode_value
from gateway.sdk.snmp.message import (
    OID,
    ErrorStatus,
    Message,
    PduType,
    Tag,
    VarBind,
    assemble_message,
    decode_message,
)

__all__ = [
    "AgentFaults", "BatchView", "DictMibView", "MibView", "SetValidator", "SnmpAgent", "Value",
    "decode_request",
]

log = logging.getLogger(__name__)

Value = int | bytes | OID | None
_MAX_BULK_VARBINDS = 1000
_V2_TO_V1 = {6: 2, 11: 2, 16: 2, 17: 2, 18: 2, 7: 3, 8: 3, 9: 3, 10: 3, 12: 3}
_V1_TO_V2 = {2: 17, 3: 10, 4: 17}


class MibView(Protocol):
    def get(self, oid: OID) -> tuple[int, Value] | None:
        """(tag, value), or None if there is no such object instance."""

    def next_oid(self, oid: OID) -> OID | None:
        """First existing OID strictly greater than `oid` (tuple order), or None at the end."""

    def set(self, oid: OID, tag: int, value: Value) -> int:
        """Apply one SET; return an ErrorStatus (0 = done, v1 or v2c codes both accepted)."""


@runtime_checkable
class SetValidator(Protocol):
    """Optional: views that can check a SET without applying it get atomic SETs for free."""

    def test_set(self, oid: OID, tag: int, value: Value) -> int: ...


@runtime_checkable
class BatchView(Protocol):
    """Optional: views that can serve a GET's varbinds from one reading of their clock.

    get_each yields what get() would for each OID, in order and lazily (the agent stops at a v1
    error, and reads with side effects, like shortAlarmStatus, must not run after it)."""

    def get_each(self, oids: Sequence[OID]) -> Iterator[tuple[int, Value] | None]: ...


class DictMibView:
    """A sorted-dict MIB for tests and simple simulators; `writable` OIDs accept SETs of the
    same tag as their current value."""

    def __init__(
        self,
        values: Mapping[OID, tuple[int, Value]] | None = None,
        writable: Iterable[OID] = (),
    ) -> None:
        self._values: dict[OID, tuple[int, Value]] = dict(values or {})
        self._keys: list[OID] = sorted(self._values)
        self.writable: set[OID] = set(writable)

    def put(self, oid: OID, tag: int, value: Value) -> None:
        if oid not in self._values:
            insort(self._keys, oid)
        self._values[oid] = (tag, value)

    def get(self, oid: OID) -> tuple[int, Value] | None:
        return self._values.get(oid)

    def next_oid(self, oid: OID) -> OID | None:
        i = bisect_right(self._keys, oid)
        return self._keys[i] if i < len(self._keys) else None

    def test_set(self, oid: OID, tag: int, value: Value) -> int:
        current = self._values.get(oid)
        if current is None:
            return ErrorStatus.NO_CREATION
        if oid not in self.writable:
            return ErrorStatus.NOT_WRITABLE
        if tag != current[0]:
            return ErrorStatus.WRONG_TYPE
        return ErrorStatus.NO_ERROR

    def set(self, oid: OID, tag: int, value: Value) -> int:
        status = self.test_set(oid, tag, value)
        if status == 0:
            self._values[oid] = (tag, value)
        return status


@dataclass
class AgentFaults:
    """Fault injection, mutable at runtime."""

    latency_s: float = 0.0  # answer after this delay (other requests are not held up)
    silent: bool = False  # drop every request
    drop_rate: float = 0.0  # drop this fraction of requests (seeded rng)
    malformed: bool = False  # answer a truncated, undecodable response
    max_varbinds: int | None = None  # answer tooBig to requests with more varbinds
    error_status: int = 0  # answer this error-status (index 1) to every request
    wrong_request_id: bool = False  # answer with request id + 1
    rng: random.Random = field(default_factory=lambda: random.Random(0), repr=False)


_VB_CACHE: dict[tuple[OID, int, int], bytes] = {}
"""Encoded varbinds with small integer values: status bytes and enums repeat across requests
and controllers, so most of a poll answer is dictionary hits."""
_VB_CACHE_MAX = 65536


def _encode_vb(oid: OID, tag: int, value: Value) -> bytes:
    if type(value) is int and -0x8000 <= value <= 0xFFFF:  # not bool: it must not encode
        key = (oid, tag, value)
        enc = _VB_CACHE.get(key)
        if enc is None:
            enc = _encode_vb_raw(oid, tag, value)
            if len(_VB_CACHE) >= _VB_CACHE_MAX:
                _VB_CACHE.clear()
            _VB_CACHE[key] = enc
        return enc
    return _encode_vb_raw(oid, tag, value)


def _encode_vb_raw(oid: OID, tag: int, value: Value) -> bytes:
    body = encode_oid(oid) + encode_value(tag, value)
    n = len(body)
    return bytes((0x30, n)) + body if n < 0x80 else encode_tlv(0x30, body)


def _echo(varbinds: Iterable[VarBind]) -> bytes:
    return b"".join([_encode_vb(vb.oid, vb.tag, vb.value) for vb in varbinds])


class _Shape:
    """What every repeat of one request shares: its OIDs as one stable tuple (a BatchView may
    key a plan on its identity) and, per varbind, the encodings of small integer values."""

    __slots__ = ("encoded", "oids", "tags")

    def __init__(self, varbinds: tuple[VarBind, ...]) -> None:
        self.oids: tuple[OID, ...] = tuple(vb.oid for vb in varbinds)
        self.tags: list[int] = [-1] * len(varbinds)  # the tag `encoded[i]` holds, -1 none yet
        self.encoded: list[dict[int, bytes]] = [{} for _ in varbinds]

    def encode(self, i: int, tag: int, value: Value) -> bytes:
        """_encode_vb(oids[i], tag, value), from the slot's cache when it can be."""
        if type(value) is int and self.tags[i] == tag:  # not bool: it must not encode
            enc = self.encoded[i].get(value)
            if enc is not None:
                return enc
        enc = _encode_vb_raw(self.oids[i], tag, value)
        if type(value) is int and -0x8000 <= value <= 0xFFFF:
            slot = self.encoded[i]
            if not slot:
                self.tags[i] = tag
            if self.tags[i] == tag and len(slot) < 512:
                slot[value] = enc
        return enc


_DECODED: dict[bytes, tuple[int, Message, _Shape]] = {}
"""Decoded requests by their bytes minus the request-id content: a poller repeats the same
request (only the request id differs) thousands of times a second, across every agent."""
_DECODED_MAX = 512
_SHAPES: dict[tuple[VarBind, ...], _Shape] = {}
"""One shape per varbind list, whatever the request-id length or community around it."""


def _header(data: bytes, pos: int) -> tuple[int, int] | None:
    """(content start, content length) of the TLV at `pos` (short, 0x81 or 0x82 lengths)."""
    if pos + 2 > len(data):
        return None
    n = data[pos + 1]
    if n < 0x80:
        return pos + 2, n
    if n == 0x81 and pos + 3 <= len(data):
        return pos + 3, data[pos + 2]
    if n == 0x82 and pos + 4 <= len(data):
        return pos + 4, data[pos + 2] << 8 | data[pos + 3]
    return None


def _request_id_span(data: bytes) -> tuple[int, int] | None:
    """(start, end) of the request-id INTEGER's content octets, or None if the header is not in
    the plain form the cache handles. Reads only bytes before `start`, so equal prefixes give
    equal spans; nothing is validated here (a cache hit was validated when it was decoded)."""
    h = _header(data, 0)  # message SEQUENCE
    if h is None:
        return None
    for _ in range(2):  # version, community
        h = _header(data, h[0])
        if h is None:
            return None
        h = (h[0] + h[1], 0)
    h = _header(data, h[0])  # PDU
    if h is None:
        return None
    pos = h[0]
    if pos + 2 > len(data) or data[pos] != 0x02 or not 0 < data[pos + 1] < 0x80:
        return None
    return pos + 2, pos + 2 + data[pos + 1]


def decode_request(data: bytes) -> Message:
    """decode_message() memoised on everything but the request id (SnmpDecodeError as it).

    Equal bytes outside the request-id content (whose length is fixed by the prefix) decode to
    the same message but for request_id, which is any non-empty INTEGER, so a hit is exact."""
    return _decode_request(data)[0]


def _decode_request(data: bytes) -> tuple[Message, _Shape | None]:
    span = _request_id_span(data) if type(data) is bytes else None
    if span is None:
        return decode_message(data), None
    start, end = span
    key = data[:start] + data[end:]
    hit = _DECODED.get(key)
    if hit is not None and hit[0] == start:
        m = hit[1]
        return Message(m.version, m.community, m.pdu_type,
                       int.from_bytes(data[start:end], "big", signed=True),
                       m.error_status, m.error_index, m.varbinds), hit[2]
    msg = decode_message(data)
    if len(_DECODED) >= _DECODED_MAX:
        _DECODED.clear()
        _SHAPES.clear()
    shape = _SHAPES.get(msg.varbinds)
    if shape is None:
        shape = _SHAPES[msg.varbinds] = _Shape(msg.varbinds)
    _DECODED[key] = (start, msg, shape)
    return msg, shape


class _Protocol(asyncio.DatagramProtocol):
    __slots__ = ("agent",)

    def __init__(self, agent: SnmpAgent) -> None:
        self.agent = agent

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self.agent._datagram(data, addr)


class SnmpAgent:
    """Serves one MibView on one UDP port. `stats` counts requests, responses, bad_community,
    malformed (undecodable requests), unsupported, dropped (faults), too_big, internal_errors."""

    def __init__(
        self,
        view: MibView,
        *,
        communities_read: Collection[bytes] = frozenset({b"public"}),
        communities_write: Collection[bytes] = frozenset({b"private"}),
        faults: AgentFaults | None = None,
        on_request: Callable[[], None] | None = None,
        max_response_size: int = 1472,
    ) -> None:
        self.view = view
        self.communities_read = set(communities_read)
        self.communities_write = set(communities_write)
        self.faults = faults if faults is not None else AgentFaults()
        self.on_request = on_request
        self.max_response_size = max_response_size
        self.stats: dict[str, int] = dict.fromkeys(
            ("requests", "responses", "bad_community", "malformed", "unsupported", "dropped",
             "too_big", "internal_errors"), 0
        )
        self._transport: asyncio.DatagramTransport | None = None
        self._validator = view if isinstance(view, SetValidator) else None
        self._batch = view if isinstance(view, BatchView) else None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Protocol(self), local_addr=(host, port)
        )
        self._transport = transport
        name = transport.get_extra_info("sockname")
        return str(name[0]), int(name[1])

    async def close(self) -> None:
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()
            await asyncio.sleep(0)

    # ----------------------------------------------------------------- dispatch

    def _datagram(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        stats = self.stats
        stats["requests"] += 1
        try:
            req, shape = _decode_request(data)
        except SnmpDecodeError:
            stats["malformed"] += 1
            return
        pdu = req.pdu_type
        community = req.community
        if pdu == PduType.SET:
            allowed = community in self.communities_write
        else:
            allowed = community in self.communities_read or community in self.communities_write
        if not allowed:
            stats["bad_community"] += 1
            return
        if not (pdu <= PduType.SET and pdu != PduType.RESPONSE) and not (
            pdu == PduType.GET_BULK and req.version == 1
        ):
            stats["unsupported"] += 1
            return
        faults = self.faults
        if faults.silent or (faults.drop_rate and faults.rng.random() < faults.drop_rate):
            stats["dropped"] += 1
            return
        try:
            if self.on_request is not None:
                self.on_request()
            out = self._respond(req, shape)
        except Exception:
            log.exception("SNMP agent failed to serve a request")
            stats["internal_errors"] += 1
            out = self._error(req, ErrorStatus.GEN_ERR, 0)
        if faults.malformed:
            out = out[: max(1, len(out) - 3)]
        if faults.latency_s > 0:
            asyncio.get_running_loop().call_later(faults.latency_s, self._send, out, addr)
        else:
            self._send(out, addr)

    def _send(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        transport = self._transport
        if transport is not None and not transport.is_closing():
            transport.sendto(data, addr)
            self.stats["responses"] += 1

    def _error(self, req: Message, status: int, index: int) -> bytes:
        return assemble_message(req.version, req.community, PduType.RESPONSE,
                                self._rid(req), status, index, _echo(req.varbinds))

    def _rid(self, req: Message) -> int:
        if self.faults.wrong_request_id:
            return req.request_id + 1 if req.request_id < 0x7FFFFFFF else 0
        return req.request_id

    def _too_big(self, req: Message) -> bytes:
        """RFC 1157: v1 echoes the request's varbinds; RFC 3416: v2c sends none."""
        self.stats["too_big"] += 1
        if req.version == 0:
            out = self._error(req, ErrorStatus.TOO_BIG, 0)
            if len(out) <= self.max_response_size:
                return out
        return assemble_message(req.version, req.community, PduType.RESPONSE, self._rid(req),
                                ErrorStatus.TOO_BIG, 0, b"")

    def _respond(self, req: Message, shape: _Shape | None = None) -> bytes:
        faults = self.faults
        limit = faults.max_varbinds
        if limit is not None and len(req.varbinds) > limit:
            return self._too_big(req)
        if faults.error_status:
            return self._error(req, faults.error_status, 1)
        version = req.version
        pdu = req.pdu_type
        if pdu == PduType.GET_BULK:
            return self._bulk(req)
        if pdu == PduType.GET:
            status, index, body = self._get(version, req.varbinds, shape)
        elif pdu == PduType.GET_NEXT:
            status, index, body = self._get_next(version, req.varbinds)
        else:
            status, index = self._set(version, req.varbinds)
            body = b""
        if status:
            return self._error(req, status, index)
        if not body and req.varbinds:
            body = _echo(req.varbinds)  # SET success echoes the request
        out = assemble_message(version, req.community, PduType.RESPONSE, self._rid(req),
                               0, 0, body)
        if len(out) > self.max_response_size:
            return self._too_big(req)
        return out

    # ----------------------------------------------------------------- operations

    def _get(
        self, version: int, varbinds: tuple[VarBind, ...], shape: _Shape | None = None
    ) -> tuple[int, int, bytes]:
        if shape is None:
            shape = _Shape(varbinds)
        oids = shape.oids
        batch = self._batch
        answers = batch.get_each(oids) if batch is not None else map(self.view.get, oids)
        tags, encoded, encode = shape.tags, shape.encoded, shape.encode
        parts: list[bytes] = []
        for i, found in enumerate(answers):  # lazy: stop pulling at a v1 error
            if found is None or (version == 0 and found[0] == Tag.COUNTER64):
                if version == 0:
                    return ErrorStatus.NO_SUCH_NAME, i + 1, b""
                parts.append(_encode_vb(oids[i], self._missing_tag(oids[i]), None))
                continue
            tag, value = found  # shape.encode's cache hit, inlined: this runs per varbind
            if tag == tags[i] and type(value) is int:
                enc = encoded[i].get(value)
                if enc is not None:
                    parts.append(enc)
                    continue
            parts.append(encode(i, tag, value))
        return 0, 0, b"".join(parts)

    def _missing_tag(self, oid: OID) -> int:
        """noSuchInstance if the object (the OID minus its last arc) has instances."""
        parent = oid[:-1]
        nxt = self.view.next_oid(parent)
        if nxt is not None and nxt[: len(parent)] == parent:
            return Tag.NO_SUCH_INSTANCE
        return Tag.NO_SUCH_OBJECT

    def _next(self, version: int, oid: OID) -> tuple[OID, int, Value] | None:
        view = self.view
        current = oid
        for _ in range(10000):  # bounded: a view with holes must not hang the agent
            nxt = view.next_oid(current)
            if nxt is None or nxt <= current:
                return None
            found = view.get(nxt)
            if found is not None and not (version == 0 and found[0] == Tag.COUNTER64):
                return nxt, found[0], found[1]
            current = nxt
        return None

    def _get_next(self, version: int, varbinds: tuple[VarBind, ...]) -> tuple[int, int, bytes]:
        parts: list[bytes] = []
        for i, vb in enumerate(varbinds):
            hit = self._next(version, vb.oid)
            if hit is None:
                if version == 0:
                    return ErrorStatus.NO_SUCH_NAME, i + 1, b""
                parts.append(_encode_vb(vb.oid, Tag.END_OF_MIB_VIEW, None))
            else:
                parts.append(_encode_vb(*hit))
        return 0, 0, b"".join(parts)

    def _bulk(self, req: Message) -> bytes:
        varbinds = req.varbinds
        non_rep = min(max(req.error_status, 0), len(varbinds))
        max_rep = max(req.error_index, 0)
        limit = self.faults.max_varbinds
        cap = _MAX_BULK_VARBINDS if limit is None else min(limit, _MAX_BULK_VARBINDS)
        empty = assemble_message(1, req.community, PduType.RESPONSE, self._rid(req), 0, 0, b"")
        budget = self.max_response_size - len(empty) - 6  # lengths may grow by 2 bytes x3
        parts: list[bytes] = []
        used = 0

        def add(oid: OID, tag: int, value: Value) -> bool:
            nonlocal used
            enc = _encode_vb(oid, tag, value)
            if len(parts) >= cap or used + len(enc) > budget:
                return False
            parts.append(enc)
            used += len(enc)
            return True

        full = False
        for vb in varbinds[:non_rep]:
            hit = self._next(1, vb.oid)
            if not add(*(hit or (vb.oid, Tag.END_OF_MIB_VIEW, None))):
                full = True
                break
        cursors = [vb.oid for vb in varbinds[non_rep:]]
        for _ in range(max_rep if cursors and not full else 0):
            ended = 0
            for j, oid in enumerate(cursors):
                hit = self._next(1, oid)
                if hit is None:
                    ended += 1
                    hit = (oid, Tag.END_OF_MIB_VIEW, None)
                if not add(*hit):
                    full = True
                    break
                cursors[j] = hit[0]
            if full or ended == len(cursors):
                break
        if not parts and varbinds and max_rep + non_rep > 0:
            return self._too_big(req)
        return assemble_message(1, req.community, PduType.RESPONSE, self._rid(req), 0, 0,
                                b"".join(parts))

    def _set(self, version: int, varbinds: tuple[VarBind, ...]) -> tuple[int, int]:
        view = self.view
        for i, vb in enumerate(varbinds):
            if vb.tag == Tag.NULL or vb.tag >= Tag.NO_SUCH_OBJECT:
                return self._map(version, ErrorStatus.WRONG_TYPE), i + 1
        if self._validator is not None:
            for i, vb in enumerate(varbinds):
                status = self._validator.test_set(vb.oid, vb.tag, vb.value)
                if status:
                    return self._map(version, status), i + 1
        undo: list[tuple[OID, tuple[int, Value] | None]] = []
        for i, vb in enumerate(varbinds):
            old = view.get(vb.oid)
            status = view.set(vb.oid, vb.tag, vb.value)
            if status:
                for oid, previous in reversed(undo):
                    if previous is not None:
                        view.set(oid, previous[0], previous[1])
                return self._map(version, status), i + 1
            undo.append((vb.oid, old))
        return 0, 0

    @staticmethod
    def _map(version: int, status: int) -> int:
        if version == 0:
            return status if status <= 5 else _V2_TO_V1.get(status, ErrorStatus.GEN_ERR)
        return _V1_TO_V2.get(status, status)
