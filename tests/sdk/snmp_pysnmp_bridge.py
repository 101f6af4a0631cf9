"""Translate between our SNMP Message model and pysnmp/pyasn1, the independent reference.

Why: codec tests must compare our bytes and values with a second implementation, not with
ourselves. Everything here goes through pyasn1's BER encoder/decoder and pysnmp's protocol
modules only.
"""

from __future__ import annotations

from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto import api

from gateway.sdk.snmp import Message, PduType, Tag, VarBind

__all__ = ["V1", "V2C", "from_pysnmp", "to_pysnmp"]

V1 = api.PROTOCOL_MODULES[api.SNMP_VERSION_1]
V2C = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]

_PDU_CLASSES = {
    PduType.GET: "GetRequestPDU",
    PduType.GET_NEXT: "GetNextRequestPDU",
    PduType.RESPONSE: "GetResponsePDU",
    PduType.SET: "SetRequestPDU",
    PduType.GET_BULK: "GetBulkRequestPDU",
}


def _value(p: object, version: int, tag: int, value: object) -> object:
    v1 = version == 0
    names = {
        Tag.INTEGER: "Integer" if v1 else "Integer32",
        Tag.OCTET_STRING: "OctetString",
        Tag.OBJECT_ID: "ObjectIdentifier",
        Tag.IP_ADDRESS: "IpAddress",
        Tag.COUNTER32: "Counter" if v1 else "Counter32",
        Tag.GAUGE32: "Gauge" if v1 else "Gauge32",
        Tag.TIMETICKS: "TimeTicks",
        Tag.OPAQUE: "Opaque",
        Tag.COUNTER64: "Counter64",
    }
    if tag == Tag.NULL:
        return p.Null("")
    if tag == Tag.NO_SUCH_OBJECT:
        return p.NoSuchObject("")
    if tag == Tag.NO_SUCH_INSTANCE:
        return p.NoSuchInstance("")
    if tag == Tag.END_OF_MIB_VIEW:
        return p.EndOfMibView("")
    return getattr(p, names[Tag(tag)])(value)


def to_pysnmp(msg: Message) -> bytes:
    """Encode `msg` with pysnmp's protocol module and pyasn1's BER encoder."""
    p = V1 if msg.version == 0 else V2C
    pdu = getattr(p, _PDU_CLASSES[PduType(msg.pdu_type)])()
    papi = p.apiBulkPDU if msg.pdu_type == PduType.GET_BULK else p.apiPDU
    papi.set_defaults(pdu)
    papi.set_request_id(pdu, msg.request_id)
    if msg.pdu_type == PduType.GET_BULK:
        papi.set_non_repeaters(pdu, msg.error_status)
        papi.set_max_repetitions(pdu, msg.error_index)
    else:
        papi.set_error_status(pdu, msg.error_status)
        papi.set_error_index(pdu, msg.error_index)
    papi.set_varbinds(
        pdu, [(vb.oid, _value(p, msg.version, vb.tag, vb.value)) for vb in msg.varbinds]
    )
    outer = p.Message()
    p.apiMessage.set_defaults(outer)
    p.apiMessage.set_community(outer, msg.community)
    p.apiMessage.set_pdu(outer, pdu)
    return bytes(encoder.encode(outer))


def _tag_byte(asn1: object) -> int:
    t = asn1.tagSet[0]  # type: ignore[attr-defined]
    return int(t.tagClass) | int(t.tagFormat) | int(t.tagId)


def _py(tag: int, value: object) -> int | bytes | tuple[int, ...] | None:
    if tag in (Tag.NULL, Tag.NO_SUCH_OBJECT, Tag.NO_SUCH_INSTANCE, Tag.END_OF_MIB_VIEW):
        return None
    if tag == Tag.OBJECT_ID:
        return tuple(value)  # type: ignore[call-overload]
    if tag in (Tag.OCTET_STRING, Tag.IP_ADDRESS, Tag.OPAQUE):
        return bytes(value.asOctets())  # type: ignore[attr-defined]
    return int(value)  # type: ignore[call-overload]


def from_pysnmp(data: bytes) -> Message:
    """Decode `data` with pyasn1 (pysnmp's Message spec) into our model for comparison."""
    version = int(api.decodeMessageVersion(data))
    p = V1 if version == 0 else V2C
    outer, rest = decoder.decode(data, asn1Spec=p.Message())
    assert not rest, "pyasn1 found trailing bytes"
    pdu = p.apiMessage.get_pdu(outer)
    pdu_type = _tag_byte(pdu)
    bulk = pdu_type == PduType.GET_BULK
    papi = p.apiBulkPDU if bulk else p.apiPDU
    varbinds = tuple(
        VarBind(tuple(oid), _tag_byte(val), _py(_tag_byte(val), val))
        for oid, val in papi.get_varbinds(pdu)
    )
    return Message(
        version=version,
        community=bytes(p.apiMessage.get_community(outer)),
        pdu_type=pdu_type,
        # Raw components: pysnmp's getters range-check error-index against the varbind count.
        request_id=int(pdu.getComponentByPosition(0)),
        error_status=int(pdu.getComponentByPosition(1)),
        error_index=int(pdu.getComponentByPosition(2)),
        varbinds=varbinds,
    )
