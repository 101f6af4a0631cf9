"""The README's sample entry and the built-in ONVIF profiles load with the real config loader,
and the committed profile schema is current."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.onvif.adapter import OnvifAdapter
from gateway.adapters import AdapterCatalog
from gateway.config import validate_config
from gateway.profiles import load_profile, profile_id_for, profile_schema
from gateway.yamlsource import load_yaml

REPO = Path(__file__).resolve().parents[3]


def _catalog() -> AdapterCatalog:
    return AdapterCatalog({**dict(AdapterCatalog.discover().items()), "onvif": OnvifAdapter})


def test_sample_config_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUNCTION_CAM_MAIN_1ST_PASSWORD", "sample-password")
    loaded = validate_config(load_yaml(REPO / "adapters/onvif/sample.yaml"), _catalog(), REPO)
    device = loaded.config.devices[0]
    assert (device.adapter, device.kind.value) == ("onvif", "camera")
    assert loaded.options["cam-main-1st"]["subscription_ttl_s"] == 120
    assert loaded.options["cam-main-1st"]["auth"] == "auto"  # from the profile
    assert "sample-password" in device.credentials.secret()  # type: ignore[union-attr,operator]
    readme = (REPO / "adapters/onvif/README.md").read_text()
    assert (REPO / "adapters/onvif/sample.yaml").read_text().strip() in readme


def test_profiles_load_and_schema_is_current() -> None:
    folder = REPO / "profiles/onvif"
    for path in folder.glob("*.yaml"):
        assert load_profile(path, profile_id_for(path), _catalog()).adapter == "onvif"
    committed = json.loads((folder / "profile.schema.json").read_text())
    assert committed == profile_schema(_catalog(), "onvif")
