"""Until the lead declares the `hikvision` entry point, the tests of this folder add the adapter
to the discovered catalog themselves (so tests.harness.run_gateway finds it); once declared,
the real entry point is used."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.hikvision.adapter import HikvisionAdapter
from gateway.adapters import AdapterCatalog

_discover = AdapterCatalog.discover.__func__  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def hikvision_in_catalog(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def discover(cls: type[AdapterCatalog]) -> AdapterCatalog:
        catalog: AdapterCatalog = _discover(cls)
        if catalog.get("hikvision") is None and "hikvision" not in catalog.broken:
            catalog = AdapterCatalog({**dict(catalog.items()), "hikvision": HikvisionAdapter},
                                     catalog.broken)
        return catalog

    monkeypatch.setattr(AdapterCatalog, "discover", classmethod(discover))
    yield
