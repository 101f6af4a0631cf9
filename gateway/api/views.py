"""JSON shapes of API resources. Device views are built field by field: credentials have no
path into any response."""

from __future__ import annotations

import json
import time
from typing import Any

from gateway.registry import DeviceRuntime

__all__ = ["device_view", "state_json"]


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


def state_json(rt: DeviceRuntime) -> bytes | None:
    """The state resource as JSON bytes, or None before the first good poll.

    The hot read of the API (a traffic center asks for many controllers every second): the
    cached state is rendered by pydantic's Rust serializer, several times cheaper than
    model_dump + json.dumps, and the per-request fields are spliced in front of it."""
    state = rt.state
    if state is None:
        return None
    age = time.time() - state.received_at.timestamp()
    status = rt.health.status.value
    stale = status not in ("up", "degraded") or age > 3 * rt.config.poll.interval_s
    head = json.dumps({"device": rt.id, "age_s": round(age, 3), "health": status,
                       "stale": stale}, separators=(",", ":"))
    return f"{head[:-1]},{state.model_dump_json()[1:]}".encode()
