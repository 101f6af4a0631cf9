"""The adapter catalog: every installed adapter, found through the `junction.adapters` group.

The gateway never imports an adapter by name; a broken third-party adapter is reported by
`junction adapters` and skipped, never a crash at startup.
"""

from __future__ import annotations

import logging
from importlib.metadata import entry_points

from gateway.sdk.adapter import Adapter

__all__ = ["ENTRY_POINT_GROUP", "AdapterCatalog"]

log = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "junction.adapters"


class AdapterCatalog:
    __slots__ = ("_adapters", "broken")

    def __init__(self, adapters: dict[str, type[Adapter]],
                 broken: dict[str, str] | None = None) -> None:
        self._adapters = dict(adapters)
        self.broken = dict(broken or {})

    @classmethod
    def discover(cls) -> AdapterCatalog:
        found: dict[str, type[Adapter]] = {}
        broken: dict[str, str] = {}
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                adapter = ep.load()
                info = adapter.info
            except Exception as err:  # noqa: BLE001 - a broken third-party adapter must not stop the gateway
                broken[ep.name] = f"{type(err).__name__}: {err}"
                log.error("adapter=%s event=load_failed error=%s", ep.name, err)
                continue
            if info.name != ep.name:
                broken[ep.name] = f"entry point name {ep.name!r} != AdapterInfo.name {info.name!r}"
                continue
            found[ep.name] = adapter
        return cls(found, broken)

    def get(self, name: str) -> type[Adapter] | None:
        return self._adapters.get(name)

    def names(self) -> list[str]:
        return sorted(self._adapters)

    def items(self) -> list[tuple[str, type[Adapter]]]:
        return sorted(self._adapters.items())
