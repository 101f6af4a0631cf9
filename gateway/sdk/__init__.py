"""The adapter SDK: the only part of the gateway (with gateway.model) adapters import."""

from gateway.sdk.adapter import (
    Adapter,
    AdapterContext,
    AdapterInfo,
    Capability,
    CommandAdapter,
    CommandResult,
    DeviceIdentity,
    EventAdapter,
    EventSink,
    EvidenceUpload,
    Reading,
    SharedResources,
    Snapshot,
    SnapshotAdapter,
    ViolationSink,
)
from gateway.sdk.diagnostics import Diagnostics, Exchange
from gateway.sdk.errors import (
    AuthFailed,
    CommandRejected,
    ConfigError,
    DecodeError,
    DeviceRefused,
    DeviceTimeout,
    InvalidArguments,
    JunctionError,
    NotFound,
    ProtocolError,
    Unsupported,
)
from gateway.sdk.profile import Profile

__all__ = [
    "Adapter", "AdapterContext", "AdapterInfo", "Capability", "CommandAdapter", "CommandResult",
    "DeviceIdentity", "EventAdapter", "EventSink", "Reading", "SharedResources", "Snapshot",
    "SnapshotAdapter", "EvidenceUpload", "ViolationSink", "Diagnostics", "Exchange", "Profile",
    "AuthFailed", "CommandRejected", "ConfigError", "DecodeError", "DeviceRefused",
    "DeviceTimeout", "InvalidArguments", "JunctionError", "NotFound", "ProtocolError",
    "Unsupported",
]
