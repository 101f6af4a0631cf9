"""What the conformance kit needs from a simulator: start it, and flip its faults.

Each adapter's tests give the kit a factory of `SimulatorHandle`s, a thin wrapper over that
protocol's simulator (`simulators/<name>/`), so the kit itself knows no protocol. A handle that
cannot do what a check needs says so (`not_applicable`, or `NotApplicable` raised from a hook),
and the check is skipped with that reason, which the run's summary lists per adapter.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from gateway.model import EventType

__all__ = ["CHECKS", "NotApplicable", "SimulatorHandle"]

# Every check, in the order the kit runs them (tests are named test_<check>).
CHECKS = (
    "adapter_info", "identity_and_health", "state_shape", "close", "silence", "malformed",
    "wrong_credentials", "reboot", "command_authorization", "command_validation_and_audit",
    "events", "no_credentials_in_output",
)


class NotApplicable(Exception):
    """Raised by a handle's hook: this simulated device cannot do that (the check is skipped
    with the message as its reason)."""


@runtime_checkable
class SimulatorHandle(Protocol):
    """One simulated device, started and faulted on demand by the conformance kit.

    Optional attributes the kit reads when present:
    - `auth_failure_reasons: frozenset[str]`: the health reasons a wrong credential may show
      as (default `{"auth_failed"}`; SNMPv1 agents drop bad communities: `{"timeout"}`).
    - `sample_command: tuple[str, dict[str, Any]]`: a command the device accepts (default:
      the first of release, ptz_stop, set_mode free, set_pattern 1 the adapter declares).
    """

    async def start(self) -> dict[str, Any]:
        """Start the simulator on 127.0.0.1 (port 0) and return the `devices:` entry that
        reaches it: id, kind, adapter, endpoint, credentials (when the protocol has any),
        options, and a short poll (timeout_s 0.3-1 s). If the device reports uptime, start
        it with at least 60 s of it, so the reboot check can see the uptime reset."""
        ...

    async def close(self) -> None:
        """Stop the simulator; the kit calls it once, after the gateway has stopped."""
        ...

    def silent(self, on: bool) -> None:
        """Accept requests and never answer (a hung device), until silent(False)."""
        ...

    def malformed(self, on: bool) -> None:
        """Answer with bytes that do not decode (truncated, garbage), until malformed(False)."""
        ...

    def wrong_credentials(self, device: dict[str, Any]) -> dict[str, Any]:
        """`device` (the entry start() returned) with credentials the simulator refuses."""
        ...

    def reboot(self) -> None:
        """Power-cycle the device: its uptime restarts near zero."""
        ...

    def trigger_event(self) -> EventType:
        """Make the device produce one event now and return its canonical type (camera.motion,
        signal.mode_changed ...). Called again if it has not arrived after a second (a stream
        still connecting), so each call should make a new occurrence."""
        ...

    def not_applicable(self, check: str) -> str | None:
        """Why `check` (one of CHECKS) does not apply to this device, or None if it does."""
        ...
