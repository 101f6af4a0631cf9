"""The `devices:` entry `junction demo` gives each simulated HTTP camera (ISAPI, CGI)."""

from __future__ import annotations

from typing import Any

from simulators.camera.model import CameraConfig

__all__ = ["demo_entry"]


def demo_entry(config: CameraConfig, *, adapter: str, profile: str, vendor: str,
               address: tuple[str, int], password: str) -> dict[str, Any]:
    """A simulated camera at `address` (user admin), polled every 2 s, tagged simulated."""
    host, port = address
    return {
        "id": config.id, "name": config.name, "kind": "camera",
        "adapter": adapter, "profile": profile,
        "vendor": vendor, "model": config.model,
        "endpoint": {"host": host, "port": port},
        "credentials": {"username": "admin", "password": password},
        "poll": {"interval_s": 2.0, "timeout_s": 1.5},
        "tags": {"simulated": "true"},
    }
