"""A device as configured: identity, where it is, how to reach it, how often to poll it.

Credentials are held as `SecretStr` so they never appear in a repr, a log line or API output;
the API serializes devices through `DeviceView`, which has no credentials field at all.
"""

from __future__ import annotations

import os
import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

__all__ = [
    "StrictModel", "DeviceKind", "Endpoint", "Credentials", "PollSettings", "Site", "DeviceConfig",
]

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


class DeviceKind(StrEnum):
    SIGNAL_CONTROLLER = "signal_controller"
    CAMERA = "camera"
    ENFORCEMENT_CAMERA = "enforcement_camera"


class StrictModel(BaseModel):
    """Configuration shapes: unknown keys are errors (typos surface), values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Endpoint(StrictModel):
    host: str = Field(min_length=1, max_length=253)
    port: int | None = Field(default=None, ge=1, le=65535, description="None: the profile's port")


class Credentials(StrictModel):
    """Reference to a secret. `password_env` names an environment variable read at load time."""

    username: str | None = None
    password: SecretStr | None = None
    password_env: str | None = None

    @model_validator(mode="after")
    def _resolve_env(self) -> Credentials:
        if self.password is not None and self.password_env is not None:
            raise ValueError("give either password or password_env, not both")
        if self.password_env is not None:
            value = os.environ.get(self.password_env)
            if not value:
                raise ValueError(f"environment variable {self.password_env} is not set "
                                 "or empty")
            object.__setattr__(self, "password", SecretStr(value))
        return self

    def secret(self) -> str | None:
        return self.password.get_secret_value() if self.password is not None else None


class PollSettings(StrictModel):
    interval_s: float = Field(default=1.0, gt=0.05, le=3600)
    timeout_s: float = Field(default=0.8, gt=0.01, le=60)
    failures_to_down: int = Field(default=3, ge=1, le=100, description="consecutive failures")
    successes_to_up: int = Field(default=2, ge=1, le=100, description="consecutive successes")

    @model_validator(mode="after")
    def _timeout_fits(self) -> PollSettings:
        if self.timeout_s > self.interval_s * 10:
            raise ValueError("timeout_s must not exceed 10 x interval_s")
        return self


class Site(StrictModel):
    intersection_id: str | None = None
    name: str | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class DeviceConfig(StrictModel):
    id: str
    name: str | None = None
    kind: DeviceKind
    adapter: str = Field(min_length=1)
    profile: str | None = None
    vendor: str | None = None
    model: str | None = None
    endpoint: Endpoint
    credentials: Credentials | None = None
    poll: PollSettings = PollSettings()
    site: Site | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    options: dict[str, Any] = Field(
        default_factory=dict, description="adapter-specific settings, validated by the adapter"
    )

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(
                "id must be a slug: lowercase letters, digits, '-' or '_', at most 63 characters"
            )
        return value
