"""Junction's error taxonomy: every failure carries a stable `reason` and an HTTP status.

Adapters raise these (wrapping library errors with `raise ... from err`); the poller maps
`reason` onto device health and the `junction_device_poll_errors_total{reason}` counter, and the
API renders `http_status` with a JSON body. Nothing else should need to inspect exception types.
"""

from __future__ import annotations

__all__ = [
    "JunctionError",
    "ConfigError",
    "DeviceTimeout",
    "DeviceRefused",
    "AuthFailed",
    "DecodeError",
    "ProtocolError",
    "Unsupported",
    "CommandRejected",
    "InvalidArguments",
    "NotFound",
]


class JunctionError(Exception):
    """Base class. `reason` is a stable machine key; the message is for humans."""

    reason: str = "internal"
    http_status: int = 500

    def __init__(self, message: str, *, detail: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail or {}


class ConfigError(JunctionError):
    """A config, profile or device setting is wrong; retrying will not help."""

    reason = "config_error"
    http_status = 422


class InvalidArguments(JunctionError):
    """API input (a command's arguments, a query parameter) is invalid."""

    reason = "invalid_arguments"
    http_status = 422


class NotFound(JunctionError):
    reason = "not_found"
    http_status = 404


class DeviceTimeout(JunctionError):
    """The device did not answer within the deadline."""

    reason = "timeout"
    http_status = 504


class DeviceRefused(JunctionError):
    """The device actively refused the connection (ICMP unreachable, TCP RST)."""

    reason = "refused"
    http_status = 502


class AuthFailed(JunctionError):
    """Credentials (password, SNMP community) were not accepted."""

    reason = "auth_failed"
    http_status = 502


class DecodeError(JunctionError):
    """The device answered bytes that do not parse."""

    reason = "decode_error"
    http_status = 502


class ProtocolError(JunctionError):
    """The device answered well-formed data that breaks the protocol (error status, wrong ids)."""

    reason = "protocol_error"
    http_status = 502


class Unsupported(JunctionError):
    """The adapter or device lacks the capability asked for."""

    reason = "unsupported"
    http_status = 501


class CommandRejected(JunctionError):
    """The device understood the command and refused it (or did not carry it out)."""

    reason = "command_rejected"
    http_status = 409
