"""Health state machine: hysteresis, reasons, reboot detection, outage duration."""

from datetime import UTC, datetime, timedelta

from gateway.health.state import UPTIME_WRAP_S, HealthMachine
from gateway.model import EventType, HealthStatus

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def machine() -> HealthMachine:
    return HealthMachine(failures_to_down=3, successes_to_up=2)


def test_first_success_is_up_and_first_failure_from_unknown_is_down() -> None:
    m = machine()
    assert [t.event for t in m.success(latency_ms=5, now=T0)] == [EventType.DEVICE_UP]
    assert m.status == HealthStatus.UP
    m2 = machine()
    assert [t.event for t in m2.failure("timeout", "no answer", now=T0)] == \
        [EventType.DEVICE_DOWN]
    assert (m2.status, m2.health.reason) == (HealthStatus.DOWN, "timeout")


def test_lost_polls_only_count_three_make_down_and_two_good_bring_it_back() -> None:
    m = machine()
    m.success(latency_ms=5, now=T0)
    assert m.failure("timeout", "x", now=T0) == []  # 1 % packet loss must not flap
    assert m.failure("timeout", "x", now=T0) == []
    assert m.status == HealthStatus.UP and m.health.consecutive_failures == 2
    down = m.failure("refused", "x", now=T0 + timedelta(seconds=2))
    assert [t.event for t in down] == [EventType.DEVICE_DOWN]
    assert m.health.reason == "refused" and m.health.consecutive_failures == 3
    assert m.success(latency_ms=5, now=T0 + timedelta(seconds=10)) == []  # hysteresis
    assert m.status == HealthStatus.DOWN
    up = m.success(latency_ms=5, now=T0 + timedelta(seconds=12))
    assert [t.event for t in up] == [EventType.DEVICE_UP]
    assert up[0].data["outage_s"] == 10.0


def test_partial_data_is_degraded_with_reason() -> None:
    m = machine()
    t = m.success(latency_ms=1, problems=("unitFlashStatus",), now=T0)
    assert [x.event for x in t] == [EventType.DEVICE_DEGRADED]
    assert m.health.reason == "protocol_error" and "unitFlashStatus" in (m.health.message or "")


def test_reboot_is_uptime_going_backwards_but_not_a_counter_wrap() -> None:
    m = machine()
    m.success(latency_ms=1, uptime_s=5000, now=T0)
    events = m.success(latency_ms=1, uptime_s=3, now=T0 + timedelta(seconds=1))
    assert [t.event for t in events] == [EventType.DEVICE_REBOOTED]
    assert m.health.reboots_detected == 1
    m.success(latency_ms=1, uptime_s=UPTIME_WRAP_S - 10, now=T0 + timedelta(seconds=2))
    assert m.success(latency_ms=1, uptime_s=5, now=T0 + timedelta(seconds=17)) == []
    assert m.health.reboots_detected == 1


def test_reboot_during_an_outage_is_detected() -> None:
    m = machine()
    m.success(latency_ms=1, uptime_s=100, now=T0)
    for i in range(3):
        m.failure("timeout", "x", now=T0 + timedelta(seconds=1 + i))
    m.success(latency_ms=1, uptime_s=150, now=T0 + timedelta(seconds=300))
    events = m.success(latency_ms=1, uptime_s=151, now=T0 + timedelta(seconds=301))
    assert m.health.reboots_detected == 1, events
    # and a device that simply kept running through the outage is not a reboot
    n = machine()
    n.success(latency_ms=1, uptime_s=100, now=T0)
    n.success(latency_ms=1, uptime_s=399, now=T0 + timedelta(seconds=300))
    assert n.health.reboots_detected == 0
