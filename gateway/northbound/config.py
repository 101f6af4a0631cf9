"""Northbound protocol servers: their config (`northbound:` in the gateway YAML) and lifecycle.

Why here: the NTCIP 1202 SNMP agent and the GA/T 1049 TCP/XML server are two faces of the same
state cache and command path, so they share one config model and one start function. This
module imports only pydantic at load time: `gateway.config` embeds `NorthboundConfig`, and the
servers (which need `gateway.service`) are imported lazily by `start_northbound`.

Device ids for GA/T 1049 come from each device's `tags`: `gat1049_cross_id` (CrossID) and
`gat1049_controller_id` (SignalControlerID). Without a tag the device id itself is used, which is
unique but not the numeric form platforms expect (CrossID = 9-digit region + 5 digits;
SignalControlerID = 17 digits, reference §4.4): set the tags in production.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

if TYPE_CHECKING:
    from gateway.service import Gateway

__all__ = [
    "WriteCommunity", "NtcipAgentConfig", "Gat1049User", "Gat1049Config", "NorthboundConfig",
    "NorthboundHandle", "start_northbound",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _from_env(name: str) -> SecretStr:
    value = os.environ.get(name)
    if not value:
        raise ValueError(f"environment variable {name} is not set")
    return SecretStr(value)


def _check_community(value: str, what: str) -> None:
    if not value or "@" in value or len(value) > 64:
        raise ValueError(f"{what} must be 1-64 characters without '@' "
                         "('@' separates the community from the device id)")


class WriteCommunity(_Strict):
    """A community that may SET; every SET made with it is audited under `actor`."""

    community: SecretStr | None = None
    community_env: str | None = None
    actor: str = Field(min_length=1, max_length=64, description="name in the audit log")

    @model_validator(mode="after")
    def _one_source(self) -> WriteCommunity:
        if (self.community is None) == (self.community_env is None):
            raise ValueError("give exactly one of community or community_env")
        if self.community_env is not None:
            object.__setattr__(self, "community", _from_env(self.community_env))
        assert self.community is not None
        _check_community(self.community.get_secret_value(), "a write community")
        return self

    def secret(self) -> str:
        assert self.community is not None
        return self.community.get_secret_value()


class NtcipAgentConfig(_Strict):
    """NTCIP 1202 SNMP v1/v2c agent. Community `<community>@<device-id>` selects a device."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=1161, ge=0, le=65535, description="UDP; 0 = any free port")
    read_community: SecretStr = SecretStr("public")
    write_communities: list[WriteCommunity] = Field(default_factory=list)
    max_response_bytes: int = Field(default=1472, ge=484, le=65507,
                                    description="larger answers get tooBig (GETBULK is cut)")

    @model_validator(mode="after")
    def _communities(self) -> NtcipAgentConfig:
        _check_community(self.read_community.get_secret_value(), "read_community")
        seen = [w.secret() for w in self.write_communities]
        if len(seen) != len(set(seen)):
            raise ValueError("write communities must be distinct (each maps to one actor)")
        return self


class Gat1049User(_Strict):
    username: str = Field(min_length=1, max_length=50)
    password: SecretStr | None = None
    password_env: str | None = None
    role: Literal["operator", "viewer"] = "viewer"

    @model_validator(mode="after")
    def _one_source(self) -> Gat1049User:
        if (self.password is None) == (self.password_env is None):
            raise ValueError("give exactly one of password or password_env")
        if self.password_env is not None:
            object.__setattr__(self, "password", _from_env(self.password_env))
        return self

    def secret(self) -> str:
        assert self.password is not None
        return self.password.get_secret_value()


class Gat1049Config(_Strict):
    """GA/T 1049.1/1049.2 TCP/XML server for integrated command platforms."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=9009, ge=0, le=65535, description="TCP; 0 = any free port")
    users: list[Gat1049User] = Field(default_factory=list)
    heartbeat_s: float = Field(default=30.0, gt=0.05, le=3600,
                               description="a session silent for 3 heartbeats is closed")
    max_frame_chars: int = Field(default=100_000, ge=1_000, le=10_000_000)
    max_sessions: int = Field(default=64, ge=1, le=10_000)
    cross_id_tag: str = Field(default="gat1049_cross_id", min_length=1)
    controller_id_tag: str = Field(default="gat1049_controller_id", min_length=1)
    sys_name: str = Field(default="Junction", min_length=1, max_length=100)
    supplier: str = Field(default="Junction", min_length=1, max_length=100)

    @model_validator(mode="after")
    def _unique_users(self) -> Gat1049Config:
        names = [u.username for u in self.users]
        if len(names) != len(set(names)):
            raise ValueError("GA/T 1049 usernames must be unique")
        return self


class NorthboundConfig(_Strict):
    ntcip: NtcipAgentConfig = NtcipAgentConfig()
    gat1049: Gat1049Config = Gat1049Config()


class NorthboundHandle:
    """What `start_northbound` returns: await it to stop every server it started. The bound
    addresses are kept for tests and the demo's banner (port 0 picks a free port)."""

    __slots__ = ("ntcip_address", "gat1049_address", "_closers")

    def __init__(self) -> None:
        self.ntcip_address: tuple[str, int] | None = None
        self.gat1049_address: tuple[str, int] | None = None
        self._closers: list[Callable[[], Awaitable[None]]] = []

    async def __call__(self) -> None:
        closers, self._closers = self._closers, []
        for close in reversed(closers):
            await close()


async def start_northbound(gateway: Gateway, config: NorthboundConfig) -> NorthboundHandle:
    """Start the enabled northbound servers on a started gateway (its event bus must exist).

    Returns a handle; `await handle()` stops them. Raises OSError if a port cannot be bound and
    ValueError if two devices share a GA/T 1049 CrossID or SignalControlerID (nothing is left
    running then)."""
    from gateway.northbound.metrics import NorthboundMetrics

    metrics = NorthboundMetrics.for_registry(gateway.metrics.registry)
    handle = NorthboundHandle()
    try:
        if config.ntcip.enabled:
            from gateway.northbound.ntcip.agent import NtcipAgent

            agent = NtcipAgent(gateway, config.ntcip, metrics)
            handle.ntcip_address = await agent.start()
            handle._closers.append(agent.close)
        if config.gat1049.enabled:
            from gateway.northbound.gat1049.server import Gat1049Server

            server = Gat1049Server(gateway, config.gat1049, metrics)
            handle.gat1049_address = await server.start()
            handle._closers.append(server.close)
    except BaseException:
        await handle()
        raise
    return handle
