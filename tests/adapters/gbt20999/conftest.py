"""Until the lead declares the `gbt20999` entry point (it lands with the package), the tests of
this folder add the adapter to the discovered catalog themselves; once declared, the real
entry point is used and test_gbt20999_contract checks it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.gbt20999.adapter import Gbt20999Adapter
from gateway.adapters import AdapterCatalog

_discover = AdapterCatalog.discover.__func__  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def gbt20999_in_catalog(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def discover(cls: type[AdapterCatalog]) -> AdapterCatalog:
        catalog: AdapterCatalog = _discover(cls)
        if catalog.get("gbt20999") is None and "gbt20999" not in catalog.broken:
            catalog = AdapterCatalog({**dict(catalog.items()), "gbt20999": Gbt20999Adapter},
                                     catalog.broken)
        return catalog

    monkeypatch.setattr(AdapterCatalog, "discover", classmethod(discover))
    yield
