"""Northbound protocols: every controller, whatever its brand, as an NTCIP 1202 SNMP device and
as a GA/T 1049.2 crossing, answered from the gateway's state cache and commanded through
`Gateway.execute` (validation, capability check, audit, fail-safe)."""

from gateway.northbound.config import (
    Gat1049Config,
    Gat1049User,
    NorthboundConfig,
    NorthboundHandle,
    NtcipAgentConfig,
    WriteCommunity,
    start_northbound,
)

__all__ = [
    "Gat1049Config", "Gat1049User", "NorthboundConfig", "NorthboundHandle", "NtcipAgentConfig",
    "WriteCommunity", "start_northbound",
]
