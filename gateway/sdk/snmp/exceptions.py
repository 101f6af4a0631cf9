"""The SNMP client's exceptions, mapped onto Junction's error taxonomy.

Why separate: adapters catch these without importing the client machinery, and
`raise_for_status` is shared by the client, adapters and tests.
"""

from __future__ import annotations

from gateway.sdk.errors import DeviceTimeout, JunctionError, ProtocolError
from gateway.sdk.snmp.message import OID, ErrorStatus, Message, format_oid

__all__ = ["SnmpClientClosed", "SnmpErrorStatus", "SnmpTimeout", "raise_for_status"]


class SnmpTimeout(DeviceTimeout):
    """No matching response arrived within the timeout."""


class SnmpErrorStatus(ProtocolError):
    """The agent answered with a non-zero error-status."""

    def __init__(self, status: int, index: int, oid: OID | None) -> None:
        try:
            name = ErrorStatus(status).name.lower()
        except ValueError:
            name = f"error-status {status}"
        where = f" at varbind {index} ({format_oid(oid)})" if oid is not None else ""
        super().__init__(f"SNMP {name}{where}", detail={"status": status, "index": index})
        self.status = status
        self.index = index
        self.oid = oid


class SnmpClientClosed(JunctionError):
    """The client was closed (or never started) while a request needed it."""

    reason = "client_closed"
    http_status = 503


def raise_for_status(msg: Message) -> Message:
    """Raise SnmpErrorStatus if `msg` carries a non-zero error-status; else return it."""
    if msg.error_status:
        index = msg.error_index
        oid = msg.varbinds[index - 1].oid if 0 < index <= len(msg.varbinds) else None
        raise SnmpErrorStatus(msg.error_status, index, oid)
    return msg
