"""Junction's own SNMP v1/v2c stack: a fast BER codec, request templates and an asyncio client.

Why not pysnmp on the hot path: it costs 1.2-3.5 ms of CPU per GET and loses requests beyond
~126 in flight on one socket; polling 2,000+ controllers per second needs a few tens of µs.
pysnmp remains the reference the tests check our bytes against.

For a poller: `SnmpClient.get_values(host, port, community, oids)` answers a GET in columns
(`GetResponse`: tags and values in request order), decoded through a shape compiled once per
OID list (response.py); `get()` returns a full `Message` for everything else.
"""

from gateway.sdk.snmp.ber import SnmpDecodeError, SnmpEncodeError
from gateway.sdk.snmp.client import (
    SnmpClient,
    SnmpClientClosed,
    SnmpErrorStatus,
    SnmpTimeout,
    raise_for_status,
)
from gateway.sdk.snmp.message import (
    OID,
    ErrorStatus,
    Message,
    PduType,
    Tag,
    VarBind,
    decode_message,
    encode_message,
    format_oid,
    parse_oid,
)
from gateway.sdk.snmp.response import GetResponse
from gateway.sdk.snmp.template import RequestTemplate

__all__ = [
    "OID",
    "ErrorStatus",
    "GetResponse",
    "Message",
    "PduType",
    "RequestTemplate",
    "SnmpClient",
    "SnmpClientClosed",
    "SnmpDecodeError",
    "SnmpEncodeError",
    "SnmpErrorStatus",
    "SnmpTimeout",
    "Tag",
    "VarBind",
    "decode_message",
    "encode_message",
    "format_oid",
    "parse_oid",
    "raise_for_status",
]
