"""JSON shapes of API resources. Device views are built field by field: credentials have no
path into any response."""

from __future__ import annotations

import time
from typing import Any

from gateway.registry import DeviceRuntime

__all__ = ["device_view", "state_view"]


def device_view(rt: DeviceRuntime) -> dict[str, Any]:
    c = rt.config
    ident = rt.identity
    return {
        "id": c.id,
        "name": c.name,
        "kind": c.kind.value,
        "vendor": rt.vendor,
        "model": rt.model,
        "adapter": c.adapter,
        "profile": c.profile,
        "endpoint": {"host": c.endpoint.host, "port": c.endpoint.port or
                     (rt.profile.port if rt.profile else None) or rt.info.default_port},
        "site": c.site.model_dump(mode="json") if c.site else None,
        "tags": c.tags,
        "poll": {"interval_s": c.poll.interval_s, "timeout_s": c.poll.timeout_s},
        "identity": {"vendor": ident.vendor, "model": ident.model, "firmware": ident.firmware,
                     "serial": ident.serial},
        "capabilities": sorted(rt.info.capabilities),
        "commands": sorted(rt.info.commands),
        "health": rt.health.view().model_dump(mode="json"),
    }


def state_view(rt: DeviceRuntime) -> dict[str, Any] | None:
    if rt.state is None:
        return None
    body: dict[str, Any] = rt.state.model_dump(mode="json")
    age = time.time() - rt.state.received_at.timestamp()
    body["device"] = rt.id
    body["age_s"] = round(age, 3)
    body["health"] = rt.health.status.value
    body["stale"] = rt.health.status.value not in ("up", "degraded") or \
        age > 3 * rt.config.poll.interval_s
    return body
