"""Device profiles: vendor/model facts as data (YAML), never hosts or credentials.

The core validates the common part; `options` is validated by the adapter's own options model,
merged under the device's `options:` (the device wins).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gateway.model import DeviceKind

__all__ = ["Profile"]


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="profile path without .yaml, e.g. ntcip/econolite-cobalt")
    adapter: str
    kind: DeviceKind
    vendor: str
    model: str
    description: str | None = None
    firmware: list[str] = Field(default_factory=list, description="firmware versions checked")
    port: int | None = Field(default=None, ge=1, le=65535)
    options: dict[str, Any] = Field(default_factory=dict)
