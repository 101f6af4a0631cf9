"""Gateway configuration (YAML): the external contract's keys, validated with line numbers.

Static config errors fail at load, all of them at once, each with file:line:column (Telegraf's
`Init()` rule): `junction check-config FILE` prints exactly what `serve` would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, model_validator

from gateway.adapters import AdapterCatalog
from gateway.model import DeviceConfig
from gateway.model.device import StrictModel
from gateway.northbound.config import NorthboundConfig
from gateway.profiles import ProfileLibrary
from gateway.sdk.profile import Profile
from gateway.yamlsource import Located, SourceError, YamlFileError, load_yaml, validation_messages

__all__ = [
    "ApiConfig", "TokenConfig", "AuthConfig", "StoreConfig", "SchedulerConfig", "GatewayConfig",
    "LoadedConfig", "load_config", "validate_config",
]


class ApiConfig(StrictModel):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)


class TokenConfig(StrictModel):
    """A bearer token: `token` inline (tests, demo) or `token_env` (production)."""

    name: str = Field(min_length=1, description="who holds it; recorded in the audit log")
    token: SecretStr | None = None
    token_env: str | None = None
    role: str = Field(default="operator", pattern="^(operator|viewer)$")

    @model_validator(mode="after")
    def _one_source(self) -> TokenConfig:
        import os

        if (self.token is None) == (self.token_env is None):
            raise ValueError("give exactly one of token or token_env")
        if self.token_env is not None:
            value = os.environ.get(self.token_env)
            if not value:
                raise ValueError(f"environment variable {self.token_env} is not set")
            object.__setattr__(self, "token", SecretStr(value))
        assert self.token is not None
        if len(self.token.get_secret_value()) < 16:
            raise ValueError("tokens must be at least 16 characters")
        return self


class AuthConfig(StrictModel):
    anonymous_read: bool = False
    tokens: list[TokenConfig] = Field(default_factory=list)


class StoreConfig(StrictModel):
    path: str = "junction.db"
    event_retention: int = Field(default=1_000_000, ge=1000, description="events kept")
    evidence_dir: str | None = Field(default=None, description="default: <path>.evidence/")
    max_image_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)


class SchedulerConfig(StrictModel):
    max_concurrency: int = Field(default=1000, ge=1, le=100_000)
    max_backoff_s: float = Field(default=60.0, ge=1, le=3600)


class GatewayConfig(StrictModel):
    api: ApiConfig = ApiConfig()
    auth: AuthConfig = AuthConfig()
    store: StoreConfig = StoreConfig()
    scheduler: SchedulerConfig = SchedulerConfig()
    northbound: NorthboundConfig = NorthboundConfig()
    profile_dirs: list[str] = Field(default_factory=list)
    devices: list[DeviceConfig] = Field(default_factory=list)


@dataclass(slots=True)
class LoadedConfig:
    config: GatewayConfig
    profiles: dict[str, Profile] = field(default_factory=dict)
    options: dict[str, dict[str, Any]] = field(default_factory=dict)  # merged, per device id


def load_config(path: Path | str, catalog: AdapterCatalog | None = None) -> LoadedConfig:
    """Load and fully validate a config file. Raises YamlFileError listing every problem."""
    located = load_yaml(path)
    base = Path(path).resolve().parent
    return validate_config(located, catalog or AdapterCatalog.discover(), base)


def validate_config(located: Located, catalog: AdapterCatalog, base: Path) -> LoadedConfig:
    data = located.data if located.data is not None else {}
    if not isinstance(data, dict):
        raise YamlFileError([located.error((), "the config must be a mapping")])
    try:
        config = GatewayConfig.model_validate(data)
    except ValidationError as err:
        raise YamlFileError(validation_messages(located, err)) from None
    errors: list[SourceError] = []
    library = ProfileLibrary([base / d for d in config.profile_dirs], catalog)
    loaded = LoadedConfig(config)
    seen: dict[str, int] = {}
    for i, device in enumerate(config.devices):
        here = ("devices", i)
        if device.id in seen:
            errors.append(located.error(here + ("id",),
                                        f"duplicate device id {device.id!r} (first at "
                                        f"devices[{seen[device.id]}])"))
        seen[device.id] = i
        adapter = catalog.get(device.adapter)
        if adapter is None:
            known = ", ".join(sorted(catalog.names())) or "none installed"
            errors.append(located.error(here + ("adapter",),
                                        f"unknown adapter {device.adapter!r} (known: {known})"))
            continue
        if device.kind not in adapter.info.kinds:
            kinds = ", ".join(adapter.info.kinds)
            errors.append(located.error(here + ("kind",),
                                        f"adapter {device.adapter!r} serves {kinds}, "
                                        f"not {device.kind}"))
        profile: Profile | None = None
        if device.profile is not None:
            try:
                profile = library.get(device.profile)
            except YamlFileError as err:
                errors.append(located.error(here + ("profile",),
                                            f"profile {device.profile!r} is invalid"))
                errors.extend(err.errors)
                continue
            if profile.adapter != device.adapter:
                errors.append(located.error(here + ("profile",),
                                            f"profile {profile.id!r} is for adapter "
                                            f"{profile.adapter!r}, not {device.adapter!r}"))
                continue
            loaded.profiles[device.profile] = profile
        merged = {**(profile.options if profile else {}), **device.options}
        model = adapter.info.options_model
        if model is not None:
            try:
                options = model.model_validate(merged)
            except ValidationError as err:
                errors.extend(validation_messages(located, err, here + ("options",)))
                continue
            merged = options.model_dump()
            if adapter.info.check_device is not None:
                errors.extend(located.error(here, problem)
                              for problem in adapter.info.check_device(device, options))
        loaded.options[device.id] = merged
        if device.endpoint.port is None and (profile is None or profile.port is None) \
                and adapter.info.default_port is None:
            errors.append(located.error(here + ("endpoint",), "no port: set endpoint.port"))
    if errors:
        raise YamlFileError(errors)
    return loaded
