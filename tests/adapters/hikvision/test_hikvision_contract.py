"""The hikvision adapter's published contract: sample config, profiles and their JSON Schema, the
AdapterInfo the gateway and `junction adapters` rely on, and the SDK protocols it meets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from gateway.adapters import AdapterCatalog
from gateway.config import validate_config
from gateway.model import CommandName, DeviceKind
from gateway.profiles import BUILTIN_PROFILE_DIR, load_profile, profile_id_for, profile_schema
from gateway.sdk import Capability, CommandAdapter, EventAdapter, SnapshotAdapter
from gateway.yamlsource import load_yaml

REPO = Path(__file__).resolve().parents[3]


def test_sample_config_loads_with_the_real_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAM_MAIN_1ST_PASSWORD", "sample-password")
    located = load_yaml(REPO / "adapters/hikvision/sample.yaml")
    loaded = validate_config(located, AdapterCatalog.discover(), REPO)
    device = loaded.config.devices[0]
    assert device.adapter == "hikvision" and device.kind == DeviceKind.CAMERA
    assert device.credentials is not None and device.credentials.secret() == "sample-password"
    assert loaded.profiles["hikvision/ds-2de-ptz"].port == 80
    assert loaded.options[device.id]["heartbeat_timeout_s"] == 30
    readme = (REPO / "adapters/hikvision/README.md").read_text()
    assert (REPO / "adapters/hikvision/sample.yaml").read_text().strip() in readme


def test_profiles_load_and_the_schema_is_current() -> None:
    catalog = AdapterCatalog.discover()
    folder = BUILTIN_PROFILE_DIR / "hikvision"
    paths = sorted(folder.glob("*.yaml"))
    assert len(paths) >= 2
    for path in paths:
        assert load_profile(path, profile_id_for(path), catalog).adapter == "hikvision"
        assert yaml.safe_load(path.read_text())["kind"] == "camera"
    committed = json.loads((folder / "profile.schema.json").read_text())
    assert committed == profile_schema(catalog, "hikvision"), "regenerate profile.schema.json"


def test_adapter_info_matches_the_protocols_it_implements() -> None:
    adapter = AdapterCatalog.discover().get("hikvision")
    assert adapter is not None
    info = adapter.info
    assert info.name == "hikvision" and info.kinds == (DeviceKind.CAMERA,)
    assert info.capabilities == {Capability.READ_STATE, Capability.COMMANDS,
                                 Capability.EVENTS, Capability.SNAPSHOT}
    assert info.commands == {CommandName.PTZ_MOVE, CommandName.PTZ_STOP,
                             CommandName.GOTO_PRESET}
    for protocol in (CommandAdapter, EventAdapter, SnapshotAdapter):
        assert all(hasattr(adapter, name) for name in protocol.__dict__
                   if not name.startswith("_") and callable(getattr(protocol, name)))
