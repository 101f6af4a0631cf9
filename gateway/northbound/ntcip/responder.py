"""GET / GETNEXT / GETBULK over a MIB snapshot, and error answers, as encoded SNMP responses.

Pure and synchronous: the agent calls it from `datagram_received`. Version rules: a missing
instance is noSuchName (v1, whole PDU) or a noSuchObject / noSuchInstance value (v2c); the end of
the MIB is noSuchName (v1) or endOfMibView (v2c). v2c error statuses are mapped to v1 per
RFC 2576 §4.4 (notWritable, noAccess, noCreation -> noSuchName; wrongValue, wrongType ->
badValue; commitFailed -> genErr). An answer larger than the size limit is tooBig (v1 echoes
the request's varbinds when that fits, v2c sends none), and a GETBULK answer is cut to fit.
"""

from __future__ import annotations

from gateway.northbound.ntcip.view import MibSnapshot, Value
from gateway.sdk.snmp import ErrorStatus, Message, PduType, Tag, VarBind
from gateway.sdk.snmp.message import OID, assemble_message, encode_varbind

__all__ = ["respond_read", "error_response", "success_echo", "v1_status", "MAX_BULK_VARBINDS"]

MAX_BULK_VARBINDS = 1000
_V2_TO_V1 = {6: 2, 11: 2, 16: 2, 17: 2, 18: 2, 7: 3, 8: 3, 9: 3, 10: 3, 12: 3}


def v1_status(status: int) -> int:
    """RFC 2576 §4.4: a v2c error-status as an SNMPv1 agent reports it."""
    return status if status <= ErrorStatus.GEN_ERR else _V2_TO_V1.get(status, ErrorStatus.GEN_ERR)


def _vb(oid: OID, tag: int, value: Value) -> bytes:
    return encode_varbind(VarBind(oid, tag, value))


def _echo(req: Message) -> bytes:
    return b"".join([_vb(vb.oid, vb.tag, vb.value) for vb in req.varbinds])


def _message(req: Message, status: int, index: int, body: bytes) -> bytes:
    return assemble_message(req.version, req.community, PduType.RESPONSE, req.request_id,
                            status, index, body)


def error_response(req: Message, status: int, index: int) -> bytes:
    """An error answer; `status` is a v2c code, mapped for v1 requests."""
    if req.version == 0:
        status = v1_status(status)
    return _message(req, status, index, _echo(req))


def success_echo(req: Message) -> bytes:
    return _message(req, 0, 0, _echo(req))


def _too_big(req: Message, max_bytes: int) -> bytes:
    if req.version == 0:
        out = _message(req, ErrorStatus.TOO_BIG, 0, _echo(req))
        if len(out) <= max_bytes:
            return out
    return _message(req, ErrorStatus.TOO_BIG, 0, b"")


def _next(view: MibSnapshot, oid: OID) -> tuple[OID, int, Value] | None:
    nxt = view.next_after(oid)
    if nxt is None:
        return None
    found = view.get(nxt)
    assert found is not None
    return nxt, found[0], found[1]


def respond_read(req: Message, view: MibSnapshot, max_bytes: int) -> bytes:
    """The encoded answer to a GET, GETNEXT or (v2c) GETBULK request."""
    if req.pdu_type == PduType.GET_BULK:
        return _bulk(req, view, max_bytes)
    parts: list[bytes] = []
    for i, vb in enumerate(req.varbinds, start=1):
        if req.pdu_type == PduType.GET:
            found = view.get(vb.oid)
            hit = (vb.oid, found[0], found[1]) if found is not None else None
            missing = Tag.NO_SUCH_INSTANCE if view.has_object(vb.oid) else Tag.NO_SUCH_OBJECT
        else:
            hit = _next(view, vb.oid)
            missing = Tag.END_OF_MIB_VIEW
        if hit is None:
            if req.version == 0:
                return _message(req, ErrorStatus.NO_SUCH_NAME, i, _echo(req))
            parts.append(_vb(vb.oid, missing, None))
        else:
            parts.append(_vb(*hit))
    out = _message(req, 0, 0, b"".join(parts))
    return out if len(out) <= max_bytes else _too_big(req, max_bytes)


def _bulk(req: Message, view: MibSnapshot, max_bytes: int) -> bytes:
    varbinds = req.varbinds
    non_repeaters = min(max(req.error_status, 0), len(varbinds))
    max_repetitions = max(req.error_index, 0)
    budget = max_bytes - len(_message(req, 0, 0, b"")) - 6  # length fields may grow
    parts: list[bytes] = []
    used = 0

    def add(oid: OID, tag: int, value: Value) -> bool:
        nonlocal used
        encoded = _vb(oid, tag, value)
        if len(parts) >= MAX_BULK_VARBINDS or used + len(encoded) > budget:
            return False
        parts.append(encoded)
        used += len(encoded)
        return True

    full = False
    for vb in varbinds[:non_repeaters]:
        if not add(*(_next(view, vb.oid) or (vb.oid, Tag.END_OF_MIB_VIEW, None))):
            full = True
            break
    cursors = [vb.oid for vb in varbinds[non_repeaters:]]
    for _ in range(max_repetitions if cursors and not full else 0):
        ended = 0
        for j, oid in enumerate(cursors):
            hit = _next(view, oid)
            if hit is None:
                ended += 1
                hit = (oid, Tag.END_OF_MIB_VIEW, None)
            if not add(*hit):
                full = True
                break
            cursors[j] = hit[0]
        if full or ended == len(cursors):
            break
    if not parts and varbinds and non_repeaters + max_repetitions > 0:
        return _too_big(req, max_bytes)
    return _message(req, 0, 0, b"".join(parts))
