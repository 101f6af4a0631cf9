"""Polling: one task per device, deadlines, jitter, bounded concurrency, backoff."""

from gateway.scheduler.poller import PollOutcome, PollSink, Scheduler

__all__ = ["PollOutcome", "PollSink", "Scheduler"]
