"""A camera adapter's published contract, shared by the Hikvision and Dahua tests: sample
config, profiles and their JSON Schema, the AdapterInfo the gateway and `junction adapters` rely
on, and the SDK protocols it meets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import pytest
import yaml

from gateway.adapters import AdapterCatalog
from gateway.config import validate_config
from gateway.model import CommandName, DeviceKind
from gateway.profiles import BUILTIN_PROFILE_DIR, load_profile, profile_id_for, profile_schema
from gateway.sdk import Capability, CommandAdapter, EventAdapter, SnapshotAdapter
from gateway.yamlsource import load_yaml

__all__ = ["CameraContract"]

REPO = Path(__file__).resolve().parents[2]


class CameraContract:
    """Subclass as `Test<Vendor>Contract` and name the adapter and its sample config's facts."""

    name: ClassVar[str]  # the adapter slug (its folder under adapters/ and profiles/)
    sample_env: ClassVar[str]  # the environment variable the sample's password comes from
    sample_profile: ClassVar[str]  # the profile the sample device uses
    sample_option: ClassVar[tuple[str, object]]  # one merged option of the sample device

    def test_sample_config_loads_with_the_real_loader(self,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(self.sample_env, "sample-password")
        option, value = self.sample_option
        located = load_yaml(REPO / f"adapters/{self.name}/sample.yaml")
        loaded = validate_config(located, AdapterCatalog.discover(), REPO)
        device = loaded.config.devices[0]
        assert device.adapter == self.name and device.kind == DeviceKind.CAMERA
        assert device.credentials is not None and device.credentials.secret() == "sample-password"
        assert loaded.profiles[self.sample_profile].port == 80
        assert loaded.options[device.id][option] == value
        readme = (REPO / f"adapters/{self.name}/README.md").read_text()
        assert (REPO / f"adapters/{self.name}/sample.yaml").read_text().strip() in readme

    def test_profiles_load_and_the_schema_is_current(self) -> None:
        catalog = AdapterCatalog.discover()
        folder = BUILTIN_PROFILE_DIR / self.name
        paths = sorted(folder.glob("*.yaml"))
        assert len(paths) >= 2
        for path in paths:
            assert load_profile(path, profile_id_for(path), catalog).adapter == self.name
            assert yaml.safe_load(path.read_text())["kind"] == "camera"
        committed = json.loads((folder / "profile.schema.json").read_text())
        assert committed == profile_schema(catalog, self.name), "regenerate profile.schema.json"

    def test_adapter_info_matches_the_protocols_it_implements(self) -> None:
        adapter = AdapterCatalog.discover().get(self.name)
        assert adapter is not None
        info = adapter.info
        assert info.name == self.name and info.kinds == (DeviceKind.CAMERA,)
        assert info.capabilities == {Capability.READ_STATE, Capability.COMMANDS,
                                     Capability.EVENTS, Capability.SNAPSHOT}
        assert info.commands == {CommandName.PTZ_MOVE, CommandName.PTZ_STOP,
                                 CommandName.GOTO_PRESET}
        for protocol in (CommandAdapter, EventAdapter, SnapshotAdapter):
            assert all(hasattr(adapter, name) for name in protocol.__dict__
                       if not name.startswith("_") and callable(getattr(protocol, name)))
