"""Event bus and the derivation of canonical events from successive device states."""

from gateway.events.bus import EventBus, Subscription
from gateway.events.signal_diff import signal_events

__all__ = ["EventBus", "Subscription", "signal_events"]
