"""Pre-encoded requests: everything but the request id is encoded once.

Why: a poller sends the same GET (same community, same OIDs) to a device every cycle. Only the
request id changes, and its INTEGER is 1-4 bytes long, so we keep one ready-made prefix per id
length (the enclosing lengths differ by that much) and the fixed tail. `encode` is then two
concatenations: ~1 µs instead of re-encoding 30 OIDs.
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.sdk.snmp.ber import SnmpEncodeError, encode_integer, encode_length, encode_tlv
from gateway.sdk.snmp.message import (
    OID,
    Message,
    Tag,
    VarBind,
    assemble_message,
    decode_message,
    encode_varbind,
)
from gateway.sdk.snmp.response import GetResponse, ResponseShape

__all__ = ["RequestTemplate"]

class RequestTemplate:
    """A request with fixed version, community, PDU type and varbinds; only the id varies.

    `RequestTemplate(1, b"public", PduType.GET, oids).encode(request_id) -> bytes`. Pass
    `varbinds=` instead of `oids` for SET templates; for GET_BULK, `error_status` and
    `error_index` are non-repeaters and max-repetitions.
    """

    __slots__ = ("_prefixes", "_shape", "_tail", "community", "pdu_type", "varbinds", "version")

    def __init__(
        self,
        version: int,
        community: bytes,
        pdu_type: int,
        oids: Sequence[OID] = (),
        *,
        varbinds: Sequence[VarBind] | None = None,
        error_status: int = 0,
        error_index: int = 0,
    ) -> None:
        if varbinds is None:
            vbs = tuple(VarBind(tuple(o), Tag.NULL, None) for o in oids)
        elif oids:
            raise SnmpEncodeError("give either oids or varbinds, not both")
        else:
            vbs = tuple(varbinds)
        self.version = version
        self.community = bytes(community)
        self.pdu_type = pdu_type
        self.varbinds = vbs
        encoded = b"".join([encode_varbind(vb) for vb in vbs])
        # Validates version, community and PDU type the same way encode_message does.
        assemble_message(version, self.community, pdu_type, 0, error_status, error_index, encoded)
        self._tail = (
            _int_tlv(error_status) + _int_tlv(error_index) + encode_tlv(0x30, encoded)
        )
        head = bytes((0x02, 1, version)) + encode_tlv(0x04, self.community)
        prefixes: list[bytes] = [b""]
        for id_len in (1, 2, 3, 4):
            pdu_len = 2 + id_len + len(self._tail)
            pdu_head = bytes((pdu_type,)) + encode_length(pdu_len)
            body_len = len(head) + len(pdu_head) + pdu_len
            prefixes.append(
                b"\x30" + encode_length(body_len) + head + pdu_head + bytes((0x02, id_len))
            )
        self._prefixes = tuple(prefixes)
        self._shape: ResponseShape | None = None

    @property
    def oids(self) -> tuple[OID, ...]:
        return tuple(vb.oid for vb in self.varbinds)

    def encode(self, request_id: int) -> bytes:
        """The complete request datagram with `request_id` (an Integer32) patched in."""
        if request_id >= 0:
            size = (request_id.bit_length() + 8) >> 3
        else:
            size = ((~request_id).bit_length() + 8) >> 3
        if size > 4:
            raise SnmpEncodeError(f"request id {request_id} outside Integer32")
        return (
            self._prefixes[size]
            + request_id.to_bytes(size, "big", signed=True)
            + self._tail
        )

    def decode_response(self, data: bytes) -> GetResponse:
        """Decode the response to this GET into columns (see ResponseShape.decode)."""
        if self._shape is None:
            self._shape = ResponseShape(self.version, self.community, self.oids)
        return self._shape.decode(data)

    def message(self, request_id: int) -> Message:
        """The Message this template encodes (for logging and tests)."""
        return decode_message(self.encode(request_id))


def _int_tlv(value: int) -> bytes:
    content = encode_integer(value)
    return bytes((0x02, len(content))) + content
